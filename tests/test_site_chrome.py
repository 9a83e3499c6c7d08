"""site_chrome: language pickers, translate-widget notices, search trends, hotlines and reading times go; sentences on those topics stay."""

import pytest

from casefiles import case_params, check_case


@pytest.mark.parametrize("case", case_params("site_chrome"))
def test_site_chrome_cases(case):
    check_case("site_chrome", case)
