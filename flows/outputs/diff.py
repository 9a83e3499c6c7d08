"""Unified diffs of a cleaning, rendered from the recorded removals (never by comparing texts)."""

from __future__ import annotations

import re
from collections.abc import Generator, Iterable, Iterator

from cleaners.core import Removal, applied

# Unchanged lines shown around each change, as `diff -u` does.
CONTEXT = 3


def iter_diff(original: str, removals: Iterable[Removal], rel: str) -> Iterator[str]:
    """A unified diff from original to the cleaned text (original minus the acting removals), in pieces.

    Rendered from the removals, not by comparing texts: each change is where a removal is, and a
    big document's diff is written as it is made, never held whole. `patch` applies it and
    `patch -R` reverses it; lines are split on LF only, as patch does (a CR stays in its line).
    Empty ("") when nothing is removed.
    """
    rs, regions = _regions(original, removals, 0)
    if not regions:
        return
    total = original.count("\n") + (1 if original and original[-1] != "\n" else 0)
    yield from _hunks_of(original, rs, regions, total, 0, _header(rel))


def iter_diff_pieces(pieces: Iterable[tuple[str, list[Removal]]], rel: str, total: int) -> Iterator[str]:
    """iter_diff for a text given in pieces, each with its removals (in the piece's own offsets).

    For a huge document (flows.run.bigfile): pieces are cut after a line break, far enough from any
    acting removal that no hunk spans two of them; `total` is the whole text's line count.
    """
    line0, delta, started = 0, 0, False
    for text, removals in pieces:
        rs, regions = _regions(text, removals, line0)
        head = ""
        if regions and not started:
            head, started = _header(rel), True
        delta = yield from _hunks_of(text, rs, regions, total, delta, head)
        line0 += text.count("\n")


def _header(rel: str) -> str:
    return f"--- {_diff_name(f'a/{rel}')}\n+++ {_diff_name(f'b/{rel}')}\n"


def render_diff(original: str, removals: Iterable[Removal], rel: str) -> str:
    """iter_diff as one string (for small documents and tests)."""
    return "".join(iter_diff(original, removals, rel))


# A region: whole lines of the original that the removals change, as a tuple (a class per region cost a
# tenth of the diff's time): offsets of its first line and just past its last, the 0-based number of its
# first line, its lines in the original (old) and in the cleaned text (new), and its removals rs[i:j].
_Region = tuple[int, int, int, int, int, int, int]


def _regions(original: str, removals: Iterable[Removal], line0: int) -> tuple[list[Removal], list[_Region]]:
    """The acting, non-empty removals sorted by start, and the regions they change (line numbers from
    line0). One loop with the text's own find and count: this runs for every document of a run."""
    rs = [r for r in applied(removals) if r.end > r.start]
    n, nrs = len(original), len(rs)
    find, count = original.find, original.count
    regions: list[_Region] = []
    line, cursor, i = line0, 0, 0  # line: line0 + the LFs in original[:cursor]
    while i < nrs:
        i0 = i
        start = original.rfind("\n", 0, rs[i].start) + 1
        end, gone = start, 0  # gone: the LFs the removals take
        while True:
            while i < nrs and (i == i0 or rs[i].start < end):
                r = rs[i]
                e = find("\n", r.end - 1)
                e = n if e < 0 else e + 1
                if e > end:
                    end = e
                gone += count("\n", r.start, r.end)
                i += 1
            last = _last_kept(start, end, rs, i0, i)
            if last < 0 or original[last] == "\n" or end >= n:
                break
            # What is left of the last line has no line break: it runs on into the next line.
            e = find("\n", end)
            end = n if e < 0 else e + 1
        line += count("\n", cursor, start)
        cursor = start
        lfs = count("\n", start, end)
        old = lfs + (end == n and original[-1] != "\n")
        regions.append((start, end, line, old, lfs - gone + (last >= 0 and original[last] != "\n"), i0, i))
    return rs, regions


def _last_kept(start: int, end: int, rs: list[Removal], i: int, j: int) -> int:
    """Offset of the last character of [start, end) that no removal of rs[i:j] takes, or -1."""
    pos = end
    for k in range(j - 1, i - 1, -1):
        r = rs[k]
        if r.end < pos:
            break
        pos = r.start
    return pos - 1 if pos > start else -1


def _hunks_of(
    original: str, rs: list[Removal], regions: list[_Region], total: int, delta: int, head: str
) -> Generator[str, None, int]:
    """`head`, then the hunks of regions of `original`, in pieces of about _PIECE characters or more (one
    for most documents). `delta`: lines the cleaned text has gained before them. Returns the delta after."""
    out, size = [head] if head else [], 0
    for hunk, header, start, end in _hunks(original, regions, total, delta):
        out.append(header)
        if end - start <= _PIECE:
            _small_hunk(original, rs, hunk, start, end, out)
            size += end - start
            if size > _PIECE:
                yield "".join(out)
                out, size = [], 0
        else:  # a hunk over a huge span (a document of long lines): in bounded pieces
            yield "".join(out)
            out, size = [], 0
            yield from _big_hunk(original, rs, hunk, start, end)
    if out:
        yield "".join(out)
    return delta + sum(r[4] - r[3] for r in regions)


def _hunks(
    original: str, regions: list[_Region], total: int, delta: int
) -> Iterator[tuple[list[_Region], str, int, int]]:
    """Each hunk: its regions (changes closer than twice the context share one, as in difflib), its header
    line, and the offsets of its first line of context and just past its last."""
    k, nreg = 0, len(regions)
    while k < nreg:
        j = k + 1
        while j < nreg and regions[j][2] - (regions[j - 1][2] + regions[j - 1][3]) <= 2 * CONTEXT:
            j += 1
        hunk = regions[k:j]
        k = j
        first, last = hunk[0], hunk[-1]
        old_first = max(0, first[2] - CONTEXT)
        old_len = min(total, last[2] + last[3] + CONTEXT) - old_first
        change = sum(r[4] - r[3] for r in hunk)
        header = f"@@ -{_range(old_first, old_len)} +{_range(old_first + delta, old_len + change)} @@\n"
        delta += change
        start = first[0]
        for _ in range(first[2] - old_first):
            start = original.rfind("\n", 0, start - 1) + 1
        end = last[1]
        for _ in range(old_first + old_len - (last[2] + last[3])):
            end = _line_end(original, end)
        yield hunk, header, start, end


def _small_hunk(original: str, rs: list[Removal], hunk: list[_Region], pos: int, end: int, out: list) -> None:
    """A hunk's lines after its header, each marked, appended to out (a slice and a replace per block of
    lines: the diff of every document of a run goes through here)."""
    for start, stop, _line, _old, _new, i, j in hunk:
        if pos < start:  # context: whole lines
            out.append(" " + original[pos : start - 1].replace("\n", "\n ") + "\n")
        out.append(_mark(original[start:stop], "-"))
        r = rs[i]
        if j - i == 1:
            kept = original[start : r.start] + original[r.end : stop]
        else:
            between = [original[rs[m].end : rs[m + 1].start] for m in range(i, j - 1)]
            kept = "".join([original[start : r.start], *between, original[rs[j - 1].end : stop]])
        if kept:
            out.append(_mark(kept, "+"))
        pos = stop
    if pos < end:
        out.append(_mark(original[pos:end], " "))


def _big_hunk(original: str, rs: list[Removal], hunk: list[_Region], pos: int, end: int) -> Iterator[str]:
    """_small_hunk in pieces of at most _PIECE characters of the text."""
    for start, stop, _line, _old, _new, i, j in hunk:
        yield from _marked(original, [(pos, start)], " ")
        yield from _marked(original, [(start, stop)], "-")
        kept = [(start, rs[i].start), *((rs[m].end, rs[m + 1].start) for m in range(i, j - 1))]
        yield from _marked(original, [*kept, (rs[j - 1].end, stop)], "+")
        pos = stop
    yield from _marked(original, [(pos, end)], " ")


def _line_end(text: str, pos: int) -> int:
    """Offset just past the LF ending the line that holds offset pos (the end of the text if none)."""
    j = text.find("\n", pos)
    return len(text) if j < 0 else j + 1


def _range(start: int, length: int) -> str:
    """A hunk header's line range (0-based start in), as difflib writes it."""
    if length == 1:
        return str(start + 1)
    return f"{start + 1 if length else start},{length}"


# Characters of a text prefixed and handed out at a time (bounded pieces for a big document).
_PIECE = 1 << 16
_NO_NEWLINE = "\n\\ No newline at end of file\n"


def _mark(text: str, mark: str) -> str:
    """text's lines, each behind `mark` (one character), ended as patch wants."""
    if not text:
        return ""
    if text[-1] == "\n":
        return mark + text[:-1].replace("\n", "\n" + mark) + "\n"
    return mark + text.replace("\n", "\n" + mark) + _NO_NEWLINE  # only the text's last line can lack one


def _marked(text: str, spans: Iterable[tuple[int, int]], mark: str) -> Iterator[str]:
    """_mark of text's spans (joined), in pieces of at most _PIECE characters of text."""
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
        yield _NO_NEWLINE


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
