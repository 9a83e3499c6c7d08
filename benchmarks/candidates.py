"""Candidate extraction pipelines for issue 12 item 3, each followed by the default cleaners.

An extraction is trafilatura's text under some settings, or a combination of two of them:
- `base+prose(extra)`: the lines of the `extra` extraction in its order, where a line that the `base`
  extraction does not have is kept only when it is prose-like (PROSE_* below, jusText's measures);
- `default-lists(favor_precision)`: the default extraction, less the runs of two or more consecutive
  non-prose lines that favor_precision drops (related-story and link lists);
- `trimmed`: the pipeline's `extraction: trimmed`, default less its trailing non-prose lines that
  favor_precision drops too (flows/inputs/trim.py);
- `consensus`: the pipeline's `extraction: consensus`, `trimmed` with favor_recall's lines that jusText
  calls good added and non-prose lines that jusText and favor_precision both reject dropped
  (flows/inputs/consensus.py), then the head and tail outside readability's article that jusText calls bad
  (flows/inputs/edges.py), then the article after a break put back and blocks out of document order dropped
  (flows/inputs/order.py);
- `xml-no-linklists`: trafilatura's XML output, without the <list>s whose items are mostly link text,
  turned into text with trafilatura's own xmltotxt (headings, paragraphs and captions stay).
The cleaners then run as the pipeline runs them (default ruleset, page titles and domain), with the
quarantine on (today) or off, and under one of two headline policies: `drop` (today: page_title's
removals act) or `keep` (page_title's removals are left out, so a leading headline stays).
Designed on half A of each dev set only; half B was never looked at page by page.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from benchmarks.dev_sets import Page, extract, justext_paragraphs, page_meta, readability_paragraphs
from benchmarks.snippet_score import collapse
from cleaners.risk import stoplist  # jusText's, one language (cached)

NO_COMMENTS = {"include_comments": False}
SETTINGS = {
    "default": dict(NO_COMMENTS),
    "favor_precision": {**NO_COMMENTS, "favor_precision": True},
    "favor_recall": {**NO_COMMENTS, "favor_recall": True},
}
XML_SETTINGS = {**NO_COMMENTS, "output_format": "xml", "include_links": True}

# A prose-like line (jusText's "good" paragraph, simplified): enough words, a sentence end, and
# jusText's stop-word share (its stopwords_low is 0.30) in the page's language.
PROSE_MIN_WORDS = 8
PROSE_STOPWORD_SHARE = 0.30
SENTENCE_END = re.compile(r"[.!?…。！？][\"'»”’)\]]*$")
WORD = re.compile(r"\w+")
# A link list: at least this many items, and this share of the list's characters inside <ref>.
LINK_LIST_ITEMS = 2
LINK_LIST_SHARE = 0.6


def page_stoplist(text: str) -> frozenset[str]:
    """The stop list of the text's language (flows.inputs.consensus.page_language), empty when unknown."""
    from flows.inputs.consensus import page_language

    language = page_language(text)
    return stoplist(language) if language else frozenset()


def prose_like(line: str, stops: frozenset[str]) -> bool:
    """Sentence-like: enough words, a sentence end, and enough stop words (when the language is known)."""
    s = line.strip()
    words = [w.lower() for w in WORD.findall(s)]
    if len(words) < PROSE_MIN_WORDS or not SENTENCE_END.search(s):
        return False
    return not stops or sum(w in stops for w in words) >= PROSE_STOPWORD_SHARE * len(words)


def gated(base: str, extra: str) -> str:
    """extra's lines, those that base lacks kept only when prose-like."""
    have = {collapse(ln) for ln in base.splitlines()}
    stops = page_stoplist(base or extra)
    keep = [ln for ln in extra.splitlines() if collapse(ln) in have or prose_like(ln, stops)]
    return "\n".join(keep)


# A run of at least this many consecutive non-blank lines that only the base extraction has, none of
# them prose-like: a related-story or link list that favor_precision dropped (designed on half A).
LIST_RUN = 2


def minus_lists(base: str, other: str) -> str:
    """base's lines, less the runs (LIST_RUN or more) of non-prose lines that `other` lacks."""
    have = {collapse(ln) for ln in other.splitlines()}
    stops = page_stoplist(base)
    lines = base.splitlines()
    extra = [bool(collapse(ln)) and collapse(ln) not in have and not prose_like(ln, stops) for ln in lines]
    drop, i = set(), 0
    while i < len(lines):
        j = i
        while j < len(lines) and extra[j]:
            j += 1
        if j - i >= LIST_RUN:
            drop.update(range(i, j))
        i = max(j, i + 1)
    return "\n".join(ln for k, ln in enumerate(lines) if k not in drop)


def without_link_lists(xml: str) -> str:
    """trafilatura's XML output as text, less the lists whose items are mostly links."""
    if not xml:
        return ""
    from lxml import etree
    from trafilatura.xml import xmltotxt

    tree = etree.fromstring(xml.encode("utf-8"), etree.XMLParser(huge_tree=True))
    for lst in tree.iter("list"):
        items = lst.findall("item")
        chars = len(collapse("".join(lst.itertext())))
        linked = sum(len(collapse("".join(r.itertext()))) for r in lst.iter("ref"))
        if len(items) >= LINK_LIST_ITEMS and chars and linked >= LINK_LIST_SHARE * chars:
            lst.getparent().remove(lst)
    for ref in tree.iter("ref"):  # links as plain text, as the txt output has them
        ref.attrib.clear()
    return xmltotxt(tree, include_formatting=False) or ""


def consensus_text(page: Page) -> str:
    """The page's text under `extraction: consensus`, with jusText's classes cached."""
    from flows.inputs.consensus import consensus, page_language

    default = extract(page, SETTINGS["default"])
    language = page_language(default)
    paragraphs = justext_paragraphs(page, language) if language else []
    precise, recall = extract(page, SETTINGS["favor_precision"]), extract(page, SETTINGS["favor_recall"])
    article = readability_paragraphs(page) if paragraphs else []  # as extract.py: needs jusText
    return consensus(default, precise, recall, paragraphs, article, page_meta(page)["titles"]).text


def extraction(name: str) -> Callable[[Page], str]:
    """A page's text under the named extraction (see the module docstring)."""
    if name in SETTINGS:
        return lambda page: extract(page, SETTINGS[name])
    if name == "default-lists(favor_precision)":
        return lambda page: minus_lists(
            extract(page, SETTINGS["default"]), extract(page, SETTINGS["favor_precision"])
        )
    if name == "trimmed":  # the pipeline's `extraction: trimmed` (flows/inputs/trim.py)
        from flows.inputs.trim import trim_tail

        return lambda page: trim_tail(
            extract(page, SETTINGS["default"]), extract(page, SETTINGS["favor_precision"])
        )[0]
    if name == "consensus":  # the pipeline's `extraction: consensus` (flows/inputs/consensus.py)
        return consensus_text
    if name == "xml-no-linklists":
        return lambda page: without_link_lists(extract(page, XML_SETTINGS))
    base, _, extra = name.partition("+prose(")
    if extra.endswith(")") and base in SETTINGS and extra[:-1] in SETTINGS:
        return lambda page: gated(extract(page, SETTINGS[base]), extract(page, SETTINGS[extra[:-1]]))
    raise ValueError(f"unknown extraction {name!r}")


# Config `extraction:` modes (cleaners.settings.EXTRACTIONS) as the extractions named here.
MODES = {
    "default": "default",
    "precision": "favor_precision",
    "recall": "favor_recall",
    "trimmed": "trimmed",
    "consensus": "consensus",
}

EXTRACTIONS = (
    "default",
    "favor_precision",
    "favor_recall",
    "favor_precision+prose(default)",
    "favor_precision+prose(favor_recall)",
    "default+prose(favor_recall)",
    "xml-no-linklists",
    "default-lists(favor_precision)",
    "trimmed",
    "consensus",
)


def clean(text: str, page: Page, ruleset, headline: str):
    """Cleaned text, acting and held removals, as the pipeline cleans a page (headline: 'drop'/'keep')."""
    from cleaners import apply_removals, clean_text

    meta = page_meta(page)
    result = clean_text(
        text, ruleset, source=page.path.name, domain=meta["domain"], titles=tuple(meta["titles"])
    )
    acting = [
        r for r in result.removals if not r.shadow and (headline == "drop" or r.cleaner != "page_title")
    ]
    cleaned = result.cleaned if headline == "drop" else apply_removals(text, acting)
    return cleaned, acting, [r for r in result.removals if r.held]
