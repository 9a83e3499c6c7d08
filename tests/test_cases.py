"""Every labelled case in tests/cases/<cleaner>/<lang>.yaml, run by one test: adding a case adds no code.

A case says which lines its cleaner removes; every other line is a look-alike article line that must
stay, under the cleaner alone and under the full default ruleset. The checks below also keep the
cases honest: every cleaner with rules has cases, each file has lines to keep, every rule fires.
"""

import pytest
from casefiles import (
    CASES,
    all_cases,
    case_files,
    check_case,
    check_keeps_with_all_cleaners,
    check_keeps_without_quarantine,
    kept_lines,
    load_cases,
    unexercised_rules,
)

from cleaners import load_ruleset
from cleaners.registry import CLEANER_NAMES

CASES_ALL = all_cases()
CLEANERS_WITH_CASES = sorted({p.parent.name for p in case_files()})
# The language packs of issue 3: these cleaners have rules and cases in each of these languages.
LANGS = ("en", "zh", "ja", "ko", "de", "fr", "es", "pt", "it", "ru")
LANGUAGE_PACKS = (
    "cookie_banner",
    "license_line",
    "advertisement",
    "image_caption",
    "site_chrome",
    "newsletter_prompt",
    "social_prompt",
    "comments_widget",
    "related_links",
)


@pytest.mark.parametrize("cleaner, case", [pytest.param(c, case, id=i) for c, i, case in CASES_ALL])
def test_case(cleaner, case):
    check_case(cleaner, case)


@pytest.mark.parametrize("cleaner, case", [pytest.param(c, case, id=i) for c, i, case in CASES_ALL])
def test_case_lookalikes_survive_with_the_quarantine_off(cleaner, case):
    check_keeps_without_quarantine(cleaner, case)


@pytest.mark.parametrize(
    "case", [pytest.param(case, id=i) for _, i, case in CASES_ALL if case.get("all_cleaners", True)]
)
def test_case_lookalikes_survive_all_cleaners(case):
    check_keeps_with_all_cleaners(case)


def test_case_folders_name_packaged_cleaners():
    assert set(CLEANERS_WITH_CASES) <= set(CLEANER_NAMES)


@pytest.mark.parametrize("cleaner", CLEANER_NAMES)
def test_every_cleaner_has_cases(cleaner):
    # repeated_line needs corpus counts, not one text: tests/test_repeated_line.py holds its tests.
    if cleaner != "repeated_line":
        assert load_cases(cleaner), f"no cases in {CASES / cleaner}"


@pytest.mark.parametrize("path", case_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_case_file_has_lookalike_lines_to_keep(path):
    assert any(kept_lines(case) for _, case in load_cases(path.parent.name) if _.startswith(path.stem + ":"))


@pytest.mark.parametrize("cleaner", CLEANERS_WITH_CASES)
def test_every_rule_fires_in_some_case(cleaner):
    missing = unexercised_rules(cleaner)
    assert missing == set(), f"rules with no case that exercises them: {sorted(missing)}"


@pytest.mark.parametrize("cleaner", CLEANERS_WITH_CASES)
def test_every_language_of_a_rule_has_cases(cleaner):
    tagged = {lang for r in load_ruleset().spec(cleaner).rules for lang in r.lang.split(",") if lang}
    assert tagged <= {p.stem for p in (CASES / cleaner).glob("*.yaml")}


@pytest.mark.parametrize("cleaner", LANGUAGE_PACKS)
def test_language_packs_cover_every_language(cleaner):
    tagged = {lang for r in load_ruleset().spec(cleaner).rules for lang in r.lang.split(",")}
    assert tagged >= set(LANGS)
    assert {p.stem for p in (CASES / cleaner).glob("*.yaml")} >= set(LANGS)
