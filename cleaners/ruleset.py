"""Rulesets as frozen values: rules, cleaner specs, per-source rules, and the Ruleset built from them
(its hash, its built cleaners and its shadow views). config.py reads YAML into these."""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass, field, replace
from functools import cached_property
from importlib import import_module
from typing import Any

from .base import PatternCleaner
from .mining import matches_domain, matches_folder
from .settings import DEFAULT_EXTRACTION, quarantine_defaults

# Bump when the engine's semantics change, so outputs made by an older engine count as stale.
ENGINE_VERSION = "1"

MODES = ("remove", "shadow")
# How sure a rule is that what it matches is boilerplate (issue 12), surest first. A rule that declares
# none (a user's new rule) is "likely": only a declared "certain" is certain.
CONFIDENCES = ("certain", "likely", "risky")
DEFAULT_CONFIDENCE = "likely"
DEFAULT_MAX_CHARS = 300  # a whole-line rule never removes a line longer than this (stripped)
# Seconds one search of one rule may take (regex's timeout=); a rule that runs over is dropped for
# that document and reported as timed out. Ordinary rules take microseconds per line; one second
# leaves room for slow machines while stopping catastrophic backtracking within the same second.
DEFAULT_REGEX_TIMEOUT = 1.0
SOURCE_CLEANER = "source_rules"  # the cleaner name credited with per-source rules' removals
# Options that moved from Python into the YAML after ruleset hashes were first written: hashed only
# when a config changes them, so the packaged ruleset keeps its hash (and outputs are not made stale).
LATE_OPTIONS = frozenset({"separator", "not_headline_end"})


@dataclass(frozen=True, slots=True)
class Rule:
    """One compiled pattern of a cleaner."""

    name: str
    pattern: Any  # regex.Pattern
    mode: str = "remove"  # effective mode: the cleaner's shadow wins
    near: tuple[str, ...] = ()  # fires only within `window` non-blank lines of these rules' matches
    window: int = 2
    max_chars: int = DEFAULT_MAX_CHARS
    lang: str = ""
    origin: str = "default"  # "default" or the user file that added or changed it
    role: str = (
        ""  # what the rule's match means to its cleaner, e.g. "header" (related_links); "" for a plain line
    )
    confidence: str = ""  # as declared (its own or its section's); "" = undeclared, which means likely

    @property
    def level(self) -> str:
        """The effective confidence: the declared one, else DEFAULT_CONFIDENCE."""
        return self.confidence or DEFAULT_CONFIDENCE

    @property
    def source(self) -> str:
        return self.pattern.pattern

    def to_dict(self) -> dict:
        d = {
            "name": self.name,
            "pattern": self.source,
            "mode": self.mode,
            "near": list(self.near),
            "window": self.window,
            "max_chars": self.max_chars,
            "lang": self.lang,
        }
        # Before roles, a name ending in " header" made the header rule: the role is hashed only where
        # it differs from that, so rulesets that mean what they meant keep their hash.
        if self.role != ("header" if self.name.endswith(" header") else ""):
            d["role"] = self.role
        if self.confidence:  # hashed only where declared, so rulesets that declare none keep their hash
            d["confidence"] = self.confidence
        return d


@dataclass(frozen=True, slots=True)
class CleanerSpec:
    """A cleaner's effective, validated settings."""

    name: str
    kind: str  # the packaged cleaner's name, or "pattern" for a user's new one (hashed as before)
    module: str = ""  # the module in cleaners/ that holds its code (YAML `kind:`); "" for the pattern cleaner
    enabled: bool = True
    mode: str = "remove"
    max_chars: int = DEFAULT_MAX_CHARS
    rules: tuple[Rule, ...] = ()
    keep: tuple[Any, ...] = ()  # compiled keep patterns
    options: tuple[tuple[str, Any], ...] = ()
    description: str = ""
    fragments: tuple[tuple[str, str], ...] = ()  # named pattern text, filled in where a pattern says {{name}}
    late_defaults: tuple[tuple[str, Any], ...] = ()  # packaged values of LATE_OPTIONS, left out of the hash
    # The section's declared `confidence:` ("" if none): the default for its rules, and the confidence of
    # removals credited to no rule of the spec (page_title, repeated_line).
    confidence: str = ""

    def option(self, key: str, default: Any = None) -> Any:
        return dict(self.options).get(key, default)

    def to_dict(self) -> dict:
        d = {
            "name": self.name,
            "kind": self.kind,
            "enabled": self.enabled,
            "mode": self.mode,
            "max_chars": self.max_chars,
            "rules": [r.to_dict() for r in self.rules],
            "keep": [k.pattern for k in self.keep],
            "options": {k: v for k, v in self.options if (k, v) not in self.late_defaults},
        }
        if self.confidence:  # hashed only where declared
            d["confidence"] = self.confidence
        return d


@dataclass(frozen=True, slots=True)
class SourceRules:
    """Rules and keep patterns that apply only to the documents of one source (a folder glob or a domain)."""

    kind: str  # "folder" or "domain"
    value: str  # the folder glob or domain name
    rules: tuple[Rule, ...] = ()
    keep: tuple[Any, ...] = ()
    name: str = ""

    @property
    def label(self) -> str:
        """How reports name the source, e.g. "folder:news/*"."""
        return f"{self.kind}:{self.value}"

    def matches(self, folder: str, domain: str) -> bool:
        return (
            matches_folder(folder, self.value)
            if self.kind == "folder"
            else matches_domain(domain, self.value)
        )

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "match": {self.kind: self.value},
            "rules": [r.to_dict() for r in self.rules],
            "keep": [k.pattern for k in self.keep],
        }


_UNDECLARED = object()  # Ruleset.confidence: no entry for the rule


@dataclass(frozen=True)
class Ruleset:
    """Every cleaner's spec and built cleaner, the global keep patterns, and a hash that identifies them."""

    specs: tuple[CleanerSpec, ...]
    keep: tuple[Any, ...] = ()
    files: tuple[str, ...] = ()  # the user files it was loaded from
    hash: str = ""
    cleaners: tuple[Any, ...] = field(
        default=(), compare=False, repr=False
    )  # built Cleaner objects, in priority order
    sources: tuple[SourceRules, ...] = ()  # per-source rules, applied after the global cleaners
    quarantine: Any = None  # QuarantineSettings; None means the defaults
    source_cleaners: tuple[Any, ...] = field(
        default=(), compare=False, repr=False
    )  # one PatternCleaner per source
    # Not in the hash: it never changes what a rule matches, only whether a runaway search is given up.
    regex_timeout: float | None = DEFAULT_REGEX_TIMEOUT  # None: no limit (config `regex_timeout: null`)
    # How HTML pages become text (config `extraction:`, `headline:`); flows/inputs/extract.py reads it.
    extraction: str = DEFAULT_EXTRACTION

    def confidence(self, cleaner: str, rule: str) -> str:
        """The declared confidence of the rule a removal names ("" if undeclared, which means likely)."""
        known = self._confidences
        got = known.get((cleaner, rule), _UNDECLARED)  # one lookup, not a test and then a second
        return got if got is not _UNDECLARED else known.get((cleaner, ""), "")

    @cached_property
    def _confidences(self) -> dict[tuple[str, str], str]:
        # (cleaner, rule) -> declared confidence; (cleaner, "") -> the cleaner's own, for rule-less removals.
        out: dict[tuple[str, str], str] = {}
        for s in self.specs:
            out[(s.name, "")] = s.confidence
            out.update(((s.name, r.name), r.confidence) for r in s.rules)
        out.update(((SOURCE_CLEANER, r.name), r.confidence) for g in self.sources for r in g.rules)
        return out

    def spec(self, name: str) -> CleanerSpec:
        for s in self.specs:
            if s.name == name:
                return s
        raise KeyError(name)

    def all_shadow(self) -> Ruleset:
        """The same ruleset with every rule in shadow mode (for --dry-run)."""
        specs = tuple(
            replace(s, mode="shadow", rules=tuple(replace(r, mode="shadow") for r in s.rules))
            for s in self.specs
        )
        sources = tuple(
            replace(g, rules=tuple(replace(r, mode="shadow") for r in g.rules)) for g in self.sources
        )
        return replace(
            build_ruleset(specs, self.keep, self.files, sources, self.quarantine, self.extraction),
            regex_timeout=self.regex_timeout,
        )

    def has_shadow(self) -> bool:
        """True if an enabled cleaner, one of its rules or a per-source rule is in shadow mode."""
        return self._has_shadow  # asked once per document: worked out once per ruleset

    @cached_property
    def _has_shadow(self) -> bool:
        # cached_property writes the instance's __dict__, not a field: the frozen fields stay frozen.
        return any(
            c.spec.mode == "shadow" or any(r.mode == "shadow" for r in c.spec.rules) for c in self.cleaners
        ) or any(r.mode == "shadow" for g in self.sources for r in g.rules)

    def without_shadow(self) -> Ruleset:
        """Only the acting rules: what a run removes, as if the shadow cleaners and rules were not there.

        Built from the cleaner objects (not the specs) so state attached to them, such as
        repeated_line's line table, is kept. The hash stays the original's: this is a view of it.
        """
        cleaners = tuple(
            with_spec(c, replace(c.spec, rules=tuple(r for r in c.spec.rules if r.mode != "shadow")))
            for c in self.cleaners
            if c.spec.mode != "shadow"
        )
        sources = tuple(
            replace(g, rules=tuple(r for r in g.rules if r.mode != "shadow")) for g in self.sources
        )
        return replace(
            self,
            cleaners=cleaners,
            sources=sources,
            source_cleaners=tuple(source_cleaner(g) for g in sources),
        )

    def shadow_switched_on(self) -> Ruleset:
        """Every rule acting: what a run would remove with its shadow cleaners and rules switched on."""
        cleaners = tuple(
            with_spec(
                c,
                replace(c.spec, mode="remove", rules=tuple(replace(r, mode="remove") for r in c.spec.rules)),
            )
            for c in self.cleaners
        )
        sources = tuple(
            replace(g, rules=tuple(replace(r, mode="remove") for r in g.rules)) for g in self.sources
        )
        return replace(
            self,
            cleaners=cleaners,
            sources=sources,
            source_cleaners=tuple(source_cleaner(g) for g in sources),
        )

    def to_dict(self) -> dict:
        return {
            "engine": ENGINE_VERSION,
            "cleaners": [s.to_dict() for s in self.specs],
            "keep": [k.pattern for k in self.keep],
        }


def apply_mode(spec: CleanerSpec) -> CleanerSpec:
    # A cleaner in shadow mode puts every one of its rules in shadow mode.
    if spec.mode == "shadow":
        return replace(spec, rules=tuple(replace(r, mode="shadow") for r in spec.rules))
    return spec


def cleaner_class(module: str):
    """The class of a cleaner: the module named by its YAML's `kind:`, or the pattern cleaner."""
    if not module:
        return PatternCleaner
    return import_module(f"{__package__}.{module}").CLEANER


def build_ruleset(
    specs: tuple[CleanerSpec, ...],
    keep: tuple,
    files: tuple[str, ...],
    sources: tuple[SourceRules, ...] = (),
    quarantine: Any = None,
    extraction: str = DEFAULT_EXTRACTION,
) -> Ruleset:
    specs = tuple(apply_mode(s) for s in specs)
    identity = {
        "engine": ENGINE_VERSION,
        "cleaners": [s.to_dict() for s in specs],
        "keep": [k.pattern for k in keep],
        "extraction": extraction,  # a page's text, and so every output, depends on it
    }
    # The quarantine's settings as they apply, defaults too: a default changed in a release re-cleans.
    identity["quarantine"] = quarantine.to_dict() if quarantine is not None else quarantine_defaults()
    # Only present when used, so the hash of a ruleset without them stays what it was.
    if sources:
        identity["sources"] = [g.to_dict() for g in sources]
    digest_input = json.dumps(identity, sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(digest_input.encode("utf-8")).hexdigest()
    cleaners = tuple(cleaner_class(s.module)(s) for s in specs if s.enabled)
    source_cleaners = tuple(source_cleaner(g) for g in sources)
    return Ruleset(
        specs=specs,
        keep=keep,
        files=files,
        hash=digest,
        cleaners=cleaners,
        sources=sources,
        quarantine=quarantine,
        source_cleaners=source_cleaners,
        extraction=extraction,
    )


def with_spec(cleaner: Any, spec: CleanerSpec) -> Any:
    """A copy of a built cleaner with another spec (cleaners read rules and mode from it as they run)."""
    twin = copy.copy(cleaner)
    twin.spec = spec
    return twin


def source_cleaner(group: SourceRules):
    return PatternCleaner(CleanerSpec(name=SOURCE_CLEANER, kind="pattern", rules=group.rules))
