"""Rulesets: defaults, user overrides, and errors that name the file, the key and the problem."""

from __future__ import annotations

from dataclasses import FrozenInstanceError

import pytest

from cleaners import ConfigError, clean_text, load_ruleset, ruleset_from_mapping


def cleaned(text, mapping):
    return clean_text(text, ruleset_from_mapping(mapping, "user.yaml")).cleaned


def test_defaults_load_and_hash_is_stable():
    a, b = load_ruleset(), load_ruleset()
    assert a.hash == b.hash and len(a.hash) == 64
    assert [c.name for c in a.cleaners][:4] == [
        "cookie_banner",
        "license_line",
        "advertisement",
        "image_caption",
    ]


def test_the_quarantine_settings_are_in_the_hash_defaults_too(monkeypatch):
    from dataclasses import replace

    from cleaners import quarantine, risk, settings

    default = load_ruleset().hash
    # Spelling the defaults out is the same ruleset; changing one is another.
    same = settings.quarantine_defaults()
    same["hold_sentences_from"] = list(same["hold_sentences_from"])
    assert ruleset_from_mapping({"quarantine": same}, "user.yaml").hash == default
    assert ruleset_from_mapping({"quarantine": {"max_share": 0.5}}, "user.yaml").hash != default
    # A default changed in a release changes the hash of a config that does not mention it, so an
    # incremental run cleans every file again.
    fields = [replace(f, default=400) if f.name == "min_chars" else f for f in settings.QUARANTINE_FIELDS]
    monkeypatch.setattr(settings, "QUARANTINE_FIELDS", tuple(fields))
    assert load_ruleset().hash != default
    monkeypatch.undo()
    # Every default is written once: the settings, their fields and risk's thresholds agree.
    assert quarantine.limits(quarantine.QuarantineSettings()) == risk.Limits()
    assert quarantine.QuarantineSettings().to_dict() == settings.quarantine_defaults()


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
    rs = ruleset_from_mapping(
        {
            "cleaners": {
                "site_footer": {
                    "new": True,
                    "rules": [{"name": "footer", "pattern": "^Example Daily, since 1901$"}],
                }
            }
        },
        "u.yaml",
    )
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
    rs = ruleset_from_mapping(
        {"cleaners": {"advertisement": {"rules": [{"name": "ad marker", "mode": "shadow"}]}}}, "u.yaml"
    )
    result = clean_text(text, rs)
    assert result.cleaned == text and result.removals[0].shadow


@pytest.mark.parametrize(
    "mapping,key,message",
    [
        ({"cleaner": {}}, "cleaner", "did you mean 'cleaners'"),
        (
            {"cleaners": {"advertisment": {"enabled": False}}},
            "cleaners.advertisment",
            "did you mean 'advertisement'",
        ),
        (
            {"cleaners": {"advertisement": {"enabled": "no"}}},
            "cleaners.advertisement.enabled",
            "expected true or false",
        ),
        (
            {"cleaners": {"advertisement": {"max_chars": True}}},
            "cleaners.advertisement.max_chars",
            "positive integer",
        ),
        (
            {"cleaners": {"advertisement": {"rules": [{"name": "x", "pattern": "(unclosed"}]}}},
            "cleaners.advertisement.rules[0].pattern",
            "'(unclosed' does not compile",
        ),
        (
            {"cleaners": {"advertisement": {"rules": [{"name": "x", "pattern": "a*"}]}}},
            "cleaners.advertisement.rules[0].pattern",
            "matches the empty string",
        ),
        (
            {"cleaners": {"advertisement": {"rules": [{"name": "x", "patern": "a"}]}}},
            "cleaners.advertisement.rules[0].patern",
            "did you mean 'pattern'",
        ),
        (
            {"cleaners": {"advertisement": {"rules": [{"name": "new"}]}}},
            "cleaners.advertisement.rules[0].pattern",
            "has no pattern",
        ),
        (
            {"cleaners": {"advertisement": {"mode": "loud"}}},
            "cleaners.advertisement.mode",
            "'remove' or 'shadow'",
        ),
        (
            {"cleaners": {"advertisement": {"disable_rules": ["nope"]}}},
            "cleaners.advertisement.disable_rules[0]",
            "no rule named 'nope'",
        ),
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
    with pytest.raises(FrozenInstanceError):
        rs.hash = "x"  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        rs.specs[0].rules[0].name = "x"  # type: ignore[misc]


def errors_of(mapping, file="user.yaml") -> list[tuple[str, str]]:
    with pytest.raises(ConfigError) as info:
        ruleset_from_mapping(mapping, file)
    assert all(
        line.startswith(f"{file}: ") for line in str(info.value).splitlines()
    )  # each line names the file
    return list(info.value.problems)


def test_every_error_of_a_file_is_reported_at_once():
    mapping = {
        "keep": ["("],
        "cleaners": {
            "advertisement": {"max_chars": 0, "mode": "loud", "rules": [{"name": "x", "pattern": "a*"}]},
            "image_captoin": {"rules": [{"name": "x", "pattern": "y"}]},
        },
        "quarantine": {"max_share": 2, "min_chars": -1},
        "regex_timeout": -1,
    }
    keys = [k for k, _ in errors_of(mapping)]
    assert sorted(keys) == sorted(
        [
            "keep[0]",
            "regex_timeout",
            "cleaners.advertisement.max_chars",
            "cleaners.advertisement.mode",
            "cleaners.advertisement.rules[0].pattern",
            "cleaners.image_captoin",
            "quarantine.max_share",
            "quarantine.min_chars",
        ]
    )


def test_a_misspelled_cleaner_with_rules_is_an_error_not_a_new_cleaner():
    ((key, problem),) = errors_of(
        {"cleaners": {"image_captoin": {"rules": [{"name": "x", "pattern": "^Foto$"}]}}}
    )
    assert (
        key == "cleaners.image_captoin"
        and "did you mean 'image_caption'" in problem
        and "new: true" in problem
    )


def test_new_true_on_a_packaged_cleaner_is_an_error():
    ((key, problem),) = errors_of({"cleaners": {"advertisement": {"new": True, "rules": []}}})
    assert key == "cleaners.advertisement.new" and "already a cleaner" in problem


def test_a_bad_pattern_is_shown_exactly_as_written():
    ((_, problem),) = errors_of({"keep": [r"\d+(\s"]})
    assert r"pattern '\d+(\s' does not compile" in problem and "\\\\" not in problem


def test_the_same_rule_name_twice_in_one_list_is_refused():
    rules = [{"name": "x", "pattern": "^a$"}, {"name": "x", "pattern": "^b$"}]
    ((key, problem),) = errors_of({"cleaners": {"advertisement": {"rules": rules}}})
    assert key == "cleaners.advertisement.rules[1].name" and "used twice" in problem and "rules[0]" in problem
    ((key, _),) = errors_of({"sources": [{"match": {"folder": "a"}, "rules": rules}]})
    assert key == "sources[0].rules[1].name"


def test_caps_on_rules_and_pattern_length():
    from cleaners.settings import MAX_PATTERN_CHARS, MAX_PATTERNS

    many = [{"name": f"r{i}", "pattern": f"^r{i}$"} for i in range(MAX_PATTERNS + 1)]
    ((key, problem),) = errors_of({"cleaners": {"advertisement": {"rules": many}}})
    assert "the limit is 1,000" in problem
    long = "^(?:" + "|".join(f"w{i}" for i in range(MAX_PATTERN_CHARS)) + ")$"
    ((key, problem),) = errors_of({"keep": [long]})
    assert key == "keep[0]" and f"the limit is {MAX_PATTERN_CHARS:,}" in problem


def test_config_must_be_a_small_regular_file(tmp_path):
    import os

    from cleaners.settings import MAX_CONFIG_BYTES

    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    with pytest.raises(ConfigError, match="fifo.yaml: config is not a regular file"):
        load_ruleset(fifo)  # reading it would hang
    with pytest.raises(ConfigError, match="/dev/zero: config is not a regular file"):
        load_ruleset("/dev/zero")  # reading it would never end
    with pytest.raises(ConfigError, match="not a regular file"):
        load_ruleset(tmp_path)
    big = tmp_path / "big.yaml"
    big.write_text("# " + "x" * MAX_CONFIG_BYTES + "\n", encoding="utf-8")
    with pytest.raises(
        ConfigError, match=f"big.yaml: config file is {MAX_CONFIG_BYTES + 3:,} bytes; the limit"
    ):
        load_ruleset(big)


def test_fragments_are_written_once_and_reused():
    section = {
        "fragments": {"agency": "(?:AFP|Reuters)", "credit": r"Photo: {{agency}}"},
        "rules": [{"name": "credit", "pattern": "^{{credit}}$"}],
        "keep": ["^{{agency}} says"],
    }
    rs = ruleset_from_mapping({"cleaners": {"image_caption": section}}, "u.yaml")
    rule = next(r for r in rs.spec("image_caption").rules if r.name == "credit")
    assert rule.source == "^Photo: (?:AFP|Reuters)$"
    assert clean_text("Body.\nPhoto: Reuters\n", rs).cleaned == "Body.\n"
    # The packaged fragments are there for a user's rules too.
    rs = ruleset_from_mapping(
        {"cleaners": {"image_caption": {"rules": [{"name": "y", "pattern": "^Bild: {{credit}}$"}]}}}
    )
    assert "{{" not in next(r for r in rs.spec("image_caption").rules if r.name == "y").source


def test_fragment_errors():
    ((key, problem),) = errors_of(
        {"cleaners": {"image_caption": {"rules": [{"name": "y", "pattern": "^{{credt}}$"}]}}}
    )
    assert key == "cleaners.image_caption.rules[0].pattern" and "no fragment named 'credt'" in problem
    assert "did you mean 'credit'" in problem
    ((key, _),) = errors_of({"cleaners": {"image_caption": {"fragments": {"Bad-Name": "x"}}}})
    assert key == "cleaners.image_caption.fragments.Bad-Name"
    # Fragments may use only the fragments before them, so they cannot loop.
    ((key, problem),) = errors_of({"cleaners": {"advertisement": {"fragments": {"a": "{{b}}", "b": "x"}}}})
    assert key == "cleaners.advertisement.fragments.a" and "no fragment named 'b'" in problem
    # Doubling a fragment at each step grows fast: the pattern cap stops it while it is expanded.
    frags = {"f0": "abcdefgh"} | {f"f{i}": f"{{{{f{i - 1}}}}}{{{{f{i - 1}}}}}" for i in range(1, 40)}
    ((key, problem),) = errors_of({"cleaners": {"advertisement": {"fragments": frags}}})
    assert "the limit is" in problem


def test_packaged_fragments_give_the_patterns_they_replaced():
    # image_caption.yaml wrote its credit-word list ~20 times before fragments; the ruleset hash pins them.
    rs = load_ruleset()
    patterns = [r.source for r in rs.spec("image_caption").rules]
    assert not any("{{" in p for p in patterns)
    # 20 before issue 12's credit-only line (intl), whose {{credit}} holds the word list four times
    assert sum(p.count("|handout|de|da|do|") for p in patterns) == 24


def test_roles_are_known_per_cleaner():
    ((key, problem),) = errors_of(
        {"cleaners": {"advertisement": {"rules": [{"name": "x", "pattern": "^x$", "role": "header"}]}}}
    )
    assert key == "cleaners.advertisement.rules[0].role" and "roles this cleaner knows: none" in problem
    ((key, problem),) = errors_of(
        {"cleaners": {"related_links": {"rules": [{"name": "x", "pattern": "^x$", "role": "heading"}]}}}
    )
    assert "'header'" in problem


def test_role_is_part_of_the_hash_only_where_the_name_did_not_imply_it():
    base = load_ruleset().hash
    same = {"rules": [{"name": "related header", "role": "header"}]}
    assert ruleset_from_mapping({"cleaners": {"related_links": same}}).hash == base
    changed = {"rules": [{"name": "related header", "role": ""}]}
    assert ruleset_from_mapping({"cleaners": {"related_links": changed}}).hash != base


def test_packaged_cleaners_come_from_their_yaml_in_priority_order():
    from cleaners.registry import CLEANER_NAMES

    assert CLEANER_NAMES[0] == "cookie_banner" and CLEANER_NAMES[-1] == "page_title"
    assert [s.name for s in load_ruleset().specs] == list(CLEANER_NAMES)
    assert load_ruleset().spec("related_links").module == "related_links"
    assert load_ruleset().spec("advertisement").module == ""  # no module: the pattern cleaner


def test_alert_settings_schema():
    from cleaners.settings import AlertSettings, read_alerts

    assert read_alerts(None) == AlertSettings(3.0, 20, 10)
    assert read_alerts({"factor": 2, "window": 3}) == AlertSettings(2.0, 20, 3)
    with pytest.raises(ConfigError) as info:
        read_alerts({"factor": 1, "min_files": 0, "window": True, "windw": 3}, "run.yaml")
    assert sorted(k for k, _ in info.value.problems) == [
        "alerts.factor",
        "alerts.min_files",
        "alerts.window",
        "alerts.windw",
    ]


def test_quarantine_schema_defaults_match_the_settings_class():
    from cleaners.quarantine import DEFAULT_QUARANTINE
    from cleaners.settings import QUARANTINE_FIELDS

    assert {f.name: f.default for f in QUARANTINE_FIELDS} == DEFAULT_QUARANTINE.to_dict()


def test_the_prompt_cleaners_share_one_list_of_reporting_verbs():
    # newsletter_prompt and social_prompt each hold a copy of the `reported` fragment (fragments are a
    # cleaner's own): a verb added to one and not the other would keep a quoted prompt in one cleaner only.
    from pathlib import Path

    import yaml

    import cleaners

    here = Path(cleaners.__file__).parent
    copies = [
        yaml.safe_load((here / f"{name}.yaml").read_text())["fragments"]["reported"]
        for name in ("newsletter_prompt", "social_prompt")
    ]
    assert copies[0] == copies[1]
