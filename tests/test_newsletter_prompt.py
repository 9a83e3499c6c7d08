"""newsletter_prompt: sign-up and subscribe prompts go; sentences about subscribing stay."""

import pytest

from casefiles import case_params, check_case


@pytest.mark.parametrize("case", case_params("newsletter_prompt"))
def test_newsletter_prompt_cases(case):
    check_case("newsletter_prompt", case)
