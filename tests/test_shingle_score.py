"""The benchmark's score itself, on examples small enough to count by hand."""

from __future__ import annotations

import pytest

from benchmarks.article_quality import in_truth
from benchmarks.shingle_score import score_page, score_pages, shingles


def test_shingles_are_4_token_multisets():
    assert shingles("a b c d e") == {("a", "b", "c", "d"): 1, ("b", "c", "d", "e"): 1}
    # Punctuation and line breaks only separate tokens; a repeated run counts twice.
    assert shingles("a, b\nc d a b c d")[("a", "b", "c", "d")] == 2
    assert shingles("only three words") == {("only", "three", "words"): 1}
    assert shingles("") == {} and shingles(None) == {} and shingles("— !") == {}


def test_page_counts_are_multiset_overlaps_normalised():
    # truth: abcd bcde cdef; prediction: abcd bcde cdex -> tp 2, fp 1, fn 1, each over 4.
    s = score_page("a b c d e f", "a b c d e x")
    assert (s.tp, s.fp, s.fn) == (0.5, 0.25, 0.25)
    assert s.precision == pytest.approx(2 / 3) and s.recall == pytest.approx(2 / 3)


def test_repeats_are_counted_as_a_multiset():
    # truth: abcd; prediction "a b c d a b c d": abcd x2, bcda, cdab, dabc -> tp 1, fp 4, fn 0, over 5.
    s = score_page("a b c d", "a b c d a b c d")
    assert (s.tp, s.fp, s.fn) == (0.2, 0.8, 0.0)
    assert s.precision == pytest.approx(0.2) and s.recall == 1.0


def test_empty_cases():
    both = score_page("", "")
    assert (both.precision, both.recall) == (1.0, 1.0)  # no prediction and no truth counts 1
    none = score_page("a b c d", "")
    assert (none.precision, none.recall) == (0.0, 0.0)
    extra = score_page("", "a b c d")
    assert (extra.precision, extra.recall) == (0.0, 0.0)


def test_averages_over_pages_then_f1():
    pages = [
        score_page("a b c d e f", "a b c d e x"),
        score_page("a b c d", "a b c d a b c d"),
        score_page("", ""),
    ]
    total = score_pages(pages)
    p = (2 / 3 + 0.2 + 1) / 3
    r = (2 / 3 + 1 + 1) / 3
    assert total.precision == pytest.approx(p) and total.recall == pytest.approx(r)
    assert total.f1 == pytest.approx(2 * p * r / (p + r))
    with pytest.raises(ValueError):
        score_pages([])


def test_in_truth_for_short_and_long_lines():
    truth = "The council met on Monday. It voted to close the old harbour bridge for repairs."
    assert in_truth("The council met", truth)
    assert not in_truth("council Monday", truth)  # words not in a run
    assert in_truth("It voted to close the old harbour bridge", truth)
    assert not in_truth("Sign up for our newsletter today", truth)
    assert not in_truth("—", truth)
    assert not in_truth("It:", truth)  # one word: only a line of the truth counts
    assert in_truth("Monday", "Heading\nMonday\nText.")
