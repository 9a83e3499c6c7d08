"""duplicate_line beyond its cases (tests/cases/duplicate_line): its options, offsets and details."""

import copy
import functools

from hypothesis import given, settings
from hypothesis import strategies as st

from cleaners import clean_text, restore, ruleset_from_mapping


def _removed(text, section=None):
    only = {"cookie_banner", "license_line", "advertisement", "image_caption"}
    cleaners = {name: {"enabled": False} for name in only}
    cleaners["duplicate_line"] = section or {}
    result = clean_text(text, ruleset_from_mapping({"cleaners": cleaners}, "<test>"))
    assert restore(result.cleaned, result.removals) == text
    return [r for r in result.acting if r.cleaner == "duplicate_line"]


def test_every_later_copy_goes_and_the_first_stays():
    line = "Visitors walk past the new gallery in the old harbour."
    text = f"{line}\n{line}\n{line}\nThe gallery opens on Friday.\n"
    removed = _removed(text)
    assert [r.start for r in removed] == [len(line) + 1, 2 * (len(line) + 1)]
    assert removed[0].detail == "repeats the line 1 non-blank line(s) above"


def test_max_distance_and_min_chars_are_options():
    text = "A caption under the photo, twice.\nShort\nA caption under the photo, twice.\nShort\n"
    assert _removed(text) == []
    assert [r.text for r in _removed(text, {"options": {"max_distance": 2}})] == [
        "A caption under the photo, twice.\n"
    ]
    assert [r.text for r in _removed(text, {"options": {"max_distance": 2, "min_chars": 5}})] == [
        "A caption under the photo, twice.\n",
        "Short\n",
    ]


def test_a_line_longer_than_max_chars_is_never_a_candidate():
    line = "x" * 201
    assert _removed(f"{line}\n{line}\n") == []
    # Like every whole-line rule, the rule keeps the max_chars it was loaded with: raise both to widen it.
    wider = {"max_chars": 300, "rules": [{"name": "repeated short line", "max_chars": 300}]}
    assert len(_removed(f"{line}\n{line}\n", wider)) == 1


def test_blank_lines_are_never_removed():
    removed = _removed("Caption of the photo here.\n\n\n\nCaption of the photo here.\n")
    assert all(r.text.strip() == "Caption of the photo here." for r in removed)


def test_idle_only_without_a_repeated_line():
    """The engine skips duplicate_line in a document with no repeated non-blank line (blanks do not count)."""
    from cleaners import load_ruleset
    from cleaners.text import Document

    cleaner = [c for c in load_ruleset().cleaners if c.name == "duplicate_line"][0]
    caption = "A crowd gathers outside the court on Monday morning."
    assert cleaner.idle(Document(f"One line.\n\n\n{caption}\n\nAnother line.\n"))
    repeated = Document(f"{caption}\n{caption}\n")
    assert not cleaner.idle(repeated) and [r.start for r in cleaner.find_removals(repeated)] == [
        len(caption) + 1
    ]


@functools.cache
def _default_duplicate_cleaner():
    # Loaded once: load_ruleset() parses and builds every cleaner (~60 ms), the same for each example.
    from cleaners import load_ruleset

    return [c for c in load_ruleset().cleaners if c.name == "duplicate_line"][0]


def _duplicate_cleaner(max_distance: int):
    cleaner = copy.copy(_default_duplicate_cleaner())
    cleaner.max_distance = max_distance
    return cleaner


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(["", "  ", "A caption of twenty-odd characters.", "Short", "Another line here."]),
        max_size=12,
    ),
    st.integers(0, 3),
)
def test_idle_exactly_when_no_repeat_is_close_enough(lines, max_distance):
    """idle (a close repeat, compared in C) never skips a document find_removals takes a line from, and is
    idle whenever find_removals finds nothing for want of a close repeat."""
    from cleaners.text import Document

    doc = Document("\n".join(lines) + "\n")
    cleaner = _duplicate_cleaner(max_distance)
    found = list(cleaner.find_removals(doc))
    nonblank = [s.strip() for s in lines if s.strip()]
    close = any(
        nonblank[i] == nonblank[j]
        for i in range(len(nonblank))
        for j in range(i + 1, i + 1 + max_distance)
        if j < len(nonblank)
    )
    assert cleaner.idle(doc) == (not close)
    if found:
        assert close


def test_a_far_repeat_leaves_the_cleaner_idle():
    from cleaners.text import Document

    caption = "A crowd gathers outside the court on Monday morning."
    assert _duplicate_cleaner(1).idle(Document(f"{caption}\n\nOther text here.\n\n{caption}\n"))
    assert not _duplicate_cleaner(2).idle(Document(f"{caption}\n\nOther text here.\n\n{caption}\n"))
