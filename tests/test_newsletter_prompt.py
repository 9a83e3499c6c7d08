"""newsletter_prompt: sign-up and subscribe prompts go; sentences about subscribing stay."""

import pytest

from casefiles import check_case, load_cases


@pytest.mark.parametrize("case", [c for _, c in load_cases("newsletter_prompt")], ids=[i for i, _ in load_cases("newsletter_prompt")])
def test_newsletter_prompt_cases(case):
    check_case("newsletter_prompt", case)
