"""Core types: a removal is an exact span of the original text, and the functions that apply and undo them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from enum import StrEnum


class Status(StrEnum):
    """What became of a removal: cut from the text, only reported (shadow), or held back for review."""

    ACTING = "acting"
    SHADOW = "shadow"
    HELD = "held"

    @classmethod
    def of_flags(cls, held: object, shadow: object) -> Status:
        """The status the two recorded flags give: `held` wins (a held removal is also a shadow one)."""
        if held:
            return cls.HELD
        return cls.SHADOW if shadow else cls.ACTING


@dataclass(frozen=True, slots=True)
class Removal:
    """One span cut from the original text, and why."""

    start: int
    end: int
    cleaner: str  # e.g. "image_caption"
    rule: str  # e.g. "caption ending in a photo credit"
    text: str  # original[start:end], kept so the original can always be rebuilt
    shadow: bool = False  # matched but not removed (mode: shadow / --dry-run)
    source: str = ""  # non-empty for a per-source rule: the source selector that scoped it
    detail: str = ""  # evidence beyond the rule, e.g. the count behind a repeated line
    held: str = (
        ""  # non-empty: held back for review by the over-removal quarantine (why); then shadow is True
    )
    risk: str = ""  # certain | likely | risky (cleaners.risk); "" in reports written before risk existed
    risk_reasons: tuple[str, ...] = ()  # why that level: the rule's confidence, then the text's signals

    def __init__(
        self,
        start: int,
        end: int,
        cleaner: str,
        rule: str,
        text: str,
        shadow: bool = False,
        source: str = "",
        detail: str = "",
        held: str = "",
        risk: str = "",
        risk_reasons: tuple[str, ...] = (),
    ):
        # The generated __init__ of a frozen class sets each field through object.__setattr__ (1.2 us a
        # removal, made 2-3 times each); the slots' own setters do it in half (tests/test_core checks
        # this signature against the fields).
        a, b, c, d, e, f, g, h, i, j, k = _SET
        a(self, start)
        b(self, end)
        c(self, cleaner)
        d(self, rule)
        e(self, text)
        f(self, shadow)
        g(self, source)
        h(self, detail)
        i(self, held)
        j(self, risk)
        k(self, risk_reasons)

    # The copies the engine makes, spelled out: dataclasses.replace costs several times as much.
    def moved(self, start: int, end: int, text: str) -> Removal:
        """The removal over another span (blank-line tidying), with that span's text."""
        r = self
        return Removal(
            start, end, r.cleaner, r.rule, text, r.shadow, r.source, r.detail, r.held, r.risk, r.risk_reasons
        )

    def judged(self, risk: str, risk_reasons: tuple[str, ...]) -> Removal:
        """The removal with its risk and the reasons for it."""
        r = self
        return Removal(
            r.start,
            r.end,
            r.cleaner,
            r.rule,
            r.text,
            r.shadow,
            r.source,
            r.detail,
            r.held,
            risk,
            risk_reasons,
        )

    @property
    def status(self) -> Status:
        """The typed view of `shadow` and `held` (reports keep serialising the two fields, byte for byte)."""
        return Status.of_flags(self.held, self.shadow)

    def to_dict(self) -> dict:
        """A JSON-ready form (the report's removal record)."""
        d = {
            "start": self.start,
            "end": self.end,
            "cleaner": self.cleaner,
            "rule": self.rule,
            "text": self.text,
            "shadow": self.shadow,
        }
        if self.source:
            d["source"] = self.source
        if self.detail:
            d["detail"] = self.detail
        if self.held:
            d["held"] = self.held
        if self.risk:
            d["risk"] = self.risk
            d["risk_reasons"] = list(self.risk_reasons)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Removal:
        """Inverse of to_dict."""
        return cls(
            start=d["start"],
            end=d["end"],
            cleaner=d["cleaner"],
            rule=d["rule"],
            text=d["text"],
            shadow=d.get("shadow", False),
            source=d.get("source", ""),
            detail=d.get("detail", ""),
            held=d.get("held", ""),
            risk=d.get("risk", ""),
            risk_reasons=tuple(d.get("risk_reasons", ())),
        )


_SET = tuple(getattr(Removal, f.name).__set__ for f in fields(Removal))


def applied(removals: Iterable[Removal]) -> list[Removal]:
    """The removals that act (not shadow), sorted by start."""
    return sorted((r for r in removals if not r.shadow), key=lambda r: r.start)


def check_removals(text: str, removals: Sequence[Removal]) -> None:
    """Raise ValueError unless the acting removals are in range, non-overlapping and match the text."""
    prev_end = 0
    for r in applied(removals):
        if r.start < prev_end or r.end < r.start or r.end > len(text):
            raise ValueError(f"removal {r.start}-{r.end} ({r.cleaner}/{r.rule}) overlaps or is out of range")
        if text[r.start : r.end] != r.text:
            raise ValueError(f"removal {r.start}-{r.end} ({r.cleaner}/{r.rule}) does not match the text")
        prev_end = r.end


def apply_removals(text: str, removals: Iterable[Removal]) -> str:
    """The text with every acting removal cut out (shadow removals are ignored)."""
    parts = []
    pos = 0
    for r in applied(removals):
        parts.append(text[pos : r.start])
        pos = r.end
    parts.append(text[pos:])
    return "".join(parts)


def restore(cleaned: str, removals: Iterable[Removal]) -> str:
    """Rebuild the original from the cleaned text and the removals (spans are in original offsets)."""
    parts = []
    pos_cleaned = 0
    prev_end = 0
    for r in applied(removals):
        kept = r.start - prev_end
        parts.append(cleaned[pos_cleaned : pos_cleaned + kept])
        pos_cleaned += kept
        parts.append(r.text)
        prev_end = r.end
    parts.append(cleaned[pos_cleaned:])
    return "".join(parts)
