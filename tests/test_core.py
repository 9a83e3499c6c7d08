"""Removals are exact: applying them and restoring gives the original back, on any text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaners import Removal, apply_removals, clean_text, load_ruleset, restore
from cleaners.core import check_removals
from cleaners.text import split_lines

# Text built from pieces that stress line handling: CRLF, lone CR, tabs, trailing spaces,
# emoji, CJK, and lines the default rules match.
PIECES = st.sampled_from(
    [
        "\n",
        "\r\n",
        "\r",
        "\t",
        "  ",
        " \n",
        "Advertisement",
        "CFP",
        "/VCG",
        "I agree",
        "By continuing to browse our site you agree to our use of cookies.",
        "互联网新闻信息许可证10120180008",
        "版权所有",
        "😀",
        "日本語の記事",
        "기사",
        "Photo: Reuters",
        "The council met on Tuesday.",
        "chocolate chip cookies",
        "",
        "©",
        "\u2028",
        "\x0c",
    ]
)
TEXTS = st.one_of(st.text(), st.lists(PIECES, max_size=40).map("".join))

RULESET = load_ruleset()


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_restore_inverts_cleaning(text):
    result = clean_text(text, RULESET)
    check_removals(text, result.removals)
    assert restore(result.cleaned, result.removals) == text
    assert apply_removals(text, result.removals) == result.cleaned


@settings(max_examples=300, deadline=None)
@given(st.text(), st.data())
def test_restore_arbitrary_spans(text, data):
    # Any set of non-overlapping spans, not only what the rules produce.
    cuts = sorted(data.draw(st.lists(st.integers(0, len(text)), max_size=8)))
    removals = [Removal(a, b, "test", "span", text[a:b]) for a, b in zip(cuts[::2], cuts[1::2], strict=False)]
    assert restore(apply_removals(text, removals), removals) == text


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_lines_cover_text_exactly(text):
    lines = split_lines(text)
    assert "".join(text[ln.start : ln.end] for ln in lines) == text
    for ln in lines:
        assert "\n" not in ln.content and "\r" not in ln.content


def test_shadow_removals_do_not_act():
    text = "a\nb\n"
    r = Removal(0, 2, "x", "y", "a\n", shadow=True)
    assert apply_removals(text, [r]) == text
    assert restore(text, [r]) == text


def test_check_removals_rejects_overlap_and_mismatch():
    text = "abcdef"
    with pytest.raises(ValueError, match="overlaps"):
        check_removals(text, [Removal(0, 3, "x", "y", "abc"), Removal(2, 4, "x", "y", "cd")])
    with pytest.raises(ValueError, match="does not match"):
        check_removals(text, [Removal(0, 2, "x", "y", "zz")])


@pytest.mark.parametrize(
    "text,expected",
    [
        # one blank line survives between paragraphs
        ("A\n\nAdvertisement\n\nB\n", "A\n\nB\n"),
        ("A\r\n\r\nAdvertisement\r\n\r\nB\r\n", "A\r\n\r\nB\r\n"),
        ("A\rAdvertisement\rB", "A\rB"),
        # a removal at the very end of a file with no final newline leaves no trailing blank line
        ("A\n\nAdvertisement", "A"),
        ("A\nAdvertisement\n", "A\n"),
        ("Advertisement\n\nA\n", "A\n"),
    ],
)
def test_blank_line_tidying(text, expected):
    result = clean_text(text, RULESET)
    assert result.cleaned == expected
    assert restore(result.cleaned, result.removals) == text
    assert all(r.cleaner == "advertisement" for r in result.removals)


def test_status_is_typed_and_serialisation_is_unchanged():
    from cleaners import Status

    acting, shadow, held = (
        Removal(0, 1, "c", "r", "a"),
        Removal(0, 1, "c", "r", "a", shadow=True),
        Removal(0, 1, "c", "r", "a", shadow=True, held="why"),
    )
    assert [r.status for r in (acting, shadow, held)] == [Status.ACTING, Status.SHADOW, Status.HELD]
    assert acting.to_dict() == {
        "start": 0,
        "end": 1,
        "cleaner": "c",
        "rule": "r",
        "text": "a",
        "shadow": False,
    }
    assert "status" not in held.to_dict() and held.to_dict()["held"] == "why"


def test_removals_own_init_takes_every_field_in_order():
    """Removal spells out its __init__ (speed): its parameters are the fields, in order, with their defaults,
    and each value lands in its own field, by position or by name."""
    import dataclasses
    import inspect

    params = list(inspect.signature(Removal).parameters.values())
    fields = dataclasses.fields(Removal)
    assert [p.name for p in params] == [f.name for f in fields]
    assert [p.default for p in params] == [
        inspect.Parameter.empty if f.default is dataclasses.MISSING else f.default for f in fields
    ]
    values = [3, 9, "c", "r", "t", True, "s", "d", "h", "risky", ("why",)]
    by_position = Removal(*values)
    by_name = Removal(**{f.name: v for f, v in zip(fields, values, strict=True)})
    assert dataclasses.astuple(by_position) == dataclasses.astuple(by_name) == tuple(values)
    assert dataclasses.replace(by_position, start=4).start == 4 and by_position.start == 3
    with pytest.raises(dataclasses.FrozenInstanceError):
        by_position.start = 5  # type: ignore[misc]


def test_the_package_names_resolve_on_first_use():
    # cleaners/__init__.py imports its names on first use: each one in __all__ is the defining module's.
    import importlib
    import subprocess
    import sys

    import cleaners

    for name in cleaners.__all__:
        value = getattr(cleaners, name)
        assert importlib.import_module(value.__module__).__dict__[name] is value
    assert set(cleaners.__all__) <= set(dir(cleaners))
    with pytest.raises(AttributeError):
        cleaners.no_such_name  # noqa: B018
    star = "from cleaners import *; print(clean_text.__module__, load_ruleset.__module__)"
    proc = subprocess.run([sys.executable, "-c", star], capture_output=True, text=True, check=True)
    assert proc.stdout.split() == ["cleaners.engine", "cleaners.config"]
