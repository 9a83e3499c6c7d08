"""related_links: related-story headers with their headline lists, and "Read more: <headline>" teasers."""

import pytest

from casefiles import case_params, check_case
from cleaners import clean_text, restore, ruleset_from_mapping



@pytest.mark.parametrize("case", case_params("related_links"))
def test_related_links_cases(case):
    check_case("related_links", case)


def _removed(text, options=None):
    ruleset = ruleset_from_mapping({"cleaners": {"related_links": {"options": options or {}}}}, "<test>")
    result = clean_text(text, ruleset)
    assert restore(result.cleaned, result.removals) == text
    return [r for r in result.acting if r.cleaner == "related_links"]


HEADLINES = "\n".join(f"Headline number {i} about the city council vote" for i in range(10))


def test_headline_count_is_bounded_by_max_headlines():
    removed = _removed(f"Related stories\n{HEADLINES}\n", {"max_headlines": 3})
    assert [r.text.strip() for r in removed] == ["Related stories"] + [f"Headline number {i} about the city council vote" for i in range(3)]


def test_headlines_are_credited_to_the_header_rule_with_detail():
    removed = _removed("Read more:\nCouncil approves the new budget for schools\n")
    assert {r.rule for r in removed} == {"related header"}
    assert removed[1].detail == "headline under 'Read more:'"


def test_a_blank_gap_longer_than_max_blank_gap_ends_the_list():
    text = "See also\n\nFirst related headline about the vote\n\n\nSecond related headline about the vote\n"
    assert len(_removed(text)) == 2
    assert len(_removed(text, {"max_blank_gap": 2})) == 3


def test_min_headline_words_is_an_option():
    text = "Related\nCouncil vote delayed\n"
    assert len(_removed(text)) == 1
    assert len(_removed(text, {"min_headline_words": 3})) == 2
