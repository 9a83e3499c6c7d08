"""Fuzzing, bounded for CI: the text engine, the HTML path and the config loader never crash on any input.

Each harness is a hypothesis test with a fixed example budget (the whole file takes well under a
minute). A crash a harness finds is kept below as a regression test with its input written out.
"""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
import trafilatura
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_rel_nothing_lost import LINE_POOL, assert_exact

from cleaners import ConfigError, clean_text, load_ruleset, ruleset_from_mapping
from cleaners import config as config_module
from cleaners.config import CLEANER_KEYS, RULE_KEYS, SOURCE_KEYS, TOP_KEYS
from cleaners.quarantine import QUARANTINE_KEYS
from cleaners.registry import CLEANER_NAMES

FUZZ = settings(
    deadline=timedelta(seconds=2),
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.filter_too_much,
    ],
)
DEFAULTS = load_ruleset()
DEFAULT_SPECS = config_module.default_specs()


# --- the text engine ---------------------------------------------------------------------------

# Every code point, lone surrogates included: clean_text is a library function and may be handed any str.
every_char = st.characters(codec=None, categories=None)


@settings(FUZZ, max_examples=800)
@given(
    st.one_of(
        st.text(every_char, max_size=500),
        st.lists(st.one_of(st.sampled_from(LINE_POOL), st.text(every_char, max_size=20)), max_size=30).map(
            "".join
        ),
    )
)
def test_fuzz_text_engine(text):
    assert_exact(text, clean_text(text, DEFAULTS))


# --- the HTML path -----------------------------------------------------------------------------

TAGS = [
    "p",
    "div",
    "article",
    "main",
    "h1",
    "figure",
    "figcaption",
    "aside",
    "footer",
    "script",
    "style",
    "span",
    "a",
    "br",
    "li",
]


@st.composite
def html_pages(draw) -> str:
    """Nested, sometimes broken HTML with boilerplate lines and arbitrary text inside."""
    parts = ["<html><body>"]
    for _ in range(draw(st.integers(0, 12))):
        tag = draw(st.sampled_from(TAGS))
        inner = draw(st.one_of(st.sampled_from(LINE_POOL), st.text(max_size=40)))
        closed = draw(st.booleans())
        parts.append(f"<{tag}>{inner}" + (f"</{tag}>" if closed else ""))
    parts.append(draw(st.sampled_from(["</body></html>", "", "<!--", "<![CDATA[", "&#0;", "&bogus;"])))
    return "".join(parts)


def clean_html(html: str):
    """The HTML path: trafilatura's extraction, then the text engine (what i3-html's flow does per page)."""
    text = trafilatura.extract(html, include_comments=False) or ""
    return text, clean_text(text, DEFAULTS)


@settings(FUZZ, max_examples=150)
@given(st.one_of(html_pages(), st.text(max_size=300)))
@pytest.mark.slow
def test_fuzz_html_path(html):
    text, result = clean_html(html)
    assert_exact(text, result)


# --- the config loader -------------------------------------------------------------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True),
    st.text(max_size=20),
    st.sampled_from(["(", "a*", "^", "(?P<x>a)(?P<x>b)", "[z-a]", "\\", "remove", "shadow", "cookie_banner"]),
    st.binary(max_size=5),
)
known_keys = st.sampled_from(sorted(TOP_KEYS | CLEANER_KEYS | RULE_KEYS | set(CLEANER_NAMES)))
any_key = st.one_of(known_keys, st.text(max_size=10), st.integers(), st.none(), st.booleans())
structures = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(any_key, inner, max_size=4)),
    max_leaves=20,
)
# Shaped like a config, so the fuzzer reaches the rule and option parsers, not only the top level.
rule_like = st.dictionaries(st.sampled_from(sorted(RULE_KEYS)), structures, max_size=5)
cleaner_like = st.dictionaries(
    st.sampled_from(sorted(CLEANER_KEYS)),
    st.one_of(structures, st.lists(st.one_of(rule_like, structures), max_size=3)),
    max_size=4,
)
source_like = st.dictionaries(
    st.sampled_from(sorted(SOURCE_KEYS)),
    st.one_of(
        structures,
        st.lists(st.one_of(rule_like, structures), max_size=3),
        st.dictionaries(
            st.sampled_from(["folder", "domain", "glob"]),
            st.one_of(scalars, st.lists(scalars, max_size=2)),
            max_size=2,
        ),
    ),
    max_size=5,
)
config_like = st.fixed_dictionaries(
    {},
    optional={
        "cleaners": st.dictionaries(
            st.one_of(st.sampled_from(CLEANER_NAMES), st.text(max_size=8)),
            st.one_of(cleaner_like, structures),
            max_size=3,
        ),
        "keep": st.one_of(st.lists(scalars, max_size=3), structures),
        "version": scalars,
        "regex_timeout": scalars,
        "sources": st.one_of(st.lists(st.one_of(source_like, structures), max_size=3), structures),
        "quarantine": st.one_of(
            st.dictionaries(
                st.one_of(st.sampled_from(sorted(QUARANTINE_KEYS)), st.text(max_size=8)), scalars, max_size=4
            ),
            structures,
        ),
    },
)


def load_or_config_error(raw) -> None:
    try:
        ruleset = ruleset_from_mapping(raw, "fuzz.yaml")
    except ConfigError:
        return
    # Accepted: it must then be a usable ruleset.
    assert ruleset.regex_timeout is None or (
        ruleset.regex_timeout > 0 and math.isfinite(ruleset.regex_timeout)
    )
    clean_text("Photo: AP\nWe use cookies.\n", ruleset)


@settings(FUZZ, max_examples=600)
@given(st.one_of(config_like, structures))
@pytest.mark.slow
def test_fuzz_config_structures(cached_defaults, raw):
    load_or_config_error(raw)


@settings(FUZZ, max_examples=200)
@given(
    st.one_of(st.text(max_size=200), st.builds(lambda d: yaml.safe_dump(d, allow_unicode=True), config_like))
)
@pytest.mark.slow
def test_fuzz_config_files(cached_defaults, tmp_path_factory, text):
    path = tmp_path_factory.mktemp("cfg") / "fuzz.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        load_ruleset(path)
    except ConfigError:
        pass


# --- crashes the harnesses found, kept as regression tests -----------------------------------------

FOUND_CONFIG_CRASHES = {
    # TypeError: unhashable type: 'dict' (rule names were looked up before being checked as strings)
    "unhashable disabled rule": (
        {"cleaners": {"cookie_banner": {"disable_rules": [{}]}}},
        "cleaners.cookie_banner.disable_rules[0]: expected a rule name",
    ),
    "unhashable rule name": (
        {"cleaners": {"cookie_banner": {"rules": [{"name": [1], "pattern": "x"}]}}},
        "cleaners.cookie_banner.rules[0].name: expected a rule name",
    ),
    # RecursionError inside regex's parser
    # (2,000 deep: a deeper one is now refused by the pattern length cap before regex sees it)
    "deeply nested pattern": (
        {"keep": ["(" * 2000 + "a" + ")" * 2000]},
        "keep[0]: pattern '(((((((((((((((((((((((((((((((((((((((('... is nested too deeply",
    ),
    "over-long pattern": ({"keep": ["(" * 5000 + "a" + ")" * 5000]}, "keep[0]: pattern is 10,001 characters"),
}


@pytest.mark.parametrize("raw,message", FOUND_CONFIG_CRASHES.values(), ids=FOUND_CONFIG_CRASHES.keys())
def test_found_config_crashes_are_config_errors(raw, message):
    with pytest.raises(ConfigError) as info:
        ruleset_from_mapping(raw, "fuzz.yaml")
    assert message in str(info.value)


FOUND_YAML_CRASHES = {
    # RecursionError inside PyYAML's composer
    "deeply nested list": "keep: " + "[" * 5000 + "]" * 5000 + "\n",
    "deeply nested mapping": "keep: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n",
}


@pytest.mark.parametrize("text", FOUND_YAML_CRASHES.values(), ids=FOUND_YAML_CRASHES.keys())
def test_found_yaml_crashes_are_config_errors(tmp_path, text):
    path = tmp_path / "deep.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match="invalid YAML: nested too deeply"):
        load_ruleset(path)
