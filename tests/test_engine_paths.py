"""The engine's offset-based blank-line tidying against the Line-object version it replaced (issue 15)."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from cleaners.core import Removal
from cleaners.engine import _resolve_by_rank, _resolve_overlaps, _tidy_blank_lines
from cleaners.text import Document

LINE = st.sampled_from(["", " ", "\t", "Advertisement", "Photo: AP", "The article goes on.", "x"])
ENDING = st.sampled_from(["\n", "\r\n", "\r"])


def reference_tidy(doc: Document, removals: list[Removal]) -> list[Removal]:
    """The tidying as first written, with Line objects (engine.py before issue 15)."""
    if not removals:
        return removals
    lines = doc.lines
    owner: dict[int, int] = {}
    for pos, r in enumerate(removals):
        first, last = doc.line_at(r.start), doc.line_at(max(r.start, r.end - 1))
        if first.start == r.start and last.end == r.end:
            owner.update((idx, pos) for idx in range(first.index, last.index + 1))
    out = list(removals)
    n = len(lines)
    i = 0
    while i < n:
        if i not in owner:
            i += 1
            continue
        j = i
        while j < n and j in owner:
            j += 1
        k = j
        while k < n and lines[k].is_blank and k not in owner:
            k += 1
        if k > j and (i == 0 or lines[i - 1].is_blank):
            out[owner[j - 1]] = _moved(doc, out[owner[j - 1]], end=lines[k - 1].end)
        elif j == n and i > 0 and not lines[-1].end > lines[-1].content_end:
            b = i
            while b > 0 and (lines[b - 1].is_blank or (b - 1) in owner):
                b -= 1
            if b > 0:
                f = b
                while f not in owner:
                    f += 1
                out[owner[f]] = _moved(doc, out[owner[f]], start=lines[b - 1].content_end)
        i = k
    return out


def _moved(doc: Document, r: Removal, start: int | None = None, end: int | None = None) -> Removal:
    s = r.start if start is None else start
    e = r.end if end is None else end
    return replace(r, start=s, end=e, text=doc.text[s:e])


@st.composite
def documents_and_removals(draw):
    """A document, and non-overlapping removals: runs of whole lines, or part of one line."""
    lines = draw(st.lists(st.tuples(LINE, ENDING), min_size=1, max_size=14))
    text = "".join(a + b for a, b in lines)
    if draw(st.booleans()):
        text = text.rstrip("\r\n")
    doc = Document(text)
    n = len(doc.lines)
    removals, i = [], 0
    while i < n:
        run = draw(st.integers(0, 3))
        if run and draw(st.booleans()):
            last = doc.lines[min(n, i + run) - 1]
            start, end = doc.lines[i].start, last.end
            if draw(st.integers(0, 4)) == 0 and end - start > 1:
                end -= 1  # not a whole line: never tidied
            removals.append(Removal(start, end, "c", "r", text[start:end]))
        i += max(run, 1)
    return doc, removals


@settings(max_examples=300, deadline=None)
@given(documents_and_removals())
def test_offset_tidying_equals_the_line_object_version(case):
    doc, removals = case
    assert _tidy_blank_lines(doc, removals) == reference_tidy(Document(doc.text), removals)


def test_a_cleaned_document_is_freed_without_the_garbage_collector():
    """No reference cycle per document (Document <-> its lines): refcounting frees it, and the collector's
    runs over 20,000 documents' leftovers (~5% of the engine's time) are gone."""
    import gc

    from cleaners import clean_text, load_ruleset

    ruleset = load_ruleset()
    text = "Title\n\nPhoto: AP\n\nWe use cookies to improve your experience. Accept\n\nThe article goes on.\n"
    clean_text(text, ruleset)
    gc.collect()
    gc.disable()
    try:
        for _ in range(3):
            doc = Document(text)
            assert doc.lines[2].content == "Photo: AP" and len(list(doc.lines)) == 7
            assert clean_text(text, ruleset).acting
        del doc
        assert gc.collect() == 0
    finally:
        gc.enable()


@st.composite
def ranked_spans(draw):
    """Candidate removals (rank, removal): spans of 0-6 characters in 0-40, often touching or overlapping."""
    out = []
    for _ in range(draw(st.integers(0, 8))):
        start = draw(st.integers(0, 40))
        end = start + draw(st.integers(0, 6))
        rank = draw(st.integers(0, 4))
        out.append((rank, Removal(start, end, f"c{rank}", "r", "x" * (end - start))))
    return out


@settings(max_examples=500, deadline=None)
@given(ranked_spans())
def test_overlaps_without_a_clash_equal_the_walk_by_rank(candidates):
    """The fast path (no two candidates overlap: all of them by start) gives what the walk by rank gives."""
    assert _resolve_overlaps(candidates) == _resolve_by_rank(candidates)
