"""social_prompt: follow-us and share prompts go; sentences that mention a network stay."""

import pytest

from casefiles import case_params, check_case


@pytest.mark.parametrize("case", case_params("social_prompt"))
def test_social_prompt_cases(case):
    check_case("social_prompt", case)
