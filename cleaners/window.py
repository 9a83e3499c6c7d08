"""Cleaning a huge document in windows: the removals, risks and holds clean_text gives the whole text,
with only one window of lines (its core and some context on each side) split into a Document at a time.

Each window is cleaned with `context` non-blank lines around its core, so rules that look at
neighbouring lines (`near`, related-links headers, duplicate lines, blank-line tidying) see what they
would see in the whole text; a window keeps the removals whose own text starts in its core. The
document-level decisions (the article span, runaway rules, the quarantine's share guard) are made once
all windows are seen, from what each window adds up. Exact unless a chain of lines that decide each
other (a stack of `near` buttons, removed lines with no kept line between) is longer than the context.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from .core import Removal
from .engine import find_removals
from .quarantine import DEFAULT_QUARANTINE, hold_back, limits, solid_chars
from .risk import Prose, article_anchors, body_lines, body_start, declared_of, judge, prose_of
from .ruleset import Ruleset
from .text import Document

# Characters of a window's core; memory per window is a small multiple of core + context.
CORE_CHARS = 1 << 20
# Non-blank lines of context each side: far more than any `near` window, duplicate distance or
# related-links list reaches.
CONTEXT_LINES = 64

_NONBLANK_LF_LINE = re.compile(r"[^\n]*\S[^\n]*(?:\n|\Z)")


@dataclass(slots=True)
class WindowedResult:
    """What clean_text's CleanResult holds, less the texts; removals in whole-document offsets."""

    removals: list[Removal]
    held: tuple[str, ...]
    timed_out: tuple[str, ...]
    lines: list[tuple[int, int]]  # each removal's first and last line, 1-based (report records)
    chars: int  # characters of the whole text
    nonblank_lines: int
    # Lines (1-based) where two windows saw different removals in the context they share: a chain of
    # lines longer than the context may be decided there otherwise than in the whole text.
    seams: tuple[int, ...] = ()


@dataclass(slots=True)
class _Window:
    """One window: its Document and where its core and the near halves of its context lie."""

    doc: Document
    offset: int  # of the window in the whole text
    first_line: int  # global index of the window's first line
    lo: int  # the core, in window offsets
    hi: int
    core_lines: range  # the core's lines, as window line indices
    near_before: int  # start of the half of the context before the core that is nearest it
    near_after: int  # end of the half of the context after the core that is nearest it


@dataclass(slots=True)
class _Facts:
    """What the windows add up to, for the document-level decisions."""

    removals: list[Removal] = field(default_factory=list)
    declared: list[str] = field(default_factory=list)
    prose: list[Prose | None] = field(default_factory=list)
    body: list[tuple[int, int]] = field(default_factory=list)  # global line indices of each body
    lines: list[tuple[int, int]] = field(default_factory=list)
    anchors: tuple[int, int] = (-1, -1)
    nonblank: int = 0
    solid: int = 0
    chars: int = 0
    timed_out: dict[str, None] = field(default_factory=dict)
    ahead: tuple[int, int, set] = (0, 0, set())  # the last window's removals just after its core
    seams: list[int] = field(default_factory=list)


def clean_windows(
    chunks: Iterable[str],
    ruleset: Ruleset,
    source: str = "",
    domain: str = "",
    titles: tuple[str, ...] = (),
    core_chars: int = CORE_CHARS,
    context: int = CONTEXT_LINES,
) -> WindowedResult:
    """clean_text's removals and holds for the text that `chunks` make up (split anywhere)."""
    facts = _Facts()
    for window in _windows(chunks, core_chars, context, source, domain, titles):
        _add_window(facts, window, ruleset)
    return _decide(facts, ruleset)


def _windows(
    chunks: Iterable[str], core_chars: int, context: int, source: str, domain: str, titles: tuple
) -> Iterator[_Window]:
    """The windows, one after the other, each with its context."""
    buf, base = "", 0  # buf holds the text from global offset `base` on
    core_start, core_line = 0, 0  # global offset and line index of the next core
    it = iter(chunks)
    done = False
    while not done or core_start < base + len(buf):
        while True:  # read until the core's end and the context after it are in the buffer
            cut = _line_cut(buf, core_start - base + core_chars)
            if done or (cut >= 0 and _after_nonblank(buf, cut, context) >= 0):
                break
            # Doubling: a long stretch without a line break is read in a few joins, not one per chunk.
            buf, done = _grow(buf, it, max(2 * len(buf), core_start - base + core_chars + 1))
        if done:
            cut = len(buf) if cut < 0 else cut
            if core_start - base >= len(buf):
                return
        ctx_end = _after_nonblank(buf, cut, context)
        ctx_end = len(buf) if ctx_end < 0 else ctx_end
        ctx_start = _before_nonblank(buf, core_start - base, context)
        doc = Document(buf[ctx_start:ctx_end], source, domain, titles if base + ctx_start == 0 else ())
        lo, hi = core_start - base - ctx_start, cut - ctx_start
        core_lines = range(
            doc.line_index(lo), doc.line_index(hi) if hi < ctx_end - ctx_start else len(doc.lines)
        )
        first_line = core_line - core_lines.start
        near_before = _before_nonblank(buf, core_start - base, context // 2) - ctx_start
        near_after = _after_nonblank(buf, cut, context // 2)
        near_after = (ctx_end if near_after < 0 else near_after) - ctx_start
        yield _Window(doc, base + ctx_start, first_line, lo, hi, core_lines, near_before, near_after)
        core_line += len(core_lines)
        core_start = base + cut
        keep = _before_nonblank(buf, cut, context)
        buf, base = buf[keep:], base + keep


def _line_cut(text: str, pos: int) -> int:
    """The offset just past the first LF at or after pos, or -1 (windows are cut only after an LF:
    a cut after CR could split a CRLF)."""
    if pos > len(text):
        return -1
    j = text.find("\n", max(pos, 0))
    return -1 if j < 0 else j + 1


def _after_nonblank(text: str, pos: int, n: int) -> int:
    """The offset just past the n-th non-blank LF-ended line from pos on (pos is a line start), or -1."""
    if n == 0:
        return pos
    for i, m in enumerate(_NONBLANK_LF_LINE.finditer(text, pos), 1):
        if i == n:
            return m.end() if m.group().endswith("\n") else -1
    return -1


def _before_nonblank(text: str, pos: int, n: int) -> int:
    """The start of the n-th non-blank line before pos (a line start), or 0."""
    seen = 0
    while pos > 0 and seen < n:
        start = text.rfind("\n", 0, pos - 1) + 1
        if text[start:pos].strip():
            seen += 1
        pos = start
    return pos


def _add_window(facts: _Facts, w: _Window, ruleset: Ruleset) -> None:
    """Find the window's removals; keep those it owns and what the document-level decisions need."""
    doc, first_line, lo, hi = w.doc, w.first_line, w.lo, w.hi
    found = find_removals(doc, ruleset)
    _check_seam(facts, w, found)
    declared = declared_of(found, ruleset.confidence)
    first, last = article_anchors(doc, found, declared, w.core_lines) if w.core_lines else (-1, -1)
    if first >= 0:
        old = facts.anchors
        facts.anchors = (old[0] if old[0] >= 0 else first + first_line, last + first_line)
    owned = [i for i, r in enumerate(found) if lo <= body_start(r) < hi]
    mine, mine_declared = [found[i] for i in owned], [declared[i] for i in owned]
    facts.declared.extend(mine_declared)
    facts.prose.extend(prose_of(mine, mine_declared))
    for r in mine:
        f, la = body_lines(doc, r)
        facts.body.append((f + first_line, la + first_line))
        line, end_line = doc.line_index(r.start), doc.line_index(max(r.start, r.end - 1))
        facts.lines.append((line + first_line + 1, end_line + first_line + 1))
        facts.removals.append(r.moved(r.start + w.offset, r.end + w.offset, r.text))
    stripped = doc.stripped
    facts.nonblank += sum(1 for i in w.core_lines if stripped[i])
    facts.solid += solid_chars(doc.text[lo:hi])
    facts.chars += hi - lo
    facts.timed_out.update(doc.timed_out)


def _check_seam(facts: _Facts, w: _Window, found: list[Removal]) -> None:
    """Compare what this window and the one before saw in the near halves of the context they share;
    where they differ, note the seam's line (the far edges of a context may differ: that is what
    the context is for, so only the halves nearest the cores are compared)."""

    def keys(rs, lo: int, hi: int, shift: int = 0) -> set:  # lo, hi in the removals' own offsets
        return {
            (r.start + shift, r.end + shift, r.cleaner, r.rule, r.shadow)
            for r in rs
            if r.end > lo and r.start < hi and lo <= body_start(r) < hi  # cheap test first
        }

    off = w.offset
    g0, g1, seen = facts.ahead
    behind, start = off + w.near_before, off + w.lo  # global offsets
    tail = []
    for r in reversed(facts.removals):
        if body_start(r) < behind:
            break
        tail.append(r)
    ahead_differs = keys(found, g0 - off, g1 - off, off) != seen
    if ahead_differs or keys(found, w.near_before, w.lo, off) != keys(tail, behind, start):
        facts.seams.append(w.first_line + w.core_lines.start + 1)
    facts.ahead = (off + w.hi, off + w.near_after, keys(found, w.hi, w.near_after, off))


def _decide(facts: _Facts, ruleset: Ruleset) -> WindowedResult:
    """The document-level decisions clean_text makes, from the facts every window added."""
    settings = ruleset.quarantine or DEFAULT_QUARANTINE
    unsure = any(p is not None and p.sentence_like for p in facts.prose)
    span = facts.anchors if unsure else (-1, -1)
    inside = [
        p is not None and p.sentence_like and span[0] < f and la < span[1]
        for p, (f, la) in zip(facts.prose, facts.body, strict=True)
    ]
    assessed = judge(facts.removals, facts.declared, facts.prose, inside, facts.nonblank, limits(settings))
    removals, held = hold_back("", assessed, settings, total=facts.solid)
    return WindowedResult(
        removals, held, tuple(facts.timed_out), facts.lines, facts.chars, facts.nonblank, tuple(facts.seams)
    )


def pieces(
    chunks: Iterable[str], removals: list[Removal], size: int = CORE_CHARS, margin: int = 5
) -> Iterator[tuple[str, list[Removal]]]:
    """The text that `chunks` make up, in pieces of about `size` characters, each with the acting
    removals inside it (in the piece's offsets). A piece ends after an LF with at least `margin` LFs
    between it and any acting removal, so the piece's cleaned text and diff hunks are its own."""
    acting = [r for r in removals if not r.shadow]
    starts = [r.start for r in acting]
    buf, base, k = "", 0, 0  # buf holds the text from global offset base on; acting[k:] not handed out
    it, done, need = iter(chunks), False, size
    while not done:
        buf, done = _grow(buf, it, need)
        need = size
        while len(buf) >= size:
            cut, j = _quiet_cut(buf, base, size, acting, starts, k, margin)
            if cut < 0:
                need = 2 * len(buf)  # removals too dense to cut here: read on, in few joins
                break
            yield buf[:cut], [r.moved(r.start - base, r.end - base, r.text) for r in acting[k:j]]
            buf, base, k = buf[cut:], base + cut, j
    if buf or k < len(acting):
        yield buf, [r.moved(r.start - base, r.end - base, r.text) for r in acting[k:]]


def _grow(buf: str, it: Iterator[str], need: int) -> tuple[str, bool]:
    """buf with chunks from `it` added until it is `need` long (joined once), and whether `it` ran out."""
    parts, n = [buf], len(buf)
    while n < need:
        nxt = next(it, None)
        if nxt is None:
            return "".join(parts), True
        parts.append(nxt)
        n += len(nxt)
    return "".join(parts), False


def _quiet_cut(
    buf: str, base: int, pos: int, acting: list[Removal], starts: list[int], k: int, margin: int
) -> tuple[int, int]:
    """(a cut at or after pos with `margin` LFs to the acting removals on each side, the index of the
    first removal after it), or (-1, k) when the buffer does not reach one yet. Five LFs keep a diff's
    hunks (three lines of context, merged when six or fewer lines apart) within one piece."""
    while True:
        cut = _line_cut(buf, pos)
        if cut < 0:
            return -1, k
        j = bisect.bisect_left(starts, base + cut, k)
        if j > k and buf.count("\n", acting[j - 1].end - base, cut) < margin:
            pos = max(cut, acting[j - 1].end - base)  # too close to (or inside) the removal before
            pos = _after_lines(buf, pos, margin)
            if pos < 0:
                return -1, k
            continue
        if j == len(acting):
            return cut, j
        nxt = acting[j].start - base
        if buf.count("\n", cut, min(nxt, len(buf))) >= margin:
            return cut, j
        if nxt >= len(buf):
            return -1, k
        pos = acting[j].end - base


def _after_lines(text: str, pos: int, n: int) -> int:
    """The offset just past the n-th LF from pos, or -1."""
    for _ in range(n):
        j = text.find("\n", pos)
        if j < 0:
            return -1
        pos = j + 1
    return pos
