"""The six residue cleaners (issue 3): every language has labelled cases, and every default rule
removes something in at least one case, so no rule ships untested."""

import pytest

from casefiles import CASES, unexercised_rules
from cleaners import load_ruleset

LANGS = ("en", "zh", "ja", "ko", "de", "fr", "es", "pt", "it", "ru")
LANGUAGE_CLEANERS = ("site_chrome", "newsletter_prompt", "social_prompt", "comments_widget", "related_links")


@pytest.mark.parametrize("cleaner", LANGUAGE_CLEANERS)
def test_every_language_has_rules_and_cases(cleaner):
    spec = load_ruleset().spec(cleaner)
    assert {r.lang for r in spec.rules} >= set(LANGS)
    assert {p.stem for p in (CASES / cleaner).glob("*.yaml")} >= set(LANGS)


@pytest.mark.parametrize("cleaner", LANGUAGE_CLEANERS + ("duplicate_line",))
def test_every_rule_fires_in_some_case(cleaner):
    missing = unexercised_rules(cleaner)
    assert missing == set(), f"rules with no case that exercises them: {sorted(missing)}"
