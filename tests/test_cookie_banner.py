"""cookie_banner: consent banners, titles and buttons go, articles about cookies stay."""

import pytest

from casefiles import check_case, load_cases
from casefull import check_keeps_with_all_cleaners


@pytest.mark.parametrize("case", [c for _, c in load_cases("cookie_banner")], ids=[i for i, _ in load_cases("cookie_banner")])
def test_cookie_banner_cases(case):
    check_case("cookie_banner", case)


@pytest.mark.parametrize("case", [c for _, c in load_cases("cookie_banner")], ids=[i for i, _ in load_cases("cookie_banner")])
def test_cookie_banner_lookalikes_survive_all_cleaners(case):
    check_keeps_with_all_cleaners(case)
