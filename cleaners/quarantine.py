"""Over-removal quarantine: removals that would strip too much of a document are held back for review."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from .core import Removal
from .mining import count_sentences
from .settings import QUARANTINE_FIELDS, read_section

QUARANTINE_KEYS = frozenset(f.name for f in QUARANTINE_FIELDS)


@dataclass(frozen=True, slots=True)
class QuarantineSettings:
    """When to hold a document's removals back (top-level `quarantine:` in a config file)."""

    enabled: bool = True
    # Share of a document's non-space characters the cleaners may remove. The seeds lose 4-8%;
    # a third of an article gone means a rule is matching article text.
    max_share: float = 0.30
    # The share is judged only on documents with at least this many non-space characters: in a
    # snippet or a near-empty page one banner is most of the text, which says nothing about the rules.
    min_chars: int = 500
    # A removed line this long (stripped) with this many sentences is an article paragraph, not boilerplate.
    paragraph_chars: int = 300
    paragraph_sentences: int = 2

    def to_dict(self) -> dict:
        return asdict(self)


DEFAULT_QUARANTINE = QuarantineSettings()


def parse_quarantine(raw: Any, file: str, path: str = "quarantine") -> QuarantineSettings:
    """Settings from a YAML mapping; raises ConfigError naming the file and every bad key."""
    return QuarantineSettings(**read_section(raw, QUARANTINE_FIELDS, file, path))


# The ASCII characters str.isspace() accepts (and str.split() cuts at), as bytes to delete.
_ASCII_SPACES = bytes(c for c in range(128) if chr(c).isspace())


def solid_chars(text: str) -> int:
    """Characters that are not white space (blank lines tidied away should not count)."""
    if text.isascii():  # deleting bytes in C: ~4x faster than making a string per word
        return len(text.encode("ascii").translate(None, _ASCII_SPACES))
    # str.split() cuts at exactly the characters str.isspace() accepts, in C (the per-character loop this
    # replaces was the engine's largest cost on 6 KB documents).
    return sum(map(len, text.split()))


def article_paragraph(text: str, settings: QuarantineSettings) -> str:
    """Why a removed span looks like an article paragraph, or "" if it does not."""
    for line in text.splitlines():
        s = line.strip()
        if len(s) > settings.paragraph_chars:
            n = count_sentences(s)
            if n >= settings.paragraph_sentences:
                return f"article-like paragraph removed ({len(s)} characters, {n} sentences)"
    return ""


def hold_back(
    text: str, removals: Sequence[Removal], settings: QuarantineSettings
) -> tuple[list[Removal], tuple[str, ...]]:
    """The removals with the suspicious ones turned into held (not acting) removals, and the reasons.

    First every acting removal that contains an article-like paragraph is held; then, if what is left
    would still remove more than max_share of the document, all of it is held: the document is kept
    whole and waits for a person.
    """
    if not settings.enabled:
        return list(removals), ()
    out = list(removals)
    reasons: list[str] = []
    for i, r in enumerate(out):
        if r.shadow:
            continue
        why = article_paragraph(r.text, settings)
        if why:
            out[i] = replace(r, shadow=True, held=why)
            if why not in reasons:
                reasons.append(why)
    total = solid_chars(text)
    removed = sum(solid_chars(r.text) for r in out if not r.shadow)
    if total >= settings.min_chars and removed / total > settings.max_share:
        limit = settings.max_share
        why = f"would remove {removed / total:.0%} of the document's characters (limit {limit:.0%})"
        out = [replace(r, shadow=True, held=why) if not r.shadow else r for r in out]
        reasons.append(why)
    return out, tuple(reasons)
