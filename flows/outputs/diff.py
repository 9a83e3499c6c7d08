"""Unified diffs of a cleaning, rendered from the recorded removals (never by comparing texts)."""

from __future__ import annotations

import re
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass

from cleaners.core import Removal, applied

# Unchanged lines shown around each change, as `diff -u` does.
CONTEXT = 3


@dataclass(slots=True)
class _Region:
    """Whole lines of the original that the removals change, and how many lines replace them."""

    start: int  # offset of its first line
    end: int  # offset just past its last line
    line: int  # 0-based number of its first line
    old: int  # lines of the original
    new: int  # lines of the cleaned text in their place
    removals: list[Removal]


def iter_diff(original: str, removals: Iterable[Removal], rel: str) -> Iterator[str]:
    """A unified diff from original to the cleaned text (original minus the acting removals), in pieces.

    Rendered from the removals, not by comparing texts: each change is where a removal is, and a
    big document's diff is written as it is made, never held whole. `patch` applies it and
    `patch -R` reverses it; lines are split on LF only, as patch does (a CR stays in its line).
    Empty ("") when nothing is removed.
    """
    regions = _regions(original, removals)
    if not regions:
        return
    yield _header(rel)
    total = original.count("\n") + (1 if original and original[-1] != "\n" else 0)
    yield from _hunks_of(original, regions, total, 0)


def iter_diff_pieces(pieces: Iterable[tuple[str, list[Removal]]], rel: str, total: int) -> Iterator[str]:
    """iter_diff for a text given in pieces, each with its removals (in the piece's own offsets).

    For a huge document (flows.run.bigfile): pieces are cut after a line break, far enough from any
    acting removal that no hunk spans two of them; `total` is the whole text's line count.
    """
    line0, delta, started = 0, 0, False
    for text, removals in pieces:
        regions = _regions(text, removals)
        if regions and not started:
            yield _header(rel)
            started = True
        for r in regions:
            r.line += line0
        delta = yield from _hunks_of(text, regions, total, delta)
        line0 += text.count("\n")


def _header(rel: str) -> str:
    return f"--- {_diff_name(f'a/{rel}')}\n+++ {_diff_name(f'b/{rel}')}\n"


def _hunks_of(original: str, regions: list[_Region], total: int, delta: int) -> Generator[str, None, int]:
    """The hunks of regions of `original`; `delta`: lines the cleaned text has gained before them.
    Returns the delta after them."""
    for hunk in _hunks(regions) if regions else ():
        first, last = hunk[0], hunk[-1]
        old_first = max(0, first.line - CONTEXT)
        old_len = min(total, last.line + last.old + CONTEXT) - old_first
        change = sum(r.new - r.old for r in hunk)
        yield f"@@ -{_range(old_first, old_len)} +{_range(old_first + delta, old_len + change)} @@\n"
        delta += change
        pos = first.start
        for _ in range(first.line - old_first):
            pos = original.rfind("\n", 0, pos - 1) + 1
        yield from _marked(original, [(pos, first.start)], " ")
        for i, r in enumerate(hunk):
            if i:
                yield from _marked(original, [(hunk[i - 1].end, r.start)], " ")
            yield from _marked(original, [(r.start, r.end)], "-")
            yield from _marked(original, _kept(r), "+")
        pos = last.end
        for _ in range(old_first + old_len - (last.line + last.old)):
            pos = _line_end(original, pos)
        yield from _marked(original, [(last.end, pos)], " ")
    return delta


def render_diff(original: str, removals: Iterable[Removal], rel: str) -> str:
    """iter_diff as one string (for small documents and tests)."""
    return "".join(iter_diff(original, removals, rel))


def _regions(original: str, removals: Iterable[Removal]) -> list[_Region]:
    rs = [r for r in applied(removals) if r.end > r.start]
    n = len(original)
    regions: list[_Region] = []
    line = cursor = i = 0  # line: LFs in original[:cursor]
    while i < len(rs):
        start = original.rfind("\n", 0, rs[i].start) + 1
        end = start
        group: list[Removal] = []
        while True:
            while i < len(rs) and (not group or rs[i].start < end):
                group.append(rs[i])
                end = max(end, _line_end(original, rs[i].end - 1))
                i += 1
            last = _last_kept(start, end, group)
            if last < 0 or original[last] == "\n" or end >= n:
                break
            # What is left of the last line has no line break: it runs on into the next line.
            end = _line_end(original, end)
        line += original.count("\n", cursor, start)
        cursor = start
        lfs = original.count("\n", start, end)
        old = lfs + (original[-1] != "\n" and end == n)
        new = (
            lfs
            - sum(original.count("\n", r.start, r.end) for r in group)
            + (last >= 0 and original[last] != "\n")
        )
        regions.append(_Region(start, end, line, old, new, group))
    return regions


def _line_end(text: str, pos: int) -> int:
    """Offset just past the LF ending the line that holds offset pos (the end of the text if none)."""
    j = text.find("\n", pos)
    return len(text) if j < 0 else j + 1


def _last_kept(start: int, end: int, group: list[Removal]) -> int:
    """Offset of the last character of [start, end) that no removal takes, or -1."""
    pos = end
    for r in reversed(group):
        if r.end < pos:
            break
        pos = r.start
    return pos - 1 if pos > start else -1


def _kept(region: _Region) -> list[tuple[int, int]]:
    spans, pos = [], region.start
    for r in region.removals:
        spans.append((pos, r.start))
        pos = r.end
    spans.append((pos, region.end))
    return spans


def _hunks(regions: list[_Region]) -> Iterator[list[_Region]]:
    # Changes closer than twice the context share a hunk, as in difflib.
    hunk = [regions[0]]
    for r in regions[1:]:
        if r.line - (hunk[-1].line + hunk[-1].old) <= 2 * CONTEXT:
            hunk.append(r)
        else:
            yield hunk
            hunk = [r]
    yield hunk


def _range(start: int, length: int) -> str:
    """A hunk header's line range (0-based start in), as difflib writes it."""
    if length == 1:
        return str(start + 1)
    return f"{start + 1 if length else start},{length}"


# Characters of a text prefixed and handed out at a time (bounded pieces for a big document).
_PIECE = 1 << 16


def _marked(text: str, spans: Iterable[tuple[int, int]], mark: str) -> Iterator[str]:
    """The lines made of text's spans (joined), each behind `mark`, ended as patch wants."""
    at_line_start = True
    for p, q in spans:
        while p < q:
            c = min(q, p + _PIECE)
            piece = text[p:c]
            out = piece.replace("\n", "\n" + mark)
            if at_line_start:
                out = mark + out
            at_line_start = piece.endswith("\n")
            yield out[: -len(mark)] if at_line_start else out
            p = c
    if not at_line_start:  # only the last line of a text can lack its line break
        yield "\n\\ No newline at end of file\n"


# What makes git quote a file name in a diff header: a control character, a quote or a backslash.
_QUOTED = re.compile(r'[\x00-\x1f"\\\x7f]')


def _diff_name(name: str) -> str:
    """A file name for a diff header, C-quoted as git does when it holds a line break, quote or backslash."""
    if not _QUOTED.search(name):
        return name
    escapes = {"\n": "\\n", "\r": "\\r", "\t": "\\t", '"': '\\"', "\\": "\\\\"}
    return (
        '"'
        + "".join(escapes.get(c) or (f"\\{ord(c):03o}" if c < " " or c == "\x7f" else c) for c in name)
        + '"'
    )
