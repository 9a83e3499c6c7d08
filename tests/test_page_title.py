"""page_title beyond its cases (tests/cases/page_title): one copy only, and the separator option from YAML."""

from __future__ import annotations

from casefiles import ruleset_only

from cleaners import clean_text, restore, ruleset_from_mapping

TITLE = "Harbour bridge reopens after two years of repairs"


def removed(text: str, *titles: str, ruleset=None) -> list[str]:
    result = clean_text(text, ruleset or ruleset_only("page_title"), titles=titles)
    assert restore(result.cleaned, result.removals) == text
    return [r.text.strip() for r in result.acting]


def test_only_the_first_copy_goes():
    assert removed(f"{TITLE}\nBody.\n{TITLE}\n", TITLE) == [TITLE]


def test_a_prefix_of_the_title_is_not_the_title():
    assert removed(f"Body first.\n{TITLE}\n", TITLE[:20]) == []


def test_the_separator_is_a_yaml_option_a_config_can_change():
    text = f"{TITLE}\nBody.\n"
    assert removed(text, f"{TITLE} ~ Harbour Times") == []
    wider = ruleset_from_mapping(
        {"cleaners": {"page_title": {"options": {"separator": r"\s+[|~]\s+"}}}}, "u.yaml"
    )
    assert removed(text, f"{TITLE} ~ Harbour Times", ruleset=wider) == [TITLE]
    assert wider.hash != ruleset_only("page_title").hash  # a changed option is part of the ruleset's identity
