"""license_line: licence numbers and copyright notices go, sentences about copyright stay."""

import pytest

from casefiles import check_case, load_cases


@pytest.mark.parametrize("case", [c for _, c in load_cases("license_line")], ids=[i for i, _ in load_cases("license_line")])
def test_license_line_cases(case):
    check_case("license_line", case)
