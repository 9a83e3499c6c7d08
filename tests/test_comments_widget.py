"""comments_widget: comment-section labels, counters and policy notes go; sentences about comments stay."""

import pytest

from casefiles import check_case, load_cases


@pytest.mark.parametrize("case", [c for _, c in load_cases("comments_widget")], ids=[i for i, _ in load_cases("comments_widget")])
def test_comments_widget_cases(case):
    check_case("comments_widget", case)
