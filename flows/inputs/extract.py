"""HTML pages to article text with trafilatura, before the cleaners run (I/O side: cleaners/ stays pure)."""

from __future__ import annotations

import gzip
import io
import logging
import zlib
from dataclasses import dataclass
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from cleaners.settings import DEFAULT_EXTRACTION

from .consensus import classify, consensus, line_key, page_language
from .domain import domain_from_html
from .edges import article_paragraphs
from .trim import trim_tail

if TYPE_CHECKING:
    from lxml.html import HtmlElement

# Suffixes read as HTML pages.
HTML_SUFFIXES = (".html", ".htm", ".html.gz")

# trafilatura's settings per config `extraction:` (cleaners.settings.EXTRACTIONS); comments are never
# article text. Chosen with the cleaners after each, on both dev sets in held-out halves
# (`python benchmarks/article_quality.py`, trafilatura 2.3.1, 2026-12-01; docs/html.md#extraction):
# "precision" (favor_precision) scores the best F1 on the article benchmark, but on trafilatura's own
# evaluation pages it loses 0.018-0.032 of recall, article text the cleaners cannot give back; "default"
# is the only setting that keeps recall within both targets' floors on every half. "recall" is for
# pages where whole paragraphs go missing. `deduplicate` is out: its cache is process-wide, so in a
# batch it drops text that earlier pages share. "trimmed" (the default) is "default" less the trailing
# non-prose lines that "precision" drops too (flows/inputs/trim.py): F1 +0.0019 / +0.0006 on half A
# (article benchmark / trafilatura suite), +0.0000 / +0.0018 held out on half B, recall floors kept
# (benchmarks/RESULTS.md, 2026-12-01 round 5). "consensus" (the default since round 13) is "trimmed"
# corrected where favor_recall or favor_precision agrees with jusText (flows/inputs/consensus.py):
# F1 +0.0015 / +0.0028 on half A, +0.0006 / +0.0040 held out on half B, no precision lost. Since round 16
# it also trims the text's head and tail outside readability's article where jusText agrees
# (flows/inputs/edges.py): F1 +0.0010 / +0.0013 on half A, +0.0000 / +0.0011 held out on half B. Since
# round 18 it checks the page's document order (flows/inputs/order.py): F1 +0.0086 / +0.0015 on half A,
# +0.0000 / +0.0000 held out on half B. Since round 20 it puts back the article's lead that every pass skipped
# between the headline and the body (order.restore_lead): F1 +0.0032 / +0.0059 on half A, +0.0002 / +0.0043
# held out on half B. Since round 21 the edges step also takes a sentence under the article that jusText calls
# bad on its own (an offer or teaser link): F1 +0.0008 / +0.0000 on half A, +0.0000 / +0.0000 held out on B.
EXTRACTION_SETTINGS: dict[str, dict[str, Any]] = {
    "default": {"include_comments": False},
    "precision": {"include_comments": False, "favor_precision": True},
    "recall": {"include_comments": False, "favor_recall": True},
    "trimmed": {"include_comments": False},
    "consensus": {"include_comments": False},
}
# Modes that extract a second time under other settings to trim the first text's end (trim_tail).
TRIM_SETTINGS: dict[str, dict[str, Any]] = {
    "trimmed": EXTRACTION_SETTINGS["precision"],
    "consensus": EXTRACTION_SETTINGS["precision"],
}
# Modes that also extract with favor_recall and ask jusText (flows/inputs/consensus.py).
RECALL_SETTINGS: dict[str, dict[str, Any]] = {"consensus": EXTRACTION_SETTINGS["recall"]}
EXTRACT_SETTINGS = EXTRACTION_SETTINGS[DEFAULT_EXTRACTION]  # what a run without `extraction:` uses

# Bigger pages are refused rather than parsed (trafilatura's own MAX_FILE_SIZE is 20 MB).
MAX_HTML_BYTES = 50_000_000


class ExtractionError(ValueError):
    """A page that gives no article text (or cannot be read as HTML); recorded per file."""


@dataclass(frozen=True, slots=True)
class Extraction:
    """The article text of one page, its title, and what the report records about the extraction."""

    text: str
    titles: tuple[
        str, ...
    ]  # the page's titles (metadata, <title>, og:title): page_title finds a repeated heading
    html_chars: int
    encoding: str = ""  # how the page's bytes were decoded
    domain: str = ""  # the page's domain from its metadata, for per-source rules
    mode: str = DEFAULT_EXTRACTION  # config `extraction:`: which EXTRACTION_SETTINGS were used
    trimmed: tuple[str, ...] = ()  # the lines trim_tail dropped from the end (modes "trimmed", "consensus")
    added: tuple[str, ...] = ()  # mode "consensus": favor_recall's lines that jusText calls good
    dropped: tuple[str, ...] = ()  # mode "consensus": lines jusText and favor_precision both reject
    edges: tuple[str, ...] = ()  # mode "consensus": head and tail lines outside readability's article
    resumed: tuple[str, ...] = ()  # mode "consensus": the article's paragraphs after a break, put back
    displaced: tuple[str, ...] = ()  # mode "consensus": head and tail lines from elsewhere in the page
    lead: tuple[str, ...] = ()  # mode "consensus": the article's lead every pass skipped, put back
    language: str = ""  # mode "consensus": the stop list jusText was given ("" when none fits the page)
    paragraphs: int = 0  # mode "consensus": how many paragraphs jusText classed (0: it gave no opinion)

    def record(self) -> dict[str, Any]:
        """The report's `extraction` entry."""
        trim = {}
        if self.mode in TRIM_SETTINGS:
            by = dict(sorted(TRIM_SETTINGS[self.mode].items()))
            trim = {"trimmed_by": by, "trimmed": list(self.trimmed)}
        if self.mode in RECALL_SETTINGS:
            judge = {"tool": "justext", "version": tool_version("jusText"), "language": self.language}
            judge["paragraphs"] = self.paragraphs
            added_by = dict(sorted(RECALL_SETTINGS[self.mode].items()))
            trim |= {"judged_by": judge, "added_by": added_by, "added": list(self.added)}
            trim |= {"dropped": list(self.dropped)}
            edges_by = {"tool": "trafilatura.readability_lxml", "version": tool_version("trafilatura")}
            trim |= {"edges_by": edges_by, "edges": list(self.edges)}
            trim |= {"resumed": list(self.resumed), "displaced": list(self.displaced)}
            trim |= {"lead": list(self.lead)}
        return {
            "tool": "trafilatura",
            "version": tool_version("trafilatura"),
            "mode": self.mode,
            "settings": dict(sorted(EXTRACTION_SETTINGS[self.mode].items())),
            "chars_in": self.html_chars,
            "encoding": self.encoding,
            "chars_out": len(self.text),
            "titles": list(self.titles),
            "domain": self.domain,
            **trim,
        }


# What a page's text is depends on code the ruleset hash cannot see: bump this when a change to flows/inputs
# changes it (round 16's edges: 2, round 18's document order: 3, round 20's lead: 4, round 21's tail
# sentences: 5), so an incremental run extracts its unchanged pages again instead of keeping text an older
# version gave.
EXTRACTION_REVISION = 5


def page_extraction_key() -> str:
    """What besides the ruleset decides a page's text: this code's revision and its extractors' versions."""
    tools = ",".join(f"{n}{tool_version(n)}" for n in ("trafilatura", "jusText", "lxml"))
    return f"extraction{EXTRACTION_REVISION}:{tools}"


@cache
def tool_version(name: str) -> str:
    """An installed package's version (read from its metadata once per process: ~0.2 ms a look-up).

    "unknown" when the metadata cannot be read (an installation the running user may import from but not
    list, a frozen app): the run goes on, and pages are extracted again once a version is known.
    """
    try:
        return version(name)
    except (PackageNotFoundError, OSError):
        return "unknown"


def is_html(name: str) -> bool:
    return name.lower().endswith(HTML_SUFFIXES)


def decode_html(data: bytes, name: str) -> tuple[str, str]:
    """The markup as text and its encoding: gunzipped if .gz, UTF-8 first, then trafilatura's guesses."""
    from trafilatura.utils import detect_encoding

    if name.lower().endswith(".gz"):
        try:
            data = _gunzip(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise ExtractionError(f"not a readable gzip file: {exc}") from None
    if len(data) > MAX_HTML_BYTES:
        raise ExtractionError(f"page too large (over {MAX_HTML_BYTES} bytes)")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # No <meta charset> sniffing of our own: trafilatura's detector (charset_normalizer) decides.
    for guess in detect_encoding(data):
        try:
            return data.decode(guess), guess
        except (LookupError, UnicodeDecodeError):
            continue
    # What trafilatura itself falls back to; the report says so.
    return data.decode("utf-8", errors="replace"), "utf-8 (undecodable bytes replaced)"


def _gunzip(data: bytes) -> bytes:
    # Read at most one byte past the limit, so a gzip bomb is refused without being inflated.
    with gzip.GzipFile(fileobj=io.BytesIO(data)) as fh:
        return fh.read(MAX_HTML_BYTES + 1)


def extract_html(data: bytes, name: str, mode: str = DEFAULT_EXTRACTION) -> Extraction:
    """Decode (and gunzip) one page's bytes and extract its article text."""
    html, encoding = decode_html(data, name)
    return extract_article(html, encoding, mode)


def extract_article(html: str, encoding: str = "", mode: str = DEFAULT_EXTRACTION) -> Extraction:
    """The article text of a page under EXTRACTION_SETTINGS[mode]; ExtractionError if nothing is extracted."""
    import trafilatura

    # trafilatura logs every odd page at WARNING/ERROR; our report records the outcome instead.
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    # Parsed once (~2 ms a page) for every pass; none changes it: trafilatura.extract works on its own copy.
    tree = trafilatura.load_html(html)
    text = trafilatura.extract(tree, **EXTRACTION_SETTINGS[mode]) if tree is not None else None
    if not text or not text.strip():
        raise ExtractionError("no article text extracted from the HTML (trafilatura returned nothing)")
    meta = page_metadata(tree)
    titles = page_titles(tree, meta)
    return Extraction(
        **_second_opinions(html, text, mode, titles, tree),
        titles=titles,
        html_chars=len(html),
        encoding=encoding,
        domain=domain_from_html(html, meta),
        mode=mode,
    )


def _second_opinions(
    html: str, text: str, mode: str, titles: tuple[str, ...] = (), tree: HtmlElement | None = None
) -> dict[str, Any]:
    """The text as the mode corrects it with other extractions, and the Extraction fields that record it.

    `tree` is the page parsed by trafilatura.load_html, if it was already (read only: each pass copies it).
    """
    import trafilatura

    if mode not in TRIM_SETTINGS:
        return {"text": text}
    page = html if tree is None else tree
    precise = trafilatura.extract(page, **TRIM_SETTINGS[mode]) or ""
    if mode not in RECALL_SETTINGS:
        text, trimmed = trim_tail(text, precise)
        return {"text": text, "trimmed": tuple(trimmed)}
    recall = trafilatura.extract(page, **RECALL_SETTINGS[mode]) or ""
    language = page_language(text)
    # jusText parses the markup itself, with its own parser settings: its paragraphs come from its own tree.
    paragraphs = classify(html, language) if language else []
    article = article_paragraphs(page, line_key) if paragraphs else []  # no jusText verdict: no use
    found = consensus(text, precise, recall, paragraphs, article, titles)
    return {
        "text": found.text,
        "trimmed": tuple(found.trimmed),
        "added": tuple(found.added),
        "dropped": tuple(found.dropped),
        "edges": tuple(found.edges),
        "resumed": tuple(found.resumed),
        "displaced": tuple(found.displaced),
        "lead": tuple(found.lead),
        "language": language or "",
        "paragraphs": len(paragraphs),
    }


def page_titles(html: str | HtmlElement, meta: Any = None) -> tuple[str, ...]:
    """The title from trafilatura's metadata, then <title>, og:title and the first <h1> when they differ.

    `html` may be trafilatura.load_html's tree of the page: it is only read. `meta`: its page_metadata."""
    import trafilatura

    tree = trafilatura.load_html(html)
    if tree is None:
        return ()
    found = [(meta or page_metadata(tree)).title]
    found += [el.text_content() for el in tree.xpath("//head/title")[:1]]
    found += tree.xpath('//head/meta[@property="og:title"]/@content')[:1]
    # The page's first <h1> is its headline even when the metadata title is worded differently.
    found += [el.text_content() for el in tree.xpath("//body//h1")[:1]]
    out: list[str] = []
    for t in found:
        t = " ".join((t or "").split())
        if t and t not in out:
            out.append(t)
    return tuple(out)


def page_metadata(tree: HtmlElement) -> Any:
    """trafilatura.metadata.extract_metadata(tree)'s title, url and hostname, by its own steps for those
    alone (a trafilatura Document; its other fields are not filled in).

    The whole metadata also searches for the author, date, site name, tags and licence: ~10 of
    extract_article's ~107 ms a page, for nothing here (benchmarks/RESULTS.md, 2026-12-02 h1)."""
    from trafilatura.metadata import (
        examine_meta,
        extract_domain,
        extract_meta_json,
        extract_title,
        extract_url,
    )

    meta = examine_meta(tree)
    if meta.author and " " not in meta.author:  # as extract_metadata does before it reads JSON-LD
        meta.author = None
    try:
        meta = extract_meta_json(tree, meta)
    except Exception:  # noqa: BLE001 - extract_metadata skips a JSON-LD reader's error alike
        pass
    meta.title = meta.title or extract_title(tree)
    meta.url = meta.url or extract_url(tree)
    if meta.url:
        meta.hostname = extract_domain(meta.url, fast=True)
    meta.clean_and_trim()  # its length limit and trimming
    return meta
