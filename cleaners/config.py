"""Loading rulesets: the packaged YAML defaults plus an optional user file, validated whole, then frozen."""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import regex
import yaml

from .quarantine import parse_quarantine
from .registry import packaged_cleaners
from .ruleset import (
    CONFIDENCES,
    DEFAULT_MAX_CHARS,
    DEFAULT_REGEX_TIMEOUT,
    ENGINE_VERSION,
    LATE_OPTIONS,
    MODES,
    SOURCE_CLEANER,
    CleanerSpec,
    Rule,
    Ruleset,
    SourceRules,
    build_ruleset,
    cleaner_class,
)
from .settings import (
    DEFAULT_EXTRACTION,
    DEFAULT_HEADLINE,
    EXTRACTIONS,
    HEADLINES,
    MAX_CONFIG_BYTES,
    MAX_PATTERN_CHARS,
    MAX_PATTERNS,
    ConfigError,
    Field,
    Problems,
    check_keys,
    choice,
    compile_pattern,
    expect,
    positive_int,
    suggest,
)

# Keys allowed at each level of a config file; anything else is a typo we want to catch.
TOP_KEYS = {"version", "keep", "cleaners", "sources", "quarantine", "regex_timeout", "extraction", "headline"}
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
    "confidence",
}
# Only a packaged YAML places a cleaner and names its code.
PACKAGED_KEYS = CLEANER_KEYS | {"priority", "kind"}
USER_KEYS = CLEANER_KEYS | {"new"}  # a user's cleaner that is not packaged must say `new: true`
RULE_KEYS = {"name", "pattern", "mode", "near", "window", "max_chars", "lang", "note", "role", "confidence"}
SOURCE_KEYS = {"name", "match", "mode", "rules", "keep"}
MATCH_KEYS = {"folder", "domain"}

# A fragment is named text that patterns reuse: {{credit}} in a pattern is replaced by it before compiling.
# Double braces never occur in a valid regex quantifier or \p{..} class, so the reference is unambiguous.
FRAGMENT_NAME = r"[a-z_][a-z0-9_]*"
FRAGMENT_REF = regex.compile(r"\{\{(" + FRAGMENT_NAME + r")\}\}")

__all__ = [
    "DEFAULT_MAX_CHARS",
    "DEFAULT_REGEX_TIMEOUT",
    "ENGINE_VERSION",
    "MODES",
    "SOURCE_CLEANER",
    "CleanerSpec",
    "Rule",
    "SourceRules",
    "ConfigError",
    "MAX_CONFIG_BYTES",
    "MAX_PATTERNS",
    "MAX_PATTERN_CHARS",
    "Ruleset",
    "load_ruleset",
    "ruleset_from_mapping",
]


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


def _confidence(value: Any, file: str, path: str) -> str:
    expect(value, str, file, path, "one of " + ", ".join(CONFIDENCES))
    if value not in CONFIDENCES:
        raise ConfigError(file, path, f"expected one of {', '.join(CONFIDENCES)}, got {value!r}")
    return value


def _rule_confidence(raw: dict, base: Rule | None, ctx: _Context, problems: Problems, path: str) -> str:
    """The rule's declared confidence: its own, else its section's, else the base rule's unless the
    pattern changed (a pattern the user wrote is not vouched for by the default's confidence)."""
    if "confidence" in raw:
        return problems.attempt(_confidence, raw["confidence"], problems.file, f"{path}.confidence") or ""
    if ctx.confidence:
        return ctx.confidence
    return base.confidence if base is not None and "pattern" not in raw else ""


def _parse_rule(raw: Any, file: str, path: str, base: Rule | None, cleaner_max: int, ctx: _Context) -> Rule:
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
        confidence=_rule_confidence(raw, base, ctx, problems, path),
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
    confidence: str = ""  # the section's `confidence:`, the default for the rules that section writes


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
    ctx.confidence = _setting(problems, raw, "confidence", path, "", _confidence)
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
        confidence=ctx.confidence or spec.confidence,
    )


def _context(spec: CleanerSpec) -> _Context:
    cls = cleaner_class(spec.module)
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
    extraction = get(choice, raw.get("extraction", DEFAULT_EXTRACTION), EXTRACTIONS, file, "extraction")
    if get(choice, raw.get("headline", DEFAULT_HEADLINE), HEADLINES, file, "headline") == "keep":
        # The headline stays as article text: page_title is the only cleaner that removes it.
        by_name["page_title"] = replace(by_name["page_title"], enabled=False)
    problems.raise_if_any()
    ruleset = build_ruleset(
        tuple(by_name.values()), keep, (file,) if raw else (), sources, quarantine, extraction
    )
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
