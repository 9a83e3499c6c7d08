"""The four product cleaners' language packs (issue 3): every language has rules and labelled cases,
and every default rule removes something in at least one case, so no rule ships untested."""

import pytest

from casefiles import CASES, unexercised_rules
from cleaners import load_ruleset

LANGS = ("en", "zh", "ja", "ko", "de", "fr", "es", "pt", "it", "ru")
PRODUCT_CLEANERS = ("cookie_banner", "license_line", "advertisement", "image_caption")


@pytest.mark.parametrize("cleaner", PRODUCT_CLEANERS)
def test_every_language_has_rules_and_cases(cleaner):
    spec = load_ruleset().spec(cleaner)
    tagged = {lang for r in spec.rules for lang in r.lang.split(",")}  # a shared rule lists several: "de,fr"
    assert tagged >= set(LANGS)
    assert {p.stem for p in (CASES / cleaner).glob("*.yaml")} >= set(LANGS)


@pytest.mark.parametrize("cleaner", PRODUCT_CLEANERS)
def test_every_rule_fires_in_some_case(cleaner):
    missing = unexercised_rules(cleaner)
    assert missing == set(), f"rules with no case that exercises them: {sorted(missing)}"
