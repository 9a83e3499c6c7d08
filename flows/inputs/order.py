"""`extraction: consensus`'s last three steps: the page's document order, by jusText's paragraphs (issue 12
item 3, rounds 18 and 20).

jusText lists the page's paragraphs in document order; a line of the text is placed at the first paragraph
of the same text (line_key'd), or else the first that contains it (lines of MIN_CONTAINED characters or more).
- `resume`: every trafilatura pass can stop at a break inside the article (an "Advertisement" slot) and lose
  the rest. jusText's paragraphs after the last one the text has are added at the text's end when no
  trafilatura pass has them, readability's article has them, jusText calls them good (its final class) and
  they are sentence-like (cleaners.risk.measure); only when at least MIN_RESUMED of them qualify (one or two
  good paragraphs after an article are an author's bio or a notice more often than its continuation).
- `drop_displaced`: trafilatura can print a block from elsewhere on the page at the text's head (a teaser from
  after the comments). A line before the first line readability's article has whose paragraph comes after
  the article's last one in the document, or a line after its last line whose paragraph comes before its
  first, goes when jusText calls it bad (final class). Lines are placed here with zero-width characters set
  aside (a line "‌iPhone 11‌" with joiners must find its paragraph).
- `restore_lead`: every trafilatura pass can print the headline, skip the article's first paragraph (set
  apart in its own block above the body) and go on with the second. Among the LEAD_WINDOW jusText paragraphs
  just before the paragraph of the text's first line that is not a title (the headline is skipped over),
  those that no trafilatura pass has, that jusText calls good (final class) and that are sentence-like are
  put in before that line (round 20).
Designed on half A of both dev sets; figures in benchmarks/RESULTS.md (2026-12-02, rounds 18 and 20). The
report's `extraction` entry lists every line the steps put in or take out (`resumed`, `displaced`, `lead`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from cleaners.page_title import title_forms, title_words
from cleaners.risk import measure

from .edges import MIN_CONTAINED, TITLE_SEPARATOR, in_article

# At least this many paragraphs must qualify before any is added after the text's end (3 chosen on half A
# over 1 / 2: with fewer, a contributor disclaimer or an author's bio came in on their own).
MIN_RESUMED = 3
# How many paragraphs above the body's first line are looked at for its lead (3 chosen on half A over 2 and
# 5: with 5, another article's teaser above the lead came in too; with 2, leads were missed).
LEAD_WINDOW = 3
# Zero-width characters: invisible in the page, but they keep a line from matching its paragraph.
ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")

Key = Callable[[str], str]
# A jusText paragraph: (text key, context-free class, final class, text as printed).
Paragraph = Sequence[str]


def places(lines: Sequence[str], keys: Sequence[str], key: Key) -> dict[int, int]:
    """line index -> index of the first paragraph whose key is the line's, else of the first containing it."""
    first: dict[str, int] = {}
    for i, k in enumerate(keys):
        first.setdefault(k, i)
    out = {}
    for j, ln in enumerate(lines):
        k = key(ln)
        if not k:
            continue
        i = first.get(k)
        if i is None and len(k) >= MIN_CONTAINED:
            i = next((i for i, pk in enumerate(keys) if k in pk), None)
        if i is not None:
            out[j] = i
    return out


def unseen(texts: Sequence[str], key: Key) -> Callable[[str], bool]:
    """paragraph key -> whether no text of `texts` has it: as one of its lines or, for a key of MIN_CONTAINED
    characters or more, inside one."""
    known = {key(ln) for t in texts for ln in t.splitlines()} - {""}
    blob = "\n".join(known)
    return lambda k: not (k in known or (len(k) >= MIN_CONTAINED and k in blob))


def resume(
    text: str, others: Sequence[str], paragraphs: Sequence[Paragraph], article: Sequence[str], key: Key
) -> tuple[str, list[str]]:
    """`text` with jusText's paragraphs after its last one that readability's `article` has, jusText calls
    good and no text of `others` (the trafilatura passes) has, when MIN_RESUMED qualify; and those lines."""
    lines = text.splitlines()
    where = places(lines, [p[0] for p in paragraphs], key)
    if not article or not where:
        return text, []
    new, exact, art_blob = unseen((*others, text), key), set(article), "\n".join(article)
    last = max(where.values())
    found = [
        p[3]
        for p in paragraphs[last + 1 :]
        if p[0]
        and p[2] == "good"
        and new(p[0])
        and in_article(p[0], exact, art_blob)
        and measure(p[3]).sentence_like
    ]
    if len(found) < MIN_RESUMED:
        return text, []
    at = min(j for j, i in where.items() if i == last)  # the text's line at that paragraph
    return "\n".join([*lines[: at + 1], *found, *lines[at + 1 :]]), found


def drop_displaced(
    text: str, paragraphs: Sequence[Paragraph], article: Sequence[str], key: Key
) -> tuple[str, list[str]]:
    """`text` less its head lines from after readability's `article` in the document and its tail lines
    from before it, that jusText calls bad; and the lines dropped."""

    def bare(line: str) -> str:
        return key(ZERO_WIDTH.sub("", line))

    lines = text.splitlines()
    exact, art_blob = set(article), "\n".join(article)
    inside = [j for j, ln in enumerate(lines) if bare(ln) and in_article(key(ln), exact, art_blob)]
    where = places(lines, [bare(p[3]) for p in paragraphs], bare)
    held = [where[j] for j in inside if j in where]
    if not held:
        return text, []
    lo, hi = min(held), max(held)
    head = [j for j in range(inside[0]) if where.get(j, -1) > hi]
    tail = [j for j in range(inside[-1] + 1, len(lines)) if where.get(j, lo) < lo]
    drop = {j for j in head + tail if paragraphs[where[j]][2] == "bad"}
    if not drop:
        return text, []
    return "\n".join(ln for j, ln in enumerate(lines) if j not in drop), [lines[j] for j in sorted(drop)]


def restore_lead(
    text: str, others: Sequence[str], paragraphs: Sequence[Paragraph], titles: Sequence[str], key: Key
) -> tuple[str, list[str]]:
    """`text` with the article's lead put back before its first line that is not a title: jusText's
    paragraphs among the LEAD_WINDOW above that line's that no text of `others` (the trafilatura passes) has,
    jusText calls good and that are sentence-like; and those lines."""
    lines = text.splitlines()
    where = places(lines, [p[0] for p in paragraphs], key)
    forms = title_forms(tuple(titles), TITLE_SEPARATOR)
    body = [j for j in sorted(where) if title_words(lines[j]) not in forms]
    if not body:
        return text, []
    first = body[0]
    above = max((where[j] for j in where if j < first), default=-1)  # the headline's paragraph, if placed
    new = unseen((*others, text), key)
    window = paragraphs[max(above + 1, where[first] - LEAD_WINDOW) : where[first]]
    found = [p[3] for p in window if p[0] and p[2] == "good" and new(p[0]) and measure(p[3]).sentence_like]
    if not found:
        return text, []
    return "\n".join([*lines[:first], *found, *lines[first:]]), found
