"""social_prompt: follow-us and share prompts go; sentences that mention a network stay."""

import pytest

from casefiles import check_case, load_cases


@pytest.mark.parametrize("case", [c for _, c in load_cases("social_prompt")], ids=[i for i, _ in load_cases("social_prompt")])
def test_social_prompt_cases(case):
    check_case("social_prompt", case)
