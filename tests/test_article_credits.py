"""article_credits: newsroom credits under a story go, sentences about reporting and editing stay."""

import pytest

from casefiles import case_params, check_case


@pytest.mark.parametrize("case", case_params("article_credits"))
def test_article_credits_cases(case):
    check_case("article_credits", case)
