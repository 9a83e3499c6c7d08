"""HTML pages to article text with trafilatura, before the cleaners run (I/O side: cleaners/ stays pure)."""

from __future__ import annotations

import gzip
import io
import logging
import zlib
from dataclasses import dataclass
from importlib.metadata import version
from typing import Any

from .domain import domain_from_html

# Suffixes read as HTML pages.
HTML_SUFFIXES = (".html", ".htm", ".html.gz")

# trafilatura's settings, chosen on the 88-page article-benchmark dev set with
# `python benchmarks/article_quality.py --sweep` (trafilatura 2.3.1, 2026-11-23; comments off in all):
#   default                      P 0.9474  R 0.9741  F1 0.9606
#   favor_precision              P 0.9652  R 0.9730  F1 0.9691   <- chosen
#   favor_recall                 P 0.9444  R 0.9744  F1 0.9592
#   favor_precision, no tables   P 0.9613  R 0.9590  F1 0.9602
#   favor_precision, fast        P 0.9544  R 0.9617  F1 0.9580
# and with the default ruleset after each (boilerclean's own rows, same day):
#   default + cleaners           P 0.9722  R 0.9749  F1 0.9736
#   favor_precision + cleaners   P 0.9829  R 0.9736  F1 0.9782
#   favor_recall + cleaners      P 0.9691  R 0.9752  F1 0.9721
# favor_precision drops most related-story lists, newsletter boxes and standfirsts for 0.001 of
# recall, and what it keeps is the residue our cleaners are written for. `deduplicate` is out: its
# cache is process-wide, so in a batch it drops text that earlier pages share (F1 0.958 in the sweep).
# Comments are not article text.
EXTRACT_SETTINGS: dict[str, Any] = {"include_comments": False, "favor_precision": True}

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

    def record(self) -> dict[str, Any]:
        """The report's `extraction` entry."""
        return {
            "tool": "trafilatura",
            "version": trafilatura_version(),
            "settings": dict(sorted(EXTRACT_SETTINGS.items())),
            "chars_in": self.html_chars,
            "encoding": self.encoding,
            "chars_out": len(self.text),
            "titles": list(self.titles),
            "domain": self.domain,
        }


def trafilatura_version() -> str:
    return version("trafilatura")


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


def extract_html(data: bytes, name: str) -> Extraction:
    """Decode (and gunzip) one page's bytes and extract its article text."""
    html, encoding = decode_html(data, name)
    return extract_article(html, encoding)


def extract_article(html: str, encoding: str = "") -> Extraction:
    """The article text of a page under EXTRACT_SETTINGS; ExtractionError when nothing is extracted."""
    import trafilatura

    # trafilatura logs every odd page at WARNING/ERROR; our report records the outcome instead.
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    text = trafilatura.extract(html, **EXTRACT_SETTINGS)
    if not text or not text.strip():
        raise ExtractionError("no article text extracted from the HTML (trafilatura returned nothing)")
    return Extraction(
        text=text,
        titles=page_titles(html),
        html_chars=len(html),
        encoding=encoding,
        domain=domain_from_html(html),
    )


def page_titles(html: str) -> tuple[str, ...]:
    """The title from trafilatura's metadata, then <title>, og:title and the first <h1> when they differ."""
    import trafilatura
    from trafilatura.metadata import extract_metadata

    tree = trafilatura.load_html(html)
    if tree is None:
        return ()
    meta = extract_metadata(tree)
    found = [meta.title if meta is not None else None]
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
