"""site_chrome: language pickers, translate-widget notices, search trends, hotlines and reading times go; sentences on those topics stay."""

import pytest

from casefiles import check_case, load_cases


@pytest.mark.parametrize("case", [c for _, c in load_cases("site_chrome")], ids=[i for i, _ in load_cases("site_chrome")])
def test_site_chrome_cases(case):
    check_case("site_chrome", case)
