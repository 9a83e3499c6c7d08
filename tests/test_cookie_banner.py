"""cookie_banner: consent banners, titles and buttons go, articles about cookies stay."""

import pytest

from casefiles import check_case, load_cases


@pytest.mark.parametrize("case", [c for _, c in load_cases("cookie_banner")], ids=[i for i, _ in load_cases("cookie_banner")])
def test_cookie_banner_cases(case):
    check_case("cookie_banner", case)
