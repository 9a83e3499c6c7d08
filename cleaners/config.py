"""Rulesets: the packaged YAML defaults plus an optional user file, validated once and frozen."""

from __future__ import annotations

import copy
import hashlib
import json
import os
import stat
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from importlib import import_module
from pathlib import Path
from typing import Any, Mapping

import regex
import yaml

from .base import PatternCleaner
from .mining import matches_domain, matches_folder
from .quarantine import parse_quarantine
from .registry import packaged_cleaners
from .settings import (
    MAX_CONFIG_BYTES,
    MAX_PATTERN_CHARS,
    MAX_PATTERNS,
    ConfigError,
    Field,
    Problems,
    check_keys,
    compile_pattern,
    expect,
    positive_int,
    suggest,
)

# Bump when the engine's semantics change, so outputs made by an older engine count as stale.
ENGINE_VERSION = "1"

MODES = ("remove", "shadow")
DEFAULT_MAX_CHARS = 300  # a whole-line rule never removes a line longer than this (stripped)
# Seconds one search of one rule may take (regex's timeout=); a rule that runs over is dropped for
# that document and reported as timed out. Ordinary rules take microseconds per line; one second
# leaves room for slow machines while stopping catastrophic backtracking within the same second.
DEFAULT_REGEX_TIMEOUT = 1.0

# Keys allowed at each level of a config file; anything else is a typo we want to catch.
TOP_KEYS = {"version", "keep", "cleaners", "sources", "quarantine", "regex_timeout"}
CLEANER_KEYS = {
    "description",
    "enabled",
    "mode",
    "max_chars",
    "rules",
    "disable_rules",
    "keep",
    "options",
    "fragments",
}
PACKAGED_KEYS = CLEANER_KEYS | {
    "priority",
    "kind",
}  # only a packaged YAML places a cleaner and names its code
USER_KEYS = CLEANER_KEYS | {"new"}  # a user's cleaner that is not packaged must say `new: true`
RULE_KEYS = {"name", "pattern", "mode", "near", "window", "max_chars", "lang", "note", "role"}
SOURCE_KEYS = {"name", "match", "mode", "rules", "keep"}
MATCH_KEYS = {"folder", "domain"}
SOURCE_CLEANER = "source_rules"  # the cleaner name credited with per-source rules' removals

# A fragment is named text that patterns reuse: {{credit}} in a pattern is replaced by it before compiling.
# Double braces never occur in a valid regex quantifier or \p{..} class, so the reference is unambiguous.
FRAGMENT_NAME = r"[a-z_][a-z0-9_]*"
FRAGMENT_REF = regex.compile(r"\{\{(" + FRAGMENT_NAME + r")\}\}")
# Options that moved from Python into the YAML after ruleset hashes were first written: hashed only
# when a config changes them, so the packaged ruleset keeps its hash (and outputs are not made stale).
LATE_OPTIONS = frozenset({"separator", "not_headline_end"})

__all__ = [
    "ConfigError",
    "MAX_CONFIG_BYTES",
    "MAX_PATTERNS",
    "MAX_PATTERN_CHARS",
    "Ruleset",
    "load_ruleset",
    "ruleset_from_mapping",
]


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

    def option(self, key: str, default: Any = None) -> Any:
        return dict(self.options).get(key, default)

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "kind": self.kind,
            "enabled": self.enabled,
            "mode": self.mode,
            "max_chars": self.max_chars,
            "rules": [r.to_dict() for r in self.rules],
            "keep": [k.pattern for k in self.keep],
            "options": {k: v for k, v in self.options if (k, v) not in self.late_defaults},
        }


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

    def spec(self, name: str) -> CleanerSpec:
        for s in self.specs:
            if s.name == name:
                return s
        raise KeyError(name)

    def all_shadow(self) -> "Ruleset":
        """The same ruleset with every rule in shadow mode (for --dry-run)."""
        specs = tuple(
            replace(s, mode="shadow", rules=tuple(replace(r, mode="shadow") for r in s.rules))
            for s in self.specs
        )
        sources = tuple(
            replace(g, rules=tuple(replace(r, mode="shadow") for r in g.rules)) for g in self.sources
        )
        return replace(
            _finish(specs, self.keep, self.files, sources, self.quarantine), regex_timeout=self.regex_timeout
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

    def without_shadow(self) -> "Ruleset":
        """Only the acting rules: what a run removes, as if the shadow cleaners and rules were not there.

        Built from the cleaner objects (not the specs) so state attached to them, such as
        repeated_line's line table, is kept. The hash stays the original's: this is a view of it.
        """
        cleaners = tuple(
            _with_spec(c, replace(c.spec, rules=tuple(r for r in c.spec.rules if r.mode != "shadow")))
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
            source_cleaners=tuple(_source_cleaner(g) for g in sources),
        )

    def shadow_switched_on(self) -> "Ruleset":
        """Every rule acting: what a run would remove with its shadow cleaners and rules switched on."""
        cleaners = tuple(
            _with_spec(
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
            source_cleaners=tuple(_source_cleaner(g) for g in sources),
        )

    def to_dict(self) -> dict:
        return {
            "engine": ENGINE_VERSION,
            "cleaners": [s.to_dict() for s in self.specs],
            "keep": [k.pattern for k in self.keep],
        }


def _compile_list(values: Any, file: str, path: str, fragments: Mapping[str, str] | None = None) -> tuple:
    expect(values, list, file, path, "a list of patterns")
    problems = Problems(file)
    out = tuple(
        problems.attempt(compile_written, v, file, f"{path}[{i}]", fragments or {})
        for i, v in enumerate(values)
    )
    problems.raise_if_any()
    return out


def _mode(value: Any, file: str, path: str) -> str:
    expect(value, str, file, path, "'remove' or 'shadow'")
    if value not in MODES:
        raise ConfigError(file, path, f"expected 'remove' or 'shadow', got {value!r}")
    return value


def expand_fragments(source: str, fragments: Mapping[str, str], file: str, path: str) -> str:
    """`source` with each {{name}} replaced by that fragment's text (fragments are already expanded)."""

    def fill(m: Any) -> str:
        name = m.group(1)
        if name not in fragments:
            raise ConfigError(file, path, f"no fragment named {name!r}{suggest(name, fragments)}")
        return fragments[name]

    expanded = FRAGMENT_REF.sub(fill, source)
    if len(expanded) > MAX_PATTERN_CHARS:  # checked here too: nested fragments grow fast
        raise ConfigError(
            file,
            path,
            f"pattern is {len(expanded):,} characters with its fragments filled in; "
            f"the limit is {MAX_PATTERN_CHARS:,}",
        )
    return expanded


def compile_written(source: Any, file: str, path: str, fragments: Mapping[str, str]) -> Any:
    """A pattern as a config file writes it: fragments filled in, then compiled."""
    expect(source, str, file, path, "a regular expression string")
    return compile_pattern(expand_fragments(source, fragments, file, path), file, path, written=source)


def _parse_fragments_at(raw: Any, file: str, path: str, inherited: Mapping[str, str]) -> dict[str, str]:
    """The section's `fragments:` on top of the ones it inherits; each may use the ones before it."""
    expect(raw, dict, file, path, "a mapping of fragment names to regular expression text")
    out = dict(inherited)
    for name, text in raw.items():
        where = f"{path}.{name}"
        if not isinstance(name, str) or not regex.fullmatch(FRAGMENT_NAME, name):
            raise ConfigError(file, where, "a fragment name is lower-case letters, digits and underscores")
        expect(text, str, file, where, "regular expression text")
        out[name] = expand_fragments(text, out, file, where)
    return out


def _parse_rule(raw: Any, file: str, path: str, base: Rule | None, cleaner_max: int, ctx: "_Context") -> Rule:
    """A rule from YAML; with `base`, keys not given keep the base rule's values (an override)."""
    expect(raw, dict, file, path, "a mapping with 'name' and 'pattern'")
    problems = Problems(file)
    problems.attempt(check_keys, raw, RULE_KEYS, file, path)
    get = problems.attempt
    name = get(expect, raw.get("name"), str, file, f"{path}.name", "a rule name (string)")
    if name is not None and not name.strip():
        problems.add(f"{path}.name", "rule name is empty")
    elif name is not None and base is None and "pattern" not in raw:
        problems.add(f"{path}.pattern", f"rule '{name}' has no pattern (and no default rule has that name)")
    problems.raise_if_any()  # without a name and a pattern there is no rule to check further
    pattern = (
        get(compile_written, raw["pattern"], file, f"{path}.pattern", ctx.fragments)
        if "pattern" in raw
        else base.pattern
    )
    near = get(_names, raw.get("near", list(base.near) if base else []), file, f"{path}.near", fallback=())
    role = raw.get("role", base.role if base else "")
    if role != "" and role not in ctx.roles:
        known = ", ".join(repr(r) for r in ctx.roles) or "none"
        problems.add(f"{path}.role", f"unknown role {role!r}; roles this cleaner knows: {known}")
    rule = Rule(
        name=name,
        pattern=pattern,
        mode=get(_mode, raw["mode"], file, f"{path}.mode")
        if "mode" in raw
        else (base.mode if base else "remove"),
        near=near,
        window=get(positive_int, raw["window"], file, f"{path}.window")
        if "window" in raw
        else (base.window if base else 2),
        max_chars=get(positive_int, raw["max_chars"], file, f"{path}.max_chars")
        if "max_chars" in raw
        else (base.max_chars if base else cleaner_max),
        lang=get(
            expect, raw.get("lang", base.lang if base else ""), str, file, f"{path}.lang", "a language tag"
        ),
        origin=file if base is None or raw.keys() - {"name"} else base.origin,
        role=role if isinstance(role, str) else "",
    )
    problems.raise_if_any()
    return rule


def _names(values: Any, file: str, path: str) -> tuple[str, ...]:
    expect(values, list, file, path, "a list of rule names")
    for i, n in enumerate(values):
        expect(n, str, file, f"{path}[{i}]", "a rule name")
    return tuple(values)


def _prune_near(rules: dict, disabled: set) -> None:
    """Take disabled rules out of the other rules' `near` lists, so one language's banner rules can be
    turned off; a proximity rule with no anchor left that can fire (a plain rule, or a chain to one)
    could never fire itself, so it goes too."""
    live = {name for name, rule in rules.items() if not rule.near}
    grew = True
    while grew:
        grew = False
        for name, rule in rules.items():
            if name not in live and live.intersection(rule.near):
                live.add(name)
                grew = True
    for name, rule in list(rules.items()):
        if name not in live:
            del rules[name]
        elif disabled.intersection(rule.near) or set(rule.near) - live:
            rules[name] = replace(rule, near=tuple(n for n in rule.near if n in live))


@dataclass
class _Context:
    """What parsing one cleaner section needs besides the YAML: its fragments, roles and options."""

    fragments: Mapping[str, str]
    roles: tuple[str, ...] = ()
    options: tuple[Field, ...] = ()


def _disable(rules: dict, raw: Any, problems: Problems, path: str) -> None:
    file = problems.file
    disabled: set[str] = set()
    for i, name in enumerate(expect(raw, list, file, path, "a list of rule names")):
        if not isinstance(name, str):  # an unhashable name crashed the lookup (fuzz)
            problems.add(f"{path}[{i}]", f"expected a rule name, got {type(name).__name__} {name!r}")
        elif name not in rules:
            problems.add(f"{path}[{i}]", f"no rule named {name!r}{suggest(name, set(rules))}")
        else:
            del rules[name]
            disabled.add(name)
    if disabled:
        _prune_near(rules, disabled)


def _merge_rules(
    rules: dict, raw: Any, problems: Problems, path: str, cleaner_max: int, ctx: _Context
) -> None:
    """Parse a `rules:` list into `rules` (name -> Rule); a name given twice in the list is refused."""
    first: dict[str, int] = {}
    for i, raw_rule in enumerate(expect(raw, list, problems.file, path, "a list of rules")):
        rpath = f"{path}[{i}]"
        name = raw_rule.get("name") if isinstance(raw_rule, dict) else None
        if isinstance(name, str) and name in first:
            problems.add(
                f"{rpath}.name", f"rule name {name!r} is used twice in this list (also {path}[{first[name]}])"
            )
            continue
        if isinstance(name, str):
            first[name] = i
        # Only a string name can name a default rule; _parse_rule reports any other name.
        base = rules.get(name) if isinstance(name, str) else None
        rule = problems.attempt(_parse_rule, raw_rule, problems.file, rpath, base, cleaner_max, ctx)
        if rule is not None:
            rules[rule.name] = rule
    for name, rule in rules.items():
        for i, n in enumerate(rule.near):
            if n not in rules:
                problems.add(
                    f"{path.rsplit('.', 1)[0]}.rules.{name}.near[{i}]",
                    f"no rule named {n!r} in this cleaner{suggest(n, set(rules))}",
                )


def _merge_options(
    spec: CleanerSpec, raw: Any, problems: Problems, path: str, fields: tuple[Field, ...]
) -> tuple:
    file = problems.file
    options = dict(spec.options)
    expect(raw, dict, file, path, "a mapping")
    problems.attempt(check_keys, raw, {f.name for f in fields}, file, path)
    for f in fields:
        if f.name in raw:
            value = problems.attempt(f.accept, raw[f.name], file, f"{path}.{f.name}")
            if value is not None:
                options[f.name] = value
    return tuple(sorted(options.items()))


def _setting(problems: Problems, raw: dict, key: str, path: str, default: Any, check: Any, *args: Any) -> Any:
    """raw[key] passed through check(value, file, key path, *args); the default if absent or wrong."""
    if key not in raw:
        return default
    return problems.attempt(check, raw[key], problems.file, f"{path}.{key}", *args, fallback=default)


def _flag(value: Any, file: str, path: str) -> bool:
    return expect(value, bool, file, path, "true or false")


def _text(value: Any, file: str, path: str) -> str:
    return expect(value, str, file, path, "a string")


def _merge_cleaner(
    spec: CleanerSpec, raw: Any, problems: Problems, path: str, ctx: _Context, keys: set[str]
) -> CleanerSpec:
    """Apply one YAML mapping (packaged defaults or a user's section) on top of a spec."""
    expect(raw, dict, problems.file, path, "a mapping")
    problems.attempt(check_keys, raw, keys, problems.file, path)
    ctx.fragments = _setting(
        problems, raw, "fragments", path, ctx.fragments, _parse_fragments_at, ctx.fragments
    )
    max_chars = _setting(problems, raw, "max_chars", path, spec.max_chars, positive_int)
    rules = {r.name: r for r in spec.rules}
    if "disable_rules" in raw:
        with problems.guard():
            _disable(rules, raw["disable_rules"], problems, f"{path}.disable_rules")
    with problems.guard():
        _merge_rules(rules, raw.get("rules", []), problems, f"{path}.rules", max_chars, ctx)
    options = problems.attempt(
        _merge_options,
        spec,
        raw.get("options", {}),
        problems,
        f"{path}.options",
        ctx.options,
        fallback=spec.options,
    )
    return replace(
        spec,
        enabled=_setting(problems, raw, "enabled", path, spec.enabled, _flag),
        mode=_setting(problems, raw, "mode", path, spec.mode, _mode),
        max_chars=max_chars,
        rules=tuple(rules.values()),
        keep=spec.keep + _setting(problems, raw, "keep", path, (), _compile_list, ctx.fragments),
        options=options,
        description=_setting(problems, raw, "description", path, spec.description, _text),
        fragments=tuple(ctx.fragments.items()),
    )


def _apply_mode(spec: CleanerSpec) -> CleanerSpec:
    # A cleaner in shadow mode puts every one of its rules in shadow mode.
    if spec.mode == "shadow":
        return replace(spec, rules=tuple(replace(r, mode="shadow") for r in spec.rules))
    return spec


def _cleaner_class(module: str):
    """The class of a cleaner: the module named by its YAML's `kind:`, or the pattern cleaner."""
    if not module:
        return PatternCleaner
    return import_module(f"{__package__}.{module}").CLEANER


def _context(spec: CleanerSpec) -> _Context:
    cls = _cleaner_class(spec.module)
    return _Context(dict(spec.fragments), cls.ROLES, cls.option_fields())


def _load_yaml_text(text: str, file: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(file, "", f"invalid YAML: {exc}") from None
    except RecursionError:  # thousands of nested [ or { (fuzz)
        raise ConfigError(file, "", "invalid YAML: nested too deeply") from None


def _packaged_spec(name: str, label: str, raw: Any) -> CleanerSpec:
    problems = Problems(label)
    expect(raw, dict, label, "", "a mapping")
    module = expect(raw.get("kind", ""), str, label, "kind", "the name of a module in cleaners/")
    spec = CleanerSpec(name=name, kind=name, module=module)
    spec = _merge_cleaner(spec, raw, problems, name, _context(spec), PACKAGED_KEYS)
    problems.raise_if_any()
    late = tuple((k, v) for k, v in spec.options if k in LATE_OPTIONS)
    return replace(spec, late_defaults=late)


@lru_cache(maxsize=1)
def _default_specs() -> tuple[CleanerSpec, ...]:
    return tuple(_packaged_spec(name, label, raw) for name, label, raw in packaged_cleaners())


def default_specs() -> list[CleanerSpec]:
    """The packaged cleaners with their YAML defaults, in priority order (built once: specs are frozen)."""
    return list(_default_specs())


def _count_patterns(raw: dict) -> int:
    """How many rules and keep patterns a user file holds (counted before any is compiled)."""

    def size(v: Any) -> int:
        return len(v) if isinstance(v, list) else 0

    sections = (
        [s for s in (raw.get("cleaners") or {}).values() if isinstance(s, dict)]
        if isinstance(raw.get("cleaners"), dict)
        else []
    )
    sections += (
        [s for s in raw.get("sources", []) if isinstance(s, dict)]
        if isinstance(raw.get("sources"), list)
        else []
    )
    return size(raw.get("keep")) + sum(size(s.get("rules")) + size(s.get("keep")) for s in sections)


def _user_cleaner(name: Any, section: Any, by_name: dict, problems: Problems) -> None:
    """Apply one `cleaners.<name>` section: a known cleaner changed, or a new one (`new: true`)."""
    file, path = problems.file, f"cleaners.{name}"
    expect(name, str, file, path, "a cleaner name")
    if not regex.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise ConfigError(file, path, "a cleaner name is lower-case letters, digits and underscores")
    new = isinstance(section, dict) and section.get("new", False)
    if not isinstance(new, bool):
        raise ConfigError(file, f"{path}.new", f"expected true or false, got {new!r}")
    if name in by_name and new:
        raise ConfigError(
            file,
            f"{path}.new",
            f"there is already a cleaner named {name!r}; leave out 'new: true' to change it",
        )
    if name not in by_name and not new:
        raise ConfigError(
            file,
            path,
            f"unknown cleaner{suggest(name, set(by_name))}; "
            "a new cleaner says 'new: true' and brings a 'rules' list",
        )
    if new and not section.get("rules"):
        raise ConfigError(file, path, "a new cleaner needs a 'rules' list")
    spec = by_name[name] if name in by_name else CleanerSpec(name=name, kind="pattern")
    by_name[name] = _merge_cleaner(spec, section, problems, path, _context(spec), USER_KEYS)


def ruleset_from_mapping(raw: Any, file: str = "<config>") -> Ruleset:
    """The defaults with one user mapping applied on top (the parsed YAML of a --config file).

    Every problem of the mapping is found before it raises: one ConfigError lists them all.
    """
    specs = default_specs()
    raw = {} if raw is None else raw
    expect(raw, dict, file, "", "a mapping at the top level")
    if _count_patterns(raw) > MAX_PATTERNS:
        raise ConfigError(
            file, "", f"{_count_patterns(raw):,} rules and keep patterns; the limit is {MAX_PATTERNS:,}"
        )
    problems = Problems(file)
    get = problems.attempt
    get(check_keys, raw, TOP_KEYS, file, "")
    if "version" in raw and raw["version"] != 1:
        problems.add(
            "version", f"unsupported config version {raw['version']!r}; this boilerclean reads version 1"
        )
    keep = get(_compile_list, raw["keep"], file, "keep", fallback=()) if "keep" in raw else ()
    timeout = (
        get(_timeout, raw["regex_timeout"], file, "regex_timeout", fallback=None)
        if "regex_timeout" in raw
        else DEFAULT_REGEX_TIMEOUT
    )
    by_name = {s.name: s for s in specs}
    sections = get(
        expect,
        raw.get("cleaners", {}) or {},
        dict,
        file,
        "cleaners",
        "a mapping of cleaner names",
        fallback={},
    )
    for name, section in sections.items():
        get(_user_cleaner, name, section, by_name, problems)
    sources = get(_parse_sources, raw["sources"], file, fallback=()) if "sources" in raw else ()
    quarantine = (
        get(parse_quarantine, raw["quarantine"], file, fallback=None) if "quarantine" in raw else None
    )
    problems.raise_if_any()
    ruleset = _finish(tuple(by_name.values()), keep, (file,) if raw else (), sources, quarantine)
    return replace(ruleset, regex_timeout=timeout)


def _timeout(value: Any, file: str, path: str) -> float | None:
    if value is None:
        return None  # explicitly off: for trusted rulesets when every microsecond counts
    expect(value, (int, float), file, path, "a number of seconds (or null for no limit)")
    # NaN and infinity fail this test too; regex needs a finite positive number.
    if not 0 < value <= 3600:
        raise ConfigError(file, path, f"expected a number of seconds between 0 and 3600, got {value!r}")
    return float(value)


def _source_match(entry: dict, file: str, path: str) -> tuple[str, str]:
    match = expect(
        entry.get("match"), dict, file, f"{path}.match", "a mapping {folder: GLOB} or {domain: NAME}"
    )
    check_keys(match, MATCH_KEYS, file, f"{path}.match")
    if len(match) != 1:
        raise ConfigError(file, f"{path}.match", "give exactly one of 'folder' or 'domain'")
    kind, value = next(iter(match.items()))
    expect(value, str, file, f"{path}.match.{kind}", "a string")
    if not value.strip():
        raise ConfigError(file, f"{path}.match.{kind}", "is empty")
    if kind == "domain":
        value = value.strip().lower().rstrip(".")
        if not regex.fullmatch(r"[\w.-]+", value):
            raise ConfigError(
                file, f"{path}.match.domain", f"expected a domain name like example.com, got {value!r}"
            )
    return kind, value


def _parse_source(entry: Any, problems: Problems, path: str) -> SourceRules | None:
    """One `sources:` entry: {match: {folder: GLOB} | {domain: NAME}, rules: [...], keep: [...]}."""
    file = problems.file
    expect(entry, dict, file, path, "a mapping with 'match' and 'rules' or 'keep'")
    get = problems.attempt
    get(check_keys, entry, SOURCE_KEYS, file, path)
    match = get(_source_match, entry, file, path)
    name = get(expect, entry.get("name", ""), str, file, f"{path}.name", "a string", fallback="")
    mode = get(_mode, entry["mode"], file, f"{path}.mode", fallback="remove") if "mode" in entry else "remove"
    rules: dict[str, Rule] = {}
    with problems.guard():
        _merge_rules(
            rules, entry.get("rules", []), problems, f"{path}.rules", DEFAULT_MAX_CHARS, _Context({})
        )
    keep = get(_compile_list, entry["keep"], file, f"{path}.keep", fallback=()) if "keep" in entry else ()
    if not entry.get("rules") and not keep:
        problems.add(path, "a source needs 'rules' or 'keep'")
    if match is None:
        return None
    rules_t = tuple(replace(r, mode="shadow") if mode == "shadow" else r for r in rules.values())
    return SourceRules(match[0], match[1], rules_t, keep, name)


def _parse_sources(raw: Any, file: str) -> tuple[SourceRules, ...]:
    """The top-level `sources:` list, every entry checked."""
    expect(raw, list, file, "sources", "a list of {match, rules, keep}")
    problems = Problems(file)
    out = [problems.attempt(_parse_source, entry, problems, f"sources[{i}]") for i, entry in enumerate(raw)]
    problems.raise_if_any()
    return tuple(g for g in out if g is not None)


def _finish(
    specs: tuple[CleanerSpec, ...],
    keep: tuple,
    files: tuple[str, ...],
    sources: tuple[SourceRules, ...] = (),
    quarantine: Any = None,
) -> Ruleset:
    specs = tuple(_apply_mode(s) for s in specs)
    identity = {
        "engine": ENGINE_VERSION,
        "cleaners": [s.to_dict() for s in specs],
        "keep": [k.pattern for k in keep],
    }
    # Only present when used, so the hash of a ruleset without them stays what it was.
    if sources:
        identity["sources"] = [g.to_dict() for g in sources]
    if quarantine is not None:
        identity["quarantine"] = quarantine.to_dict()
    digest_input = json.dumps(identity, sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(digest_input.encode("utf-8")).hexdigest()
    cleaners = tuple(_cleaner_class(s.module)(s) for s in specs if s.enabled)
    source_cleaners = tuple(_source_cleaner(g) for g in sources)
    return Ruleset(
        specs=specs,
        keep=keep,
        files=files,
        hash=digest,
        cleaners=cleaners,
        sources=sources,
        quarantine=quarantine,
        source_cleaners=source_cleaners,
    )


def _with_spec(cleaner: Any, spec: CleanerSpec) -> Any:
    """A copy of a built cleaner with another spec (cleaners read rules and mode from it as they run)."""
    twin = copy.copy(cleaner)
    twin.spec = spec
    return twin


def _source_cleaner(group: SourceRules):
    return PatternCleaner(CleanerSpec(name=SOURCE_CLEANER, kind="pattern", rules=group.rules))


def read_config_text(path: str | Path) -> str:
    """The text of a config file: the only file cleaners/ reads. A regular file of at most
    MAX_CONFIG_BYTES only: a FIFO would hang and /dev/zero would be read until memory runs out."""
    file = str(path)
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(file, "", "config is not a regular file")
        if info.st_size > MAX_CONFIG_BYTES:
            raise ConfigError(
                file, "", f"config file is {info.st_size:,} bytes; the limit is {MAX_CONFIG_BYTES:,}"
            )
        with open(path, "rb") as f:
            data = f.read(MAX_CONFIG_BYTES + 1)  # the file may have grown since stat
    except FileNotFoundError:
        raise ConfigError(file, "", "config file not found") from None
    except OSError as exc:
        raise ConfigError(file, "", f"cannot read config file: {exc}") from None
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(file, "", f"config file is over {MAX_CONFIG_BYTES:,} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(file, "", f"cannot read config file: {exc}") from None


def load_ruleset(path: str | Path | None = None) -> Ruleset:
    """The packaged defaults, plus the user file at `path` if given; raises ConfigError on any problem."""
    if path is None:
        return ruleset_from_mapping({}, "<defaults>")
    return ruleset_from_mapping(_load_yaml_text(read_config_text(path), str(path)), str(path))
