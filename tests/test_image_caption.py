"""image_caption: photo credits and credited captions go, sentences about photos stay."""

import pytest

from casefiles import case_params, check_case
from casefull import check_keeps_with_all_cleaners


@pytest.mark.parametrize("case", case_params("image_caption"))
def test_image_caption_cases(case):
    check_case("image_caption", case)


@pytest.mark.parametrize("case", case_params("image_caption"))
def test_image_caption_lookalikes_survive_all_cleaners(case):
    check_keeps_with_all_cleaners(case)
