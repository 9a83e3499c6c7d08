"""Config `extraction: consensus`: `trimmed`'s text, corrected where two other extractors agree (issue 12
item 3).

The second opinions are trafilatura's favor_precision and favor_recall texts and jusText's classes of
the page's paragraphs (jusText untuned: its default parameters, the stop list of the page's language).
Starting from `trimmed` (flows/inputs/trim.py):
- a line that favor_recall finds, the default text lacks and jusText calls good (its final class, after
  its context pass) is added after the last line before it that the text has;
- a line that jusText calls bad on its own (its context-free class: link-dense, a copyright sign, or
  long with too few stop words), that favor_precision lacks too, and that is not sentence-like
  (cleaners.risk.measure) goes.
A line is matched to the jusText paragraph of the same text (case, spacing and a list item's "- " aside)
or else to the only paragraph that contains it; a line with no match gets no verdict and stays as it is.
Then the lines outside readability's article at the text's head and tail that jusText calls bad go
(flows/inputs/edges.py, round 16; at the tail also a sentence it calls bad on its own, round 21). Last, by
the page's document order (flows/inputs/order.py, round 18): the article's paragraphs after a break where
every trafilatura pass stopped come back, a block trafilatura printed out of its place at the text's head or
tail goes, and the article's lead paragraph that every pass skipped between the headline and the body comes
back (round 20).
When no stop list below covers MIN_STOP_SHARE of the page's words, jusText is not asked.
Designed on half A of both dev sets; figures in benchmarks/RESULTS.md (2026-12-01 and 02, rounds 13-21).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from cleaners.risk import measure, stoplist

from .edges import MIN_CONTAINED, trim_edges  # shared: a line is matched to a paragraph alike
from .order import drop_displaced, restore_lead, resume
from .trim import trim_tail

# jusText stop lists a page's language is chosen from (the one that covers most of its words).
STOPLIST_LANGUAGES = (
    "English",
    "German",
    "French",
    "Spanish",
    "Italian",
    "Portuguese",
    "Dutch",
    "Polish",
    "Russian",
    "Czech",
    "Swedish",
    "Danish",
    "Norwegian_Bokmal",
    "Finnish",
    "Hungarian",
    "Turkish",
    "Greek",
    "Ukrainian",
)
# Under this share of stop words in every list the language is unknown, and jusText's classes mean little.
MIN_STOP_SHARE = 0.05
_WORD = re.compile(r"\w+")

# A paragraph as jusText classes it: (text key, context-free class, final class, text as printed).
Paragraph = tuple[str, str, str, str]
Verdict = Callable[[str], "tuple[str, str] | None"]


def line_key(line: str) -> str:
    """A line's text for matching: spacing and case aside, and a list item's "- " marker."""
    s = " ".join(line.split()).lower()
    return s[2:] if s.startswith("- ") else s


def page_language(text: str) -> str | None:
    """The STOPLIST_LANGUAGES entry whose stop list covers most of the text's words, or None."""
    words = [w.lower() for w in _WORD.findall(text)]
    if not words:
        return None
    hits = {lang: sum(map(stoplist(lang).__contains__, words)) for lang in STOPLIST_LANGUAGES}
    best = max(STOPLIST_LANGUAGES, key=hits.__getitem__)
    return best if hits[best] >= MIN_STOP_SHARE * len(words) else None


def classify(html: str, language: str) -> list[Paragraph]:
    """jusText's paragraphs of the page with their classes (none when the markup cannot be parsed)."""
    import justext
    from lxml.etree import ParserError

    try:
        paragraphs = justext.justext(html, stoplist(language))  # the list page_language read
    except (ParserError, ValueError):  # an empty or unparsable document: no opinion
        return []
    return [(line_key(p.text), p.cf_class, p.class_type, " ".join(p.text.split())) for p in paragraphs]


def verdicts(paragraphs: Sequence[Paragraph]) -> Verdict:
    """line -> (context-free class, final class) of its jusText paragraph, or None when none matches."""
    exact: dict[str, tuple[str, str]] = {}
    for text, cf, final, *_ in paragraphs:
        exact.setdefault(text, (cf, final))

    def verdict(line: str) -> tuple[str, str] | None:
        k = line_key(line)
        if not k or k in exact:
            return exact.get(k)
        if len(k) < MIN_CONTAINED:
            return None
        found = {(cf, final) for text, cf, final, *_ in paragraphs if k in text}
        return found.pop() if len(found) == 1 else None

    return verdict


def add_recall_lines(text: str, default: str, recall: str, verdict: Verdict) -> tuple[str, list[str]]:
    """`text` with the lines of `recall` that `default` lacks and jusText calls good; and those lines."""
    lines = text.splitlines()
    at = {line_key(ln): i for i, ln in enumerate(lines) if line_key(ln)}
    known = {line_key(ln) for ln in default.splitlines()}
    after: dict[int, list[str]] = {}  # index of the text's line they follow (-1: the start) -> lines
    anchor = -1
    for ln in recall.splitlines():
        k = line_key(ln)
        if k in at:
            anchor = at[k]
        elif k and k not in known and (verdict(ln) or ("", ""))[1] == "good":
            after.setdefault(anchor, []).append(ln)
    if not after:
        return text, []
    out = list(after.get(-1, []))
    for i, ln in enumerate(lines):
        out += [ln, *after.get(i, [])]
    return "\n".join(out), [ln for i in sorted(after) for ln in after[i]]


def drop_rejected(text: str, precise: str, verdict: Verdict) -> tuple[str, list[str]]:
    """`text` less the non-prose lines jusText calls bad that `precise` lacks; and the lines dropped."""
    have = {line_key(ln) for ln in precise.splitlines()}
    lines = text.splitlines()
    drop = {
        i
        for i, ln in enumerate(lines)
        if line_key(ln)
        and line_key(ln) not in have
        and (verdict(ln) or ("", ""))[0] == "bad"
        and not measure(ln).sentence_like
    }
    if not drop:
        return text, []
    return "\n".join(ln for i, ln in enumerate(lines) if i not in drop), [lines[i] for i in sorted(drop)]


@dataclass(frozen=True, slots=True)
class Consensus:
    """The corrected text, and every line each step took out or put in (for the report)."""

    text: str
    trimmed: list[str]
    added: list[str]
    dropped: list[str]
    edges: list[str] = field(default_factory=list)
    resumed: list[str] = field(default_factory=list)
    displaced: list[str] = field(default_factory=list)
    lead: list[str] = field(default_factory=list)


def consensus(
    default: str,
    precise: str,
    recall: str,
    paragraphs: Sequence[Paragraph],
    article: Sequence[str] = (),
    titles: Sequence[str] = (),
) -> Consensus:
    """`default` trimmed (trim_tail), then corrected by favor_recall / favor_precision and jusText, then its
    edges outside readability's `article` (line_key'd paragraphs) trimmed (`titles` are never trimmed), then
    its document order checked and its lead put back (flows/inputs/order.py)."""
    text, trimmed = trim_tail(default, precise)
    verdict = verdicts(paragraphs)
    text, added = add_recall_lines(text, default, recall, verdict)
    text, dropped = drop_rejected(text, precise, verdict)
    text, edges = trim_edges(text, article, verdict, line_key, titles)
    text, resumed = resume(text, (default, precise, recall), paragraphs, article, line_key)
    text, displaced = drop_displaced(text, paragraphs, article, line_key)
    text, lead = restore_lead(text, (default, precise, recall), paragraphs, titles, line_key)
    return Consensus(text, trimmed, added, dropped, edges, resumed, displaced, lead)
