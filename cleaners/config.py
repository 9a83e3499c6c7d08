"""Rulesets: the packaged YAML defaults plus an optional user file, validated once and frozen."""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
from dataclasses import dataclass, field, replace
from importlib import import_module, resources
from pathlib import Path
from typing import Any, Mapping

import regex
import yaml

from .registry import CLEANER_NAMES

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
CLEANER_KEYS = {"description", "enabled", "mode", "max_chars", "rules", "disable_rules", "keep", "options"}
RULE_KEYS = {"name", "pattern", "mode", "near", "window", "max_chars", "lang", "note"}
SOURCE_KEYS = {"name", "match", "mode", "rules", "keep"}
MATCH_KEYS = {"folder", "domain"}
SOURCE_CLEANER = "source_rules"  # the cleaner name credited with per-source rules' removals


class ConfigError(ValueError):
    """A config problem, naming the file, the key path and what is wrong."""

    def __init__(self, file: str, key: str, problem: str):
        self.file, self.key, self.problem = file, key, problem
        super().__init__(f"{file}: {key}: {problem}" if key else f"{file}: {problem}")


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

    @property
    def source(self) -> str:
        return self.pattern.pattern

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "pattern": self.source,
            "mode": self.mode,
            "near": list(self.near),
            "window": self.window,
            "max_chars": self.max_chars,
            "lang": self.lang,
        }


@dataclass(frozen=True, slots=True)
class CleanerSpec:
    """A cleaner's effective, validated settings."""

    name: str
    kind: str  # the registered module name, or "pattern" for a user-defined pattern-only cleaner
    enabled: bool = True
    mode: str = "remove"
    max_chars: int = DEFAULT_MAX_CHARS
    rules: tuple[Rule, ...] = ()
    keep: tuple[Any, ...] = ()  # compiled keep patterns
    options: tuple[tuple[str, Any], ...] = ()
    description: str = ""

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
            "options": dict(self.options),
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
        from .mining import matches_domain, matches_folder

        return matches_folder(folder, self.value) if self.kind == "folder" else matches_domain(domain, self.value)

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
    cleaners: tuple[Any, ...] = field(default=(), compare=False, repr=False)  # built Cleaner objects, in priority order
    sources: tuple[SourceRules, ...] = ()  # per-source rules, applied after the global cleaners
    quarantine: Any = None  # QuarantineSettings; None means the defaults
    source_cleaners: tuple[Any, ...] = field(default=(), compare=False, repr=False)  # one PatternCleaner per source
    # Not in the hash: it never changes what a rule matches, only whether a runaway search is given up (and reported).
    regex_timeout: float | None = DEFAULT_REGEX_TIMEOUT  # None: no limit (config `regex_timeout: null`)

    def spec(self, name: str) -> CleanerSpec:
        for s in self.specs:
            if s.name == name:
                return s
        raise KeyError(name)

    def all_shadow(self) -> "Ruleset":
        """The same ruleset with every rule in shadow mode (for --dry-run)."""
        specs = tuple(
            replace(s, mode="shadow", rules=tuple(replace(r, mode="shadow") for r in s.rules)) for s in self.specs
        )
        sources = tuple(replace(g, rules=tuple(replace(r, mode="shadow") for r in g.rules)) for g in self.sources)
        return replace(_finish(specs, self.keep, self.files, sources, self.quarantine), regex_timeout=self.regex_timeout)

    def has_shadow(self) -> bool:
        """True if an enabled cleaner, one of its rules or a per-source rule is in shadow mode."""
        cached = self.__dict__.get("_has_shadow")  # asked once per document: worked out once per ruleset
        if cached is None:
            cached = self.__dict__["_has_shadow"] = self._find_shadow()
        return cached

    def _find_shadow(self) -> bool:
        return any(c.spec.mode == "shadow" or any(r.mode == "shadow" for r in c.spec.rules) for c in self.cleaners) or any(
            r.mode == "shadow" for g in self.sources for r in g.rules
        )

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
        sources = tuple(replace(g, rules=tuple(r for r in g.rules if r.mode != "shadow")) for g in self.sources)
        return replace(self, cleaners=cleaners, sources=sources, source_cleaners=tuple(_source_cleaner(g) for g in sources))

    def shadow_switched_on(self) -> "Ruleset":
        """Every rule acting: what a run would remove with its shadow cleaners and rules switched on."""
        cleaners = tuple(
            _with_spec(c, replace(c.spec, mode="remove", rules=tuple(replace(r, mode="remove") for r in c.spec.rules)))
            for c in self.cleaners
        )
        sources = tuple(replace(g, rules=tuple(replace(r, mode="remove") for r in g.rules)) for g in self.sources)
        return replace(self, cleaners=cleaners, sources=sources, source_cleaners=tuple(_source_cleaner(g) for g in sources))

    def to_dict(self) -> dict:
        return {
            "engine": ENGINE_VERSION,
            "cleaners": [s.to_dict() for s in self.specs],
            "keep": [k.pattern for k in self.keep],
        }


def _suggest(key: str, known: set[str]) -> str:
    close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _check_keys(mapping: Mapping, known: set[str], file: str, path: str) -> None:
    for key in mapping:
        if key not in known:
            where = f"{path}.{key}" if path else str(key)
            raise ConfigError(file, where, f"unknown key{_suggest(str(key), known)}; known keys: {', '.join(sorted(known))}")


def _expect(value: Any, typ: type | tuple, file: str, path: str, what: str) -> Any:
    # bool is an int in Python; a max_chars of `true` is still a mistake.
    if not isinstance(value, typ) or (typ is int and isinstance(value, bool)):
        raise ConfigError(file, path, f"expected {what}, got {type(value).__name__} {value!r}")
    return value


def compile_pattern(source: Any, file: str, path: str) -> Any:
    """Compile one pattern, refusing non-strings, syntax errors and patterns that match the empty string."""
    _expect(source, str, file, path, "a regular expression string")
    try:
        pattern = regex.compile(source)
    except (regex.error, ValueError, OverflowError) as exc:
        raise ConfigError(file, path, f"pattern {source!r} does not compile: {exc}") from None
    except RecursionError:  # thousands of nested groups (fuzz)
        raise ConfigError(file, path, f"pattern {source[:40]!r}... is nested too deeply to compile") from None
    if pattern.search("") is not None:
        raise ConfigError(file, path, f"pattern {source!r} matches the empty string, so it would match every line")
    return pattern


def _compile_list(values: Any, file: str, path: str) -> tuple:
    _expect(values, list, file, path, "a list of patterns")
    return tuple(compile_pattern(v, file, f"{path}[{i}]") for i, v in enumerate(values))


def _positive_int(value: Any, file: str, path: str) -> int:
    _expect(value, int, file, path, "a positive integer")
    if value <= 0:
        raise ConfigError(file, path, f"expected a positive integer, got {value}")
    return value


def _mode(value: Any, file: str, path: str) -> str:
    _expect(value, str, file, path, "'remove' or 'shadow'")
    if value not in MODES:
        raise ConfigError(file, path, f"expected 'remove' or 'shadow', got {value!r}")
    return value


def _parse_rule(raw: Any, file: str, path: str, base: Rule | None, cleaner_max: int) -> Rule:
    """A rule from YAML; with `base`, keys not given keep the base rule's values (an override)."""
    _expect(raw, dict, file, path, "a mapping with 'name' and 'pattern'")
    _check_keys(raw, RULE_KEYS, file, path)
    name = _expect(raw.get("name"), str, file, f"{path}.name", "a rule name (string)")
    if not name.strip():
        raise ConfigError(file, f"{path}.name", "rule name is empty")
    if base is None and "pattern" not in raw:
        raise ConfigError(file, f"{path}.pattern", f"rule '{name}' has no pattern (and no default rule has that name)")
    pattern = compile_pattern(raw["pattern"], file, f"{path}.pattern") if "pattern" in raw else base.pattern
    near = raw.get("near", list(base.near) if base else [])
    _expect(near, list, file, f"{path}.near", "a list of rule names")
    for i, n in enumerate(near):
        _expect(n, str, file, f"{path}.near[{i}]", "a rule name")
    return Rule(
        name=name,
        pattern=pattern,
        mode=_mode(raw["mode"], file, f"{path}.mode") if "mode" in raw else (base.mode if base else "remove"),
        near=tuple(near),
        window=_positive_int(raw["window"], file, f"{path}.window") if "window" in raw else (base.window if base else 2),
        max_chars=_positive_int(raw["max_chars"], file, f"{path}.max_chars")
        if "max_chars" in raw
        else (base.max_chars if base else cleaner_max),
        lang=_expect(raw.get("lang", base.lang if base else ""), str, file, f"{path}.lang", "a language tag"),
        origin=file if base is None or raw.keys() - {"name"} else base.origin,
    )


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


def _merge_cleaner(spec: CleanerSpec, raw: Any, file: str, path: str, option_types: Mapping[str, type]) -> CleanerSpec:
    """Apply one YAML mapping (packaged defaults or a user's section) on top of a spec."""
    _expect(raw, dict, file, path, "a mapping")
    _check_keys(raw, CLEANER_KEYS, file, path)
    enabled = _expect(raw.get("enabled", spec.enabled), bool, file, f"{path}.enabled", "true or false")
    mode = _mode(raw["mode"], file, f"{path}.mode") if "mode" in raw else spec.mode
    max_chars = _positive_int(raw["max_chars"], file, f"{path}.max_chars") if "max_chars" in raw else spec.max_chars
    description = _expect(raw.get("description", spec.description), str, file, f"{path}.description", "a string")

    rules = {r.name: r for r in spec.rules}
    disabled: set[str] = set()
    for i, name in enumerate(_expect(raw.get("disable_rules", []), list, file, f"{path}.disable_rules", "a list of rule names")):
        _expect(name, str, file, f"{path}.disable_rules[{i}]", "a rule name")  # an unhashable name crashed the lookup (fuzz)
        if name not in rules:
            known = set(rules)
            raise ConfigError(file, f"{path}.disable_rules[{i}]", f"no rule named {name!r}{_suggest(str(name), known)}")
        del rules[name]
        disabled.add(name)
    if disabled:
        _prune_near(rules, disabled)
    raw_rules = _expect(raw.get("rules", []), list, file, f"{path}.rules", "a list of rules")
    for i, raw_rule in enumerate(raw_rules):
        rpath = f"{path}.rules[{i}]"
        # Only a string name can name a default rule; _parse_rule reports any other name.
        base = rules.get(raw_rule.get("name")) if isinstance(raw_rule, dict) and isinstance(raw_rule.get("name"), str) else None
        rules[raw_rule["name"] if isinstance(raw_rule, dict) and "name" in raw_rule else f"#{i}"] = _parse_rule(
            raw_rule, file, rpath, base, max_chars
        )
    for name, rule in rules.items():
        for i, n in enumerate(rule.near):
            if n not in rules:
                raise ConfigError(file, f"{path}.rules.{name}.near[{i}]", f"no rule named {n!r} in this cleaner{_suggest(n, set(rules))}")

    keep = spec.keep + (_compile_list(raw["keep"], file, f"{path}.keep") if "keep" in raw else ())

    options = dict(spec.options)
    raw_options = _expect(raw.get("options", {}), dict, file, f"{path}.options", "a mapping")
    _check_keys(raw_options, set(option_types), file, f"{path}.options")
    for key, value in raw_options.items():
        typ = option_types[key]
        options[key] = _expect(value, typ, file, f"{path}.options.{key}", typ.__name__)
    return replace(
        spec,
        enabled=enabled,
        mode=mode,
        max_chars=max_chars,
        rules=tuple(rules.values()),
        keep=keep,
        options=tuple(sorted(options.items())),
        description=description,
    )


def _apply_mode(spec: CleanerSpec) -> CleanerSpec:
    # A cleaner in shadow mode puts every one of its rules in shadow mode.
    if spec.mode == "shadow":
        return replace(spec, rules=tuple(replace(r, mode="shadow") for r in spec.rules))
    return spec


def _cleaner_class(kind: str):
    if kind == "pattern":
        from .base import PatternCleaner

        return PatternCleaner
    return import_module(f"{__package__}.{kind}").CLEANER


def _load_yaml_text(text: str, file: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(file, "", f"invalid YAML: {exc}") from None
    except RecursionError:  # thousands of nested [ or { (fuzz)
        raise ConfigError(file, "", "invalid YAML: nested too deeply") from None


def default_specs() -> list[CleanerSpec]:
    """The packaged cleaners with their YAML defaults, in priority order."""
    specs = []
    for name in CLEANER_NAMES:
        yaml_name = f"{name}.yaml"
        text = resources.files(__package__).joinpath(yaml_name).read_text(encoding="utf-8")
        raw = _load_yaml_text(text, f"cleaners/{yaml_name}") or {}
        cls = _cleaner_class(name)
        specs.append(_merge_cleaner(CleanerSpec(name=name, kind=name), raw, f"cleaners/{yaml_name}", name, cls.OPTION_TYPES))
    return specs


def ruleset_from_mapping(raw: Any, file: str = "<config>") -> Ruleset:
    """The defaults with one user mapping applied on top (the parsed YAML of a --config file)."""
    specs = default_specs()
    if raw is None:
        raw = {}
    _expect(raw, dict, file, "", "a mapping at the top level")
    _check_keys(raw, TOP_KEYS, file, "")
    if "version" in raw and raw["version"] != 1:
        raise ConfigError(file, "version", f"unsupported config version {raw['version']!r}; this boilerclean reads version 1")
    keep = _compile_list(raw["keep"], file, "keep") if "keep" in raw else ()
    timeout = _timeout(raw["regex_timeout"], file, "regex_timeout") if "regex_timeout" in raw else DEFAULT_REGEX_TIMEOUT
    sections = _expect(raw.get("cleaners", {}) or {}, dict, file, "cleaners", "a mapping of cleaner names")
    by_name = {s.name: s for s in specs}
    for name, section in sections.items():
        path = f"cleaners.{name}"
        _expect(name, str, file, path, "a cleaner name")
        if not regex.fullmatch(r"[a-z][a-z0-9_]*", name):
            raise ConfigError(file, path, "a cleaner name is lower-case letters, digits and underscores")
        if name in by_name:
            spec = by_name[name]
            by_name[name] = _merge_cleaner(spec, section, file, path, _cleaner_class(spec.kind).OPTION_TYPES)
        else:
            # A new name is a pattern-only cleaner; it must bring rules of its own.
            if not isinstance(section, dict) or not section.get("rules"):
                raise ConfigError(
                    file, path, f"unknown cleaner{_suggest(name, set(by_name))}; a new cleaner needs a 'rules' list"
                )
            by_name[name] = _merge_cleaner(CleanerSpec(name=name, kind="pattern"), section, file, path, {})
    sources = _parse_sources(raw["sources"], file) if "sources" in raw else ()
    quarantine = None
    if "quarantine" in raw:
        from .quarantine import parse_quarantine

        quarantine = parse_quarantine(raw["quarantine"], file)
    ruleset = _finish(tuple(by_name.values()), keep, (file,) if raw else (), sources, quarantine)
    return replace(ruleset, regex_timeout=timeout)


def _timeout(value: Any, file: str, path: str) -> float | None:
    if value is None:
        return None  # explicitly off: for trusted rulesets when every microsecond counts
    _expect(value, (int, float), file, path, "a number of seconds (or null for no limit)")
    # NaN and infinity fail this test too; regex needs a finite positive number.
    if isinstance(value, bool) or not 0 < value <= 3600:
        raise ConfigError(file, path, f"expected a number of seconds between 0 and 3600, got {value!r}")
    return float(value)


def _parse_sources(raw: Any, file: str) -> tuple[SourceRules, ...]:
    """The top-level `sources:` list: [{match: {folder: GLOB} | {domain: NAME}, rules: [...], keep: [...]}]."""
    _expect(raw, list, file, "sources", "a list of {match, rules, keep}")
    out = []
    for i, entry in enumerate(raw):
        path = f"sources[{i}]"
        _expect(entry, dict, file, path, "a mapping with 'match' and 'rules' or 'keep'")
        _check_keys(entry, SOURCE_KEYS, file, path)
        match = _expect(entry.get("match"), dict, file, f"{path}.match", "a mapping {folder: GLOB} or {domain: NAME}")
        _check_keys(match, MATCH_KEYS, file, f"{path}.match")
        if len(match) != 1:
            raise ConfigError(file, f"{path}.match", "give exactly one of 'folder' or 'domain'")
        kind, value = next(iter(match.items()))
        _expect(value, str, file, f"{path}.match.{kind}", "a string")
        if not value.strip():
            raise ConfigError(file, f"{path}.match.{kind}", "is empty")
        if kind == "domain":
            value = value.strip().lower().rstrip(".")
            if not regex.fullmatch(r"[\w.-]+", value):
                raise ConfigError(file, f"{path}.match.domain", f"expected a domain name like example.com, got {value!r}")
        name = _expect(entry.get("name", ""), str, file, f"{path}.name", "a string")
        mode = _mode(entry["mode"], file, f"{path}.mode") if "mode" in entry else "remove"
        rules: dict[str, Rule] = {}
        for j, raw_rule in enumerate(_expect(entry.get("rules", []), list, file, f"{path}.rules", "a list of rules")):
            rule = _parse_rule(raw_rule, file, f"{path}.rules[{j}]", None, DEFAULT_MAX_CHARS)
            if rule.name in rules:
                raise ConfigError(file, f"{path}.rules[{j}].name", f"rule name {rule.name!r} is used twice in this source")
            rules[rule.name] = replace(rule, mode="shadow") if mode == "shadow" else rule
        for rule in rules.values():
            for k, n in enumerate(rule.near):
                if n not in rules:
                    raise ConfigError(file, f"{path}.rules.{rule.name}.near[{k}]", f"no rule named {n!r} in this source{_suggest(n, set(rules))}")
        keep = _compile_list(entry["keep"], file, f"{path}.keep") if "keep" in entry else ()
        if not rules and not keep:
            raise ConfigError(file, path, "a source needs 'rules' or 'keep'")
        out.append(SourceRules(kind, value, tuple(rules.values()), keep, name))
    return tuple(out)


def _finish(
    specs: tuple[CleanerSpec, ...],
    keep: tuple,
    files: tuple[str, ...],
    sources: tuple[SourceRules, ...] = (),
    quarantine: Any = None,
) -> Ruleset:
    specs = tuple(_apply_mode(s) for s in specs)
    identity = {"engine": ENGINE_VERSION, "cleaners": [s.to_dict() for s in specs], "keep": [k.pattern for k in keep]}
    # Only present when used, so the hash of a ruleset without them stays what it was.
    if sources:
        identity["sources"] = [g.to_dict() for g in sources]
    if quarantine is not None:
        identity["quarantine"] = quarantine.to_dict()
    digest_input = json.dumps(identity, sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(digest_input.encode("utf-8")).hexdigest()
    cleaners = tuple(_cleaner_class(s.kind)(s) for s in specs if s.enabled)
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
    """A copy of a built cleaner with another spec (cleaners read their rules and mode from the spec as they run)."""
    twin = copy.copy(cleaner)
    twin.spec = spec
    return twin


def _source_cleaner(group: SourceRules):
    from .base import PatternCleaner

    return PatternCleaner(CleanerSpec(name=SOURCE_CLEANER, kind="pattern", rules=group.rules))


def load_ruleset(path: str | Path | None = None) -> Ruleset:
    """The packaged defaults, plus the user file at `path` if given; raises ConfigError on any problem."""
    if path is None:
        return ruleset_from_mapping({}, "<defaults>")
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(file, "", "config file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(file, "", f"cannot read config file: {exc}") from None
    return ruleset_from_mapping(_load_yaml_text(text, file), file)
