"""The domain of an HTML page, from its metadata: per-source rules match it."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

HEAD_BYTES = 65536  # canonical links and og:url sit in <head>; no need to scan a whole page

_TAG = re.compile(r"<(?:link|meta)\b[^>]*>", re.IGNORECASE)
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
    return host.removeprefix("www.")


def domain_from_html(html: str, meta: Any = None) -> str:
    """The page's domain from <link rel=canonical>, else og:url, else trafilatura's metadata (`meta`, the
    page's url and hostname when the caller has them: extract.page_metadata); "" if none."""
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
    if meta is None:
        try:
            from trafilatura import extract_metadata

            meta = extract_metadata(html)
        except Exception:  # noqa: BLE001 - metadata is a hint; a page without it simply has no domain
            return ""
    hostname = getattr(meta, "hostname", None) or ""
    return host_of(getattr(meta, "url", None) or "") or hostname.removeprefix("www.")
