"""Rule confidence in the config (issue 12): certain | likely | risky; undeclared means likely."""

from __future__ import annotations

import pytest

from cleaners import ConfigError, load_ruleset, ruleset_from_mapping


def rule(ruleset, cleaner, name):
    return next(r for r in ruleset.spec(cleaner).rules if r.name == name)


def test_a_new_rule_without_confidence_is_likely_never_certain():
    rs = ruleset_from_mapping({"cleaners": {"mine": {"new": True, "rules": [{"name": "a", "pattern": "x"}]}}})
    r = rule(rs, "mine", "a")
    assert r.confidence == "" and r.level == "likely"


def test_a_rule_and_a_cleaner_declare_confidence():
    mapping = {
        "cleaners": {
            "mine": {
                "new": True,
                "confidence": "risky",
                "rules": [
                    {"name": "a", "pattern": "x"},
                    {"name": "b", "pattern": "y", "confidence": "certain"},
                ],
            }
        }
    }
    rs = ruleset_from_mapping(mapping)
    assert rule(rs, "mine", "a").level == "risky"
    assert rule(rs, "mine", "b").level == "certain"


def test_a_users_rule_in_a_packaged_cleaner_does_not_inherit_its_confidence():
    # Whatever the packaged section declares, a rule the user adds without a confidence is likely.
    mapping = {"cleaners": {"advertisement": {"rules": [{"name": "werbung", "pattern": "^Werbung$"}]}}}
    assert rule(ruleset_from_mapping(mapping), "advertisement", "werbung").level == "likely"


def test_changing_a_default_rules_pattern_drops_its_declared_confidence():
    base = load_ruleset()
    name = base.spec("advertisement").rules[0].name
    promoted = ruleset_from_mapping(
        {"cleaners": {"advertisement": {"rules": [{"name": name, "confidence": "risky"}]}}}
    )
    assert rule(promoted, "advertisement", name).level == "risky"
    repatterned = ruleset_from_mapping(
        {"cleaners": {"advertisement": {"rules": [{"name": name, "pattern": "^Ad$"}]}}}
    )
    assert rule(repatterned, "advertisement", name).confidence == ""


def test_confidence_enters_the_hash_only_where_declared():
    plain = {"cleaners": {"mine": {"new": True, "rules": [{"name": "a", "pattern": "x"}]}}}
    likely = {
        "cleaners": {"mine": {"new": True, "rules": [{"name": "a", "pattern": "x", "confidence": "likely"}]}}
    }
    assert "confidence" not in rule(ruleset_from_mapping(plain), "mine", "a").to_dict()
    assert ruleset_from_mapping(plain).hash != ruleset_from_mapping(likely).hash


@pytest.mark.parametrize(
    "section, key",
    [
        ({"confidence": "sure"}, "cleaners.advertisement.confidence"),
        (
            {"rules": [{"name": "w", "pattern": "x", "confidence": 1}]},
            "cleaners.advertisement.rules[0].confidence",
        ),
    ],
)
def test_a_bad_confidence_names_the_key(section, key):
    with pytest.raises(ConfigError) as exc:
        ruleset_from_mapping({"cleaners": {"advertisement": section}}, "user.yaml")
    assert exc.value.key == key and "certain, likely, risky" in exc.value.problem
