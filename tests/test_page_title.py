"""page_title: the page's headline repeated at the top of extracted text goes; nothing else does."""

from __future__ import annotations

from casefiles import ruleset_only
from cleaners import clean_text, restore

TITLE = "Harbour bridge reopens after two years of repairs"


def removed(text: str, *titles: str) -> list[str]:
    result = clean_text(text, ruleset_only("page_title"), titles=titles)
    assert restore(result.cleaned, result.removals) == text
    return [r.text.strip() for r in result.acting]


def test_leading_title_line_removed():
    text = f"{TITLE}\nThe old harbour bridge reopened on Monday.\n"
    assert removed(text, TITLE) == [TITLE]


def test_title_matches_on_words_not_punctuation_or_case():
    text = "HARBOUR BRIDGE REOPENS — after two years of repairs!\nBody.\n"
    assert removed(text, TITLE) == ["HARBOUR BRIDGE REOPENS — after two years of repairs!"]


def test_site_suffix_of_the_title_ignored():
    text = f"{TITLE}\nBody.\n"
    assert removed(text, f"{TITLE} | The Harbour Times") == [TITLE]
    assert removed(text, f"{TITLE} - Harbour News | Local | Harbour Times") == [TITLE]
    # Any of the page's titles (metadata, <title>, og:title) may be the one printed.
    assert removed(text, "Bridge row seems to be over", f"{TITLE} - Harbour News") == [TITLE]


def test_one_word_title_never_matches():
    assert removed("News\nBody.\n", "News") == []
    assert removed("News\nBody.\n", "News | Harbour Times") == []


def test_kicker_before_title_allowed_but_not_deeper():
    assert removed(f"Review\n{TITLE}\nBody.\n", TITLE) == [TITLE]
    assert removed(f"One.\nTwo.\n{TITLE}\n", TITLE) == []


def test_keeps_title_words_inside_a_sentence_and_text_without_title():
    text = f"{TITLE}, the council said on Monday.\nBody.\n"
    assert removed(text, TITLE) == []
    assert removed(f"{TITLE}\nBody.\n") == []  # plain text inputs have no title
    assert removed(f"Body first.\n{TITLE}\n", TITLE[:20]) == []


def test_only_the_first_copy_goes():
    text = f"{TITLE}\nBody.\n{TITLE}\n"
    assert removed(text, TITLE) == [TITLE]
