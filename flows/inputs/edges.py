"""`extraction: consensus`'s last step: where the article starts and ends, by a third opinion (issue 12
item 3, round 16).

readability (trafilatura's own port of readability-lxml) picks the page's article block by its own scores,
not trafilatura's. Lines of the text before the first line that readability's article has (the head) and
after the last one (the tail) go when all of these hold:
- jusText calls them bad (its final class, after its context pass; flows/inputs/consensus.py's verdicts);
- they are not sentence-like (cleaners.risk.measure);
- they do not repeat one of the page's titles: whether the headline stays is `headline:`'s choice;
- readability's article holds at least MIN_SHARE of the text's characters (when it holds less, it picked
  another block, and its edges mean nothing) and shares a line with the text.
At the tail a sentence-like line goes too when jusText calls it bad on its own as well (its context-free
class: link-dense or poor in stop words, as a teaser or an offer is) and it is not a "- " list item (a list at
the article's end, update notes or references, is the article's own more often than not; round 21).
Designed on half A of both dev sets; figures in benchmarks/RESULTS.md (2026-12-01 round 16, 2026-12-02 round
21). The report's `extraction` entry lists every line that goes (`edges`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from copy import deepcopy
from typing import TYPE_CHECKING

import regex

from cleaners.page_title import title_forms, title_words
from cleaners.risk import measure

if TYPE_CHECKING:
    from lxml.html import HtmlElement

# readability's article must hold at least this share of the text's characters (0.3 chosen on half A
# over 0 / 0.5 / 0.7: with none, pages where readability picked another block lose lines of their article).
MIN_SHARE = 0.3
# A line shorter than this (characters) is matched only to a paragraph of exactly its text.
MIN_CONTAINED = 12
# Elements whose text is one paragraph of readability's article.
BLOCKS = frozenset("p li h1 h2 h3 h4 h5 h6 td th blockquote pre dd dt figcaption div".split())
# Separators before a site name in a title, as page_title.yaml's `separator` has them.
TITLE_SEPARATOR = regex.compile(r"\s+[|\-–—·»]\s+")

Key = Callable[[str], str]
Verdict = Callable[[str], "tuple[str, str] | None"]


def article_paragraphs(html: str | HtmlElement, key: Key) -> list[str]:
    """readability's article as paragraph texts (through `key`); [] when it finds none or fails.

    `html` may be trafilatura.load_html's tree of the page: readability then works on a copy of it."""
    import lxml.html
    import trafilatura
    from trafilatura.readability_lxml import Document

    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    try:
        tree = trafilatura.load_html(html)
        if tree is None:
            return []
        if tree is html:  # readability's summary() changes the tree: never the caller's
            tree = deepcopy(tree)
        article = lxml.html.fromstring(Document(tree, min_text_length=25).summary())
    except (ValueError, TypeError, AttributeError, lxml.etree.LxmlError):  # no article: no opinion
        return []
    out = []
    for el in article.iter():
        if not isinstance(el.tag, str) or el.tag not in BLOCKS:
            continue
        if any(isinstance(c.tag, str) and c.tag in BLOCKS for c in el.iterdescendants()):
            text = " ".join(t for t in [el.text, *(c.tail for c in el)] if t and t.strip())  # its own text
        else:
            text = el.text_content()
        if k := key(text):
            out.append(k)
    return out


def in_article(k: str, exact: set[str] | frozenset[str], blob: str) -> bool:
    """Whether a line's key is one of readability's paragraphs (`exact`), or inside one (`blob`, joined)."""
    return bool(k) and (k in exact or (len(k) >= MIN_CONTAINED and k in blob))


def goes(line: str, classes: tuple[str, str] | None, tail: bool) -> bool:
    """Whether an edge line goes by jusText's (context-free, final) `classes`: bad (final) and not
    sentence-like; or, at the tail, a sentence-like line bad in both classes that is not a "- " list item."""
    cf, final = classes or ("", "")
    if final != "bad":
        return False
    if not measure(line).sentence_like:
        return True
    return tail and cf == "bad" and not line.lstrip().startswith("- ")


def trim_edges(
    text: str,
    article: Sequence[str],
    verdict: Verdict,
    key: Key,
    titles: Sequence[str] = (),
) -> tuple[str, list[str]]:
    """`text` less its head and tail lines outside readability's `article` that jusText calls bad, that are
    not a title and that `goes` lets go (not sentence-like, or at the tail bad on their own too); and the
    lines dropped."""
    if not article:
        return text, []
    exact, blob = set(article), "\n".join(article)
    lines = text.splitlines()
    have = [i for i, ln in enumerate(lines) if in_article(key(ln), exact, blob)]
    if not have or sum(len(lines[i]) for i in have) < MIN_SHARE * len(text):
        return text, []
    forms = title_forms(tuple(titles), TITLE_SEPARATOR)
    tail = range(have[-1] + 1, len(lines))
    drop = {
        i
        for i in [*range(have[0]), *tail]
        if key(lines[i])
        and goes(lines[i], verdict(lines[i]), i in tail)
        and title_words(lines[i]) not in forms
    }
    if not drop:
        return text, []
    return "\n".join(ln for i, ln in enumerate(lines) if i not in drop), [lines[i] for i in sorted(drop)]
