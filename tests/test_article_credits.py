"""article_credits: newsroom credits under a story go, sentences about reporting and editing stay."""

import pytest

from casefiles import check_case, load_cases


@pytest.mark.parametrize("case", [c for _, c in load_cases("article_credits")], ids=[i for i, _ in load_cases("article_credits")])
def test_article_credits_cases(case):
    check_case("article_credits", case)
