"""advertisement: ad markers go, sentences about advertising stay."""

import pytest

from casefiles import check_case, load_cases
from casefull import check_keeps_with_all_cleaners


@pytest.mark.parametrize("case", [c for _, c in load_cases("advertisement")], ids=[i for i, _ in load_cases("advertisement")])
def test_advertisement_cases(case):
    check_case("advertisement", case)


@pytest.mark.parametrize("case", [c for _, c in load_cases("advertisement")], ids=[i for i, _ in load_cases("advertisement")])
def test_advertisement_lookalikes_survive_all_cleaners(case):
    check_keeps_with_all_cleaners(case)
