"""comments_widget: comment-section labels, counters and policy notes go; sentences about comments stay."""

import pytest

from casefiles import case_params, check_case


@pytest.mark.parametrize("case", case_params("comments_widget"))
def test_comments_widget_cases(case):
    check_case("comments_widget", case)
