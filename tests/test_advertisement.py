"""advertisement: ad markers go, sentences about advertising stay."""

import pytest

from casefiles import case_params, check_case
from casefull import check_keeps_with_all_cleaners


@pytest.mark.parametrize("case", case_params("advertisement"))
def test_advertisement_cases(case):
    check_case("advertisement", case)


@pytest.mark.parametrize("case", case_params("advertisement"))
def test_advertisement_lookalikes_survive_all_cleaners(case):
    check_keeps_with_all_cleaners(case)
