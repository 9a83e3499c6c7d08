"""trafilatura-eval's score, as its README (and trafilatura's tests/eval_common.py) gives it.

Every run of white space becomes one space in snippets and output; a snippet is present when it is a
substring of the output. Over pages: tp = `with` present, fn = `with` absent, fp = `without` present,
tn = `without` absent; P = tp/(tp+fp), R = tp/(tp+fn), F1 from those. No output: every snippet absent.

A removed line is article text (a false removal) when it does not hold a `without` snippet and it
overlaps a `with` snippet: it contains one, or it is inside one and at least MIN_PART_CHARS long
(a short line such as "Share" is inside some paragraph by chance). Any other removed line is a true
removal: the suite does not list every line, so a line in neither list counts as not article text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_SPACE = re.compile(r"\s+")
MIN_PART_CHARS = 20


def collapse(text: str | None) -> str:
    """White-space runs to one space, ends trimmed (what eval_common.py compares)."""
    return _SPACE.sub(" ", text or "").strip()


@dataclass(frozen=True, slots=True)
class Counts:
    tp: int = 0
    fn: int = 0
    fp: int = 0
    tn: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.tp + other.tp, self.fn + other.fn, self.fp + other.fp, self.tn + other.tn)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def score_snippets(entry: dict, output: str | None) -> Counts:
    """One page's counts: entry is its evaldata.json value ({"with": [...], "without": [...]})."""
    out = collapse(output)
    present = [bool(out) and collapse(s) in out for s in entry.get("with", [])]
    absent = [not (bool(out) and collapse(s) in out) for s in entry.get("without", [])]
    return Counts(
        tp=sum(present), fn=len(present) - sum(present), fp=len(absent) - sum(absent), tn=sum(absent)
    )


def total(counts: Iterable[Counts]) -> Counts:
    out = Counts()
    for c in counts:
        out = out + c
    return out


def _overlaps(line: str, snippet: str) -> bool:
    return bool(snippet) and (snippet in line or (len(line) >= MIN_PART_CHARS and line in snippet))


def is_article_line(line: str, entry: dict) -> bool:
    """Whether a removed line is article text by the page's snippets (see the module docstring)."""
    s = collapse(line)
    if not s or any(_overlaps(s, collapse(w)) for w in entry.get("without", [])):
        return False
    return any(_overlaps(s, collapse(w)) for w in entry.get("with", []))
