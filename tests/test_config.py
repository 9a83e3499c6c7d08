"""Rulesets: defaults, user overrides, and errors that name the file, the key and the problem."""

from __future__ import annotations

import pytest

from cleaners import ConfigError, clean_text, load_ruleset, ruleset_from_mapping


def cleaned(text, mapping):
    return clean_text(text, ruleset_from_mapping(mapping, "user.yaml")).cleaned


def test_defaults_load_and_hash_is_stable():
    a, b = load_ruleset(), load_ruleset()
    assert a.hash == b.hash and len(a.hash) == 64
    assert [c.name for c in a.cleaners][:4] == ["cookie_banner", "license_line", "advertisement", "image_caption"]


def test_disable_a_cleaner():
    text = "Advertisement\nBody.\n"
    assert cleaned(text, {}) == "Body.\n"
    assert cleaned(text, {"cleaners": {"advertisement": {"enabled": False}}}) == text


def test_add_a_rule_to_a_cleaner_and_hash_changes():
    text = "Werbung\nBody.\n"
    mapping = {"cleaners": {"advertisement": {"rules": [{"name": "werbung", "pattern": "^Werbung$"}]}}}
    assert cleaned(text, mapping) == "Body.\n"
    assert ruleset_from_mapping(mapping, "user.yaml").hash != load_ruleset().hash


def test_new_pattern_only_cleaner():
    rs = ruleset_from_mapping({"cleaners": {"site_footer": {"new": True, "rules": [{"name": "footer", "pattern": "^Example Daily, since 1901$"}]}}}, "u.yaml")
    result = clean_text("Body.\nExample Daily, since 1901\n", rs)
    assert result.cleaned == "Body.\n"
    assert [(r.cleaner, r.rule) for r in result.removals] == [("site_footer", "footer")]


def test_keep_patterns_win_globally_and_per_cleaner():
    text = "Advertisement\nCFP\nBody.\n"
    assert cleaned(text, {"keep": ["^Advertisement$"]}) == "Advertisement\nBody.\n"
    assert cleaned(text, {"cleaners": {"image_caption": {"keep": ["CFP"]}}}) == "CFP\nBody.\n"


def test_disable_rules_and_override_rule_mode():
    text = "Advertisement\nBody.\n"
    assert cleaned(text, {"cleaners": {"advertisement": {"disable_rules": ["ad marker"]}}}) == text
    rs = ruleset_from_mapping({"cleaners": {"advertisement": {"rules": [{"name": "ad marker", "mode": "shadow"}]}}}, "u.yaml")
    result = clean_text(text, rs)
    assert result.cleaned == text and result.removals[0].shadow


@pytest.mark.parametrize(
    "mapping,key,message",
    [
        ({"cleaner": {}}, "cleaner", "did you mean 'cleaners'"),
        ({"cleaners": {"advertisment": {"enabled": False}}}, "cleaners.advertisment", "did you mean 'advertisement'"),
        ({"cleaners": {"advertisement": {"enabled": "no"}}}, "cleaners.advertisement.enabled", "expected true or false"),
        ({"cleaners": {"advertisement": {"max_chars": True}}}, "cleaners.advertisement.max_chars", "positive integer"),
        ({"cleaners": {"advertisement": {"rules": [{"name": "x", "pattern": "(unclosed"}]}}}, "cleaners.advertisement.rules[0].pattern", "'(unclosed' does not compile"),
        ({"cleaners": {"advertisement": {"rules": [{"name": "x", "pattern": "a*"}]}}}, "cleaners.advertisement.rules[0].pattern", "matches the empty string"),
        ({"cleaners": {"advertisement": {"rules": [{"name": "x", "patern": "a"}]}}}, "cleaners.advertisement.rules[0].patern", "did you mean 'pattern'"),
        ({"cleaners": {"advertisement": {"rules": [{"name": "new"}]}}}, "cleaners.advertisement.rules[0].pattern", "has no pattern"),
        ({"cleaners": {"advertisement": {"mode": "loud"}}}, "cleaners.advertisement.mode", "'remove' or 'shadow'"),
        ({"cleaners": {"advertisement": {"disable_rules": ["nope"]}}}, "cleaners.advertisement.disable_rules[0]", "no rule named 'nope'"),
        ({"keep": ["ok", ""]}, "keep[1]", "matches the empty string"),
        ({"cleaners": {"brand_new": {"enabled": True}}}, "cleaners.brand_new", "unknown cleaner"),
        ({"cleaners": {"brand_new": {"new": True}}}, "cleaners.brand_new", "needs a 'rules' list"),
        ({"version": 2}, "version", "unsupported config version"),
        ([1, 2], "", "a mapping at the top level"),
    ],
)
def test_config_errors_name_file_key_and_problem(mapping, key, message):
    with pytest.raises(ConfigError) as info:
        ruleset_from_mapping(mapping, "user.yaml")
    err = info.value
    assert err.file == "user.yaml"
    assert err.key == key
    assert message in str(err)
    assert str(err).startswith("user.yaml: ")


def test_invalid_yaml_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("cleaners: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad.yaml: invalid YAML"):
        load_ruleset(bad)
    with pytest.raises(ConfigError, match="config file not found"):
        load_ruleset(tmp_path / "missing.yaml")


def test_ruleset_is_frozen():
    rs = load_ruleset()
    with pytest.raises(Exception):
        rs.hash = "x"  # type: ignore[misc]
    with pytest.raises(Exception):
        rs.specs[0].rules[0].name = "x"  # type: ignore[misc]
