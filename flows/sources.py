"""Which source a document comes from: its folder, or for HTML pages the domain in the page's metadata."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from cleaners.mining import source_key

from .files import InputFile, decode_text

HTML_SUFFIXES = (".html", ".htm")
HEAD_BYTES = 65536  # canonical links and og:url sit in <head>; no need to scan a whole page

_TAG = re.compile(r"<(?:link|meta)\b[^>]*>", re.I)
_ATTR = re.compile(r"""([\w:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")


def _attrs(tag: str) -> dict[str, str]:
    return {m.group(1).lower(): next(g for g in m.groups()[1:] if g is not None) for m in _ATTR.finditer(tag)}


def host_of(url: str) -> str:
    """The host of a URL, lower-case, without a leading www. ("" if there is none)."""
    try:
        host = urlsplit(url.strip()).hostname or ""
    except ValueError:
        return ""
    host = host.rstrip(".")
    return host[4:] if host.startswith("www.") else host


def domain_from_html(html: str) -> str:
    """The page's domain from <link rel=canonical>, else og:url, else trafilatura's metadata; "" if none."""
    canonical = og = ""
    for m in _TAG.finditer(html[:HEAD_BYTES]):
        a = _attrs(m.group())
        if not canonical and "canonical" in a.get("rel", "").lower().split() and a.get("href"):
            canonical = a["href"]
        elif not og and a.get("property", a.get("name", "")).lower() == "og:url" and a.get("content"):
            og = a["content"]
    for url in (canonical, og):
        if host_of(url):
            return host_of(url)
    try:
        from trafilatura import extract_metadata

        meta = extract_metadata(html)
    except Exception:  # noqa: BLE001 - metadata is a hint; a page without it simply has no domain
        return ""
    return host_of(getattr(meta, "url", None) or "") or (getattr(meta, "hostname", None) or "").removeprefix("www.")


def is_html(rel: str) -> bool:
    return rel.lower().endswith(HTML_SUFFIXES)


def page_domain(rel: str, data: bytes) -> str:
    """The domain of an input from its raw bytes: HTML metadata for .html/.htm files, "" for text."""
    if not is_html(rel):
        return ""
    return domain_from_html(data[:HEAD_BYTES].decode("utf-8", errors="replace"))


def read_document(item: InputFile) -> tuple[str, str]:
    """(text, domain) of one input; raises OSError or ValueError naming the problem.

    HTML is reduced to its main text with trafilatura. This is a stand-in: once HTML input support
    lands in flows/, `mine` should read pages the same way `run` does.
    """
    data = Path(item.path).read_bytes()
    if is_html(item.rel):
        import trafilatura

        html = data.decode("utf-8", errors="replace")
        return trafilatura.extract(html) or "", page_domain(item.rel, data)
    text, _ = decode_text(data)
    return text, ""


def document_source(item: InputFile, domain: str, by: str) -> str:
    """The source key of an input under --source-by."""
    return source_key(item.rel, domain, by)
