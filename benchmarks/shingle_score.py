"""The article-extraction benchmark's score: 4-token shingle overlap per page, averaged over pages.

Tokens are runs of `\\w+`; each text becomes the multiset of its 4-token shingles (a text shorter
than 4 tokens is one shingle). Per page tp/fp/fn are the multiset overlaps, divided by their sum
so every page weighs the same; precision and recall are averaged over pages and F1 is taken from
the averages. A page with no prediction and no truth counts 1 in both averages.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

TOKEN = re.compile(r"\w+")
SHINGLE = 4


def shingles(text: str | None, n: int = SHINGLE) -> Counter:
    """The multiset of n-token shingles of a text (empty for a text with no token)."""
    tokens = TOKEN.findall(text or "")
    if not tokens:
        return Counter()
    if len(tokens) < n:
        return Counter([tuple(tokens)])
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


@dataclass(frozen=True, slots=True)
class PageScore:
    """One page's normalised overlap: tp + fp + fn == 1, or all three 0 when both texts are empty."""

    tp: float
    fp: float
    fn: float

    @property
    def precision(self) -> float:
        if self.fp == self.fn == 0:
            return 1.0  # a perfect page, or no prediction and no truth
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        if self.fp == self.fn == 0:
            return 1.0
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0


def score_page(truth: str | None, prediction: str | None) -> PageScore:
    """tp/fp/fn of one page's prediction against its truth, as fractions of their sum."""
    t, p = shingles(truth), shingles(prediction)
    tp = sum((t & p).values())
    fp = sum((p - t).values())
    fn = sum((t - p).values())
    total = tp + fp + fn
    if total == 0:
        return PageScore(0.0, 0.0, 0.0)
    return PageScore(tp / total, fp / total, fn / total)


@dataclass(frozen=True, slots=True)
class Score:
    precision: float
    recall: float
    f1: float
    pages: int


def score_pages(pages: Iterable[PageScore]) -> Score:
    """Precision and recall averaged over pages, and F1 of the two averages."""
    pages = list(pages)
    if not pages:
        raise ValueError("no pages to score")
    p = sum(s.precision for s in pages) / len(pages)
    r = sum(s.recall for s in pages) / len(pages)
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return Score(p, r, f1, len(pages))
