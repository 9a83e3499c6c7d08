"""One settings schema: the checks every config value goes through, and the flat settings sections
(quarantine, repeated_line's options, alerts) declared as data.

Plain checks, not pydantic: pydantic 2.13 costs ~50 ms to import and ~15 ms to build two models
(measured), a tenth of `load_ruleset()`, and its lax mode would turn "3" into 3 where we refuse it.
Every problem is collected (Problems), so a file's errors are all reported at once.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import regex

# Limits on a config file (issue 13): each keeps a hostile or mistaken file from exhausting memory.
MAX_CONFIG_BYTES = 1 << 20  # 1 MiB; the packaged rules are ~90 KB
MAX_PATTERNS = 1000  # rules and keep patterns in one user file (20k rules took 1.45 GB)
MAX_PATTERN_CHARS = 5000  # one pattern, fragments expanded (the longest packaged: 4,928, a consent sentence)


class ConfigError(ValueError):
    """Config problems, each naming the file, the key path and what is wrong; `problems` holds them all."""

    def __init__(self, file: str, key: str, problem: str, more: tuple[tuple[str, str], ...] = ()):
        self.file, self.key, self.problem = file, key, problem
        self.problems: tuple[tuple[str, str], ...] = ((key, problem),) + tuple(more)
        super().__init__("\n".join(f"{file}: {k}: {p}" if k else f"{file}: {p}" for k, p in self.problems))


class Problems:
    """The problems found in one file so far; `guard` records a ConfigError and lets checking go on."""

    def __init__(self, file: str):
        self.file = file
        self.found: list[tuple[str, str]] = []

    def add(self, key: str, problem: str) -> None:
        self.found.append((key, problem))

    @contextmanager
    def guard(self) -> Iterator[None]:
        try:
            yield
        except ConfigError as exc:
            self.found.extend(exc.problems)

    def attempt(self, check: Callable[..., Any], *args: Any, fallback: Any = None) -> Any:
        """check(*args), or `fallback` with its problems recorded."""
        with self.guard():
            return check(*args)
        return fallback

    def raise_if_any(self) -> None:
        if self.found:
            (key, problem), *more = self.found
            raise ConfigError(self.file, key, problem, tuple(more))


def suggest(key: str, known: Any) -> str:
    close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def check_keys(mapping: Mapping, known: set[str], file: str, path: str) -> None:
    problems = Problems(file)
    for key in mapping:
        where = f"{path}.{key}" if path else str(key)
        if key not in known:
            problems.add(
                where, f"unknown key{suggest(str(key), known)}; known keys: {', '.join(sorted(known))}"
            )
    problems.raise_if_any()


def expect(value: Any, typ: type | tuple, file: str, path: str, what: str) -> Any:
    # bool is an int in Python; a max_chars of `true` is still a mistake.
    if not isinstance(value, typ) or (typ in (int, float, (int, float)) and isinstance(value, bool)):
        raise ConfigError(file, path, f"expected {what}, got {type(value).__name__} {value!r}")
    return value


def positive_int(value: Any, file: str, path: str) -> int:
    expect(value, int, file, path, "a positive integer")
    if value <= 0:
        raise ConfigError(file, path, f"expected a positive integer, got {value}")
    return value


# Page handling (issue 12), chosen on both dev sets by the held-out protocol (docs/html.md#extraction).
# extraction: trafilatura's settings before the cleaners; headline: whether page_title removes the
# page's headline printed again at the top of its text.
EXTRACTIONS = ("default", "precision", "recall", "trimmed", "consensus")
DEFAULT_EXTRACTION = "consensus"
HEADLINES = ("remove", "keep")
DEFAULT_HEADLINE = "remove"


def choice(value: Any, allowed: tuple[str, ...], file: str, path: str) -> str:
    """One of `allowed`, or a ConfigError listing them."""
    if not isinstance(value, str) or value not in allowed:
        raise ConfigError(
            file, path, f"expected one of {', '.join(allowed)}, got {type(value).__name__} {value!r}"
        )
    return value


def compile_pattern(source: Any, file: str, path: str, written: str | None = None) -> Any:
    """Compile one pattern, refusing non-strings, syntax errors, over-long patterns and empty matches.

    `written` is the pattern as the file spells it (before fragments are filled in): errors show it
    exactly, never with its backslashes doubled.
    """
    expect(source, str, file, path, "a regular expression string")
    shown = source if written is None else written
    if len(source) > MAX_PATTERN_CHARS:
        raise ConfigError(
            file, path, f"pattern is {len(source):,} characters; the limit is {MAX_PATTERN_CHARS:,}"
        )
    try:
        pattern = regex.compile(source)
    except (regex.error, ValueError, OverflowError) as exc:
        raise ConfigError(file, path, f"pattern '{shown}' does not compile: {exc}") from None
    except RecursionError:  # thousands of nested groups (fuzz)
        raise ConfigError(file, path, f"pattern '{shown[:40]}'... is nested too deeply to compile") from None
    if pattern.search("") is not None:
        raise ConfigError(
            file, path, f"pattern '{shown}' matches the empty string, so it would match every line"
        )
    return pattern


@dataclass(frozen=True, slots=True)
class Field:
    """One setting of a flat section: its type, default and the check its value must pass."""

    name: str
    kind: type | tuple
    default: Any
    what: str  # how an error describes a good value
    ok: Callable[[Any], bool] = lambda v: True

    def accept(self, value: Any, file: str, path: str) -> Any:
        """The value as it is kept (a pattern as written, a number as a float), or a ConfigError."""
        if self.kind is regex.Pattern:
            compile_pattern(value, file, path)
            return value
        if (
            not isinstance(value, self.kind)
            or (isinstance(value, bool) and self.kind is not bool)
            or not self.ok(value)
        ):
            raise ConfigError(file, path, f"expected {self.what}, got {type(value).__name__} {value!r}")
        return float(value) if self.kind == (int, float) else value


def read_section(raw: Any, fields: tuple[Field, ...], file: str, path: str) -> dict[str, Any]:
    """The section's values (defaults for keys not given); all its problems are reported at once."""
    expect(raw, dict, file, path, "a mapping")
    problems = Problems(file)
    problems.attempt(check_keys, raw, {f.name for f in fields}, file, path)
    out = {f.name: f.default for f in fields}
    for f in fields:
        if f.name in raw:
            out[f.name] = problems.attempt(f.accept, raw[f.name], file, f"{path}.{f.name}")
    problems.raise_if_any()
    return out


def _share(v: Any) -> bool:
    return 0 < v <= 1


QUARANTINE_FIELDS = (
    Field("enabled", bool, True, "true or false"),
    # A third of an article gone means a rule is matching article text (the seeds lose 4-8%).
    Field("max_share", (int, float), 0.30, "a share between 0 and 1 (e.g. 0.3)", _share),
    Field("min_chars", int, 500, "a positive integer", lambda v: v > 0),
    Field("paragraph_chars", int, 300, "a positive integer", lambda v: v > 0),
    Field("paragraph_sentences", int, 2, "a positive integer", lambda v: v > 0),
    # A rule that removes this share of a document's non-blank lines, and at least runaway_min_lines of
    # them, is a runaway there: its removals are held (unless the rule is declared certain).
    Field("runaway_share", (int, float), 0.4, "a share between 0 and 1 (e.g. 0.4)", _share),
    Field("runaway_min_lines", int, 3, "a positive integer", lambda v: v > 0),
    # Captions and credits are never sentences between article paragraphs: such a removal from these
    # cleaners is a sentence about a photo or a credit, and is held (issue 12 round 22).
    Field(
        "hold_sentences_from",
        (list, tuple),
        ("image_caption", "article_credits"),
        "a list of cleaner names",
        lambda v: all(isinstance(x, str) and x for x in v),
    ),
)


def quarantine_defaults() -> dict[str, Any]:
    """Each quarantine setting's default, written once above (QuarantineSettings, risk.Limits and the
    ruleset hash read them here)."""
    return {f.name: f.default for f in QUARANTINE_FIELDS}


REPEATED_LINE_FIELDS = (
    Field("source_by", str, "folder", "'folder' or 'domain'", lambda v: v in ("folder", "domain")),
    Field("min_docs", int, 20, "an integer of at least 2", lambda v: v >= 2),
    Field("min_share", (int, float), 0.5, "a share between 0 and 1", _share),
    Field("max_tracked", int, 2000, "a positive integer", lambda v: v > 0),
)

# Alerts on a rule's removal rate (flows' `history`); same fields and defaults as flows.history.AlertSettings.
ALERT_FIELDS = (
    Field("factor", (int, float), 3.0, "a factor above 1", lambda v: v > 1),
    Field("min_files", int, 20, "an integer of at least 1", lambda v: v >= 1),
    Field("window", int, 10, "an integer of at least 1", lambda v: v >= 1),
)


@dataclass(frozen=True, slots=True)
class AlertSettings:
    """When a rule's removal rate counts as a jump (validated by read_alerts)."""

    factor: float = 3.0
    min_files: int = 20
    window: int = 10


def read_alerts(raw: Any, file: str = "<alerts>", path: str = "alerts") -> AlertSettings:
    """Alert settings from a mapping (None: the defaults); raises ConfigError with every problem."""
    return AlertSettings(**read_section({} if raw is None else raw, ALERT_FIELDS, file, path))
