"""duplicate_line beyond its cases (tests/cases/duplicate_line): its options, offsets and details."""

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
