"""license_line: licence numbers and copyright notices go, sentences about copyright stay."""

import pytest

from casefiles import case_params, check_case
from casefull import check_keeps_with_all_cleaners


@pytest.mark.parametrize("case", case_params("license_line"))
def test_license_line_cases(case):
    check_case("license_line", case)


@pytest.mark.parametrize("case", case_params("license_line"))
def test_license_line_lookalikes_survive_all_cleaners(case):
    check_keeps_with_all_cleaners(case)
