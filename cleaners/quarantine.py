"""Over-removal quarantine: removals that look like article text, come from a runaway rule (cleaners.risk),
or would strip too much of a document with removals that are not certain, are held back for review."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from .core import Removal
from .risk import Limits
from .settings import QUARANTINE_FIELDS, quarantine_defaults, read_section

QUARANTINE_KEYS = frozenset(f.name for f in QUARANTINE_FIELDS)


# Each default is written once, in QUARANTINE_FIELDS (with why).
_DEFAULT = quarantine_defaults()


@dataclass(frozen=True, slots=True)
class QuarantineSettings:
    """When to hold a document's removals back (top-level `quarantine:` in a config file)."""

    enabled: bool = _DEFAULT["enabled"]
    # Share of a document's non-space characters the cleaners may remove.
    max_share: float = _DEFAULT["max_share"]
    # The share is judged only on documents with at least this many non-space characters: in a
    # snippet or a near-empty page one banner is most of the text, which says nothing about the rules.
    min_chars: int = _DEFAULT["min_chars"]
    # A removed line this long (stripped) with this many sentences is an article paragraph, not boilerplate.
    paragraph_chars: int = _DEFAULT["paragraph_chars"]
    paragraph_sentences: int = _DEFAULT["paragraph_sentences"]
    # A rule that removes this share of a document's non-blank lines (and at least runaway_min_lines)
    # is a runaway there: its removals are held unless it is declared certain.
    runaway_share: float = _DEFAULT["runaway_share"]
    runaway_min_lines: int = _DEFAULT["runaway_min_lines"]
    # Cleaners whose sentence-like removals between article paragraphs are held.
    hold_sentences_from: tuple[str, ...] = tuple(_DEFAULT["hold_sentences_from"])

    def to_dict(self) -> dict:
        return asdict(self)


DEFAULT_QUARANTINE = QuarantineSettings()


def parse_quarantine(raw: Any, file: str, path: str = "quarantine") -> QuarantineSettings:
    """Settings from a YAML mapping; raises ConfigError naming the file and every bad key."""
    values = read_section(raw, QUARANTINE_FIELDS, file, path)
    values["hold_sentences_from"] = tuple(values["hold_sentences_from"])
    return QuarantineSettings(**values)


# The ASCII characters str.isspace() accepts (and str.split() cuts at), as bytes to delete.
_ASCII_SPACES = bytes(c for c in range(128) if chr(c).isspace())


def solid_chars(text: str) -> int:
    """Characters that are not white space (blank lines tidied away should not count)."""
    if text.isascii():  # deleting bytes in C: ~4x faster than making a string per word
        return len(text.encode("ascii").translate(None, _ASCII_SPACES))
    # str.split() cuts at exactly the characters str.isspace() accepts, in C (the per-character loop this
    # replaces was the engine's largest cost on 6 KB documents).
    return sum(map(len, text.split()))


def limits(settings: QuarantineSettings) -> Limits:
    """The thresholds risk works with, from the quarantine settings."""
    return Limits(
        settings.runaway_share,
        settings.runaway_min_lines,
        settings.paragraph_chars,
        settings.paragraph_sentences,
        frozenset(settings.hold_sentences_from),
    )


# What a held removal's reason starts with, for counting held removals by kind (summary, `held`).
HELD_KINDS = (
    ("runaway rule", "runaway rule"),
    ("article-like", "article-like text"),
    ("would remove", "document share"),
)


def held_kind(reason: str) -> str:
    """The kind of a held removal's reason: runaway rule, article-like text or document share."""
    return next((kind for prefix, kind in HELD_KINDS if reason.startswith(prefix)), "other")


def hold_back(
    text: str, assessed: Sequence[tuple[Removal, str]], settings: QuarantineSettings, total: int | None = None
) -> tuple[list[Removal], tuple[str, ...]]:
    """The removals with the suspicious ones turned into held (not acting) removals, and the reasons.

    `assessed` pairs each removal (its risk worked out by cleaners.risk) with why it should be held.
    Those are held first; then, if the acting removals that are risky (not certain, and prose-like or
    from a risky rule) would still remove more than max_share of the document, they are held too. Certain
    and likely removals are never held for the document's size: a short brief under a long banner, or a
    photo story made of captions, loses most of its text to boilerplate.
    `total`: solid_chars(text) when the text is not at hand (a huge document cleaned in windows).
    """
    if not settings.enabled:
        return [r for r, _ in assessed], ()
    out: list[Removal] = []
    reasons: list[str] = []
    for r, why in assessed:
        if why and not r.shadow:
            r = replace(r, shadow=True, held=why)
            if why not in reasons:
                reasons.append(why)
        out.append(r)
    unsure = [i for i, r in enumerate(out) if not r.shadow and r.risk == "risky"]
    if not unsure:  # nothing risky acts: no share to judge (and no need to count the whole text)
        return out, tuple(reasons)
    removed = sum(solid_chars(out[i].text) for i in unsure)
    if settings.min_chars > 0 and removed / settings.min_chars <= settings.max_share:
        # Never over the share of a text long enough to be judged: no need to count the whole text.
        return out, tuple(reasons)
    total = solid_chars(text) if total is None else total
    if total >= settings.min_chars and total and removed / total > settings.max_share:  # 0: a blank text
        limit = settings.max_share
        why = (
            f"would remove {removed / total:.0%} of the document's characters "
            f"with risky removals (limit {limit:.0%})"
        )
        for i in unsure:
            out[i] = replace(out[i], shadow=True, held=why, risk_reasons=out[i].risk_reasons + (why,))
        reasons.append(why)
    return out, tuple(reasons)
