"""related_links beyond its cases (tests/cases/related_links): its options and the header role."""

from cleaners import clean_text, restore, ruleset_from_mapping


def _removed(text, options=None):
    ruleset = ruleset_from_mapping({"cleaners": {"related_links": {"options": options or {}}}}, "<test>")
    result = clean_text(text, ruleset)
    assert restore(result.cleaned, result.removals) == text
    return [r for r in result.acting if r.cleaner == "related_links"]


HEADLINES = "\n".join(f"Headline number {i} about the city council vote" for i in range(10))


def test_headline_count_is_bounded_by_max_headlines():
    removed = _removed(f"Related stories\n{HEADLINES}\n", {"max_headlines": 3})
    assert [r.text.strip() for r in removed] == ["Related stories"] + [
        f"Headline number {i} about the city council vote" for i in range(3)
    ]


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


def test_not_headline_end_is_a_yaml_option():
    text = "Related\nCouncil approves the new budget for schools!\n"
    assert len(_removed(text)) == 2
    assert len(_removed(text, {"not_headline_end": "[.:;,!]$"})) == 1


def test_a_rule_with_role_header_takes_the_headlines_under_it():
    lines = "Further coverage\nCouncil approves the new budget for schools\n"
    plain = {"rules": [{"name": "further", "pattern": "^Further coverage$"}]}
    header = {"rules": [{"name": "further", "pattern": "^Further coverage$", "role": "header"}]}
    assert len([r for r in _removed_with(lines, plain)]) == 1
    assert len([r for r in _removed_with(lines, header)]) == 2


def test_the_name_alone_no_longer_makes_a_header():
    section = {"rules": [{"name": "further header", "pattern": "^Further coverage$"}]}
    assert len(_removed_with("Further coverage\nCouncil approves the new budget for schools\n", section)) == 1


def _removed_with(text, section):
    result = clean_text(text, ruleset_from_mapping({"cleaners": {"related_links": section}}, "<test>"))
    return [r for r in result.acting if r.cleaner == "related_links"]
