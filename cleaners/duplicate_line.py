"""Short lines printed twice in one document (a caption repeated under its photo): later copies go."""

from __future__ import annotations

from collections.abc import Iterator
from operator import eq
from typing import Any

from .base import PatternCleaner
from .core import Removal
from .text import Document


class DuplicateLineCleaner(PatternCleaner):
    """A non-blank line whose stripped text equals an earlier line's within `max_distance` non-blank lines."""

    OPTION_TYPES = {
        "min_chars": int,  # shorter repeats ("Share", "|---|") are left to the label cleaners
        "max_distance": int,  # the copy must follow within this many non-blank lines of the first
    }

    def __init__(self, spec: Any):
        super().__init__(spec)
        self.min_chars = spec.option("min_chars", 20)
        self.max_distance = spec.option("max_distance", 1)

    def idle(self, doc: Document) -> bool:
        """True when no non-blank line equals one of the `max_distance` non-blank lines before it (the only
        repeats find_removals can take; compared in C), or no rule can match. 42% of the benchmark's
        documents repeat a line somewhere, 5% within one line: the walk of every line is skipped in the rest.
        """
        if not _close_repeat(list(filter(None, doc.stripped)), self.max_distance):
            return True
        self._prepare()
        return not self._all_gate.may_hit(doc)  # every rule is tried on a repeat, near or not

    def find_removals(self, doc: Document) -> Iterator[Removal]:
        rules = self.spec.rules
        limit = self.spec.max_chars  # the length bound: article paragraphs are never candidates
        last_seen: dict[str, int] = {}  # stripped text -> position among non-blank lines of its first copy
        pos = -1
        for index, s in enumerate(doc.stripped):
            if not s:
                continue
            pos += 1
            if not (self.min_chars <= len(s) <= limit):
                continue
            first = last_seen.get(s)
            rule = (
                self.match_line(s, rules, doc)
                if first is not None and pos - first <= self.max_distance
                else None
            )
            if rule is not None:
                yield self.line_removal(
                    doc,
                    index,
                    rule,
                    detail=f"repeats the line {pos - first} non-blank line(s) above",
                )
            last_seen[s] = pos  # a run of copies chains: each is measured from the one before it


def _close_repeat(lines: list[str], distance: int) -> bool:
    """True if some line equals one of the `distance` lines before it."""
    for d in range(1, distance + 1):
        if any(map(eq, lines, lines[d:])):  # operator.eq: ~2x faster than str.__eq__'s wrapper here
            return True
    return False


CLEANER = DuplicateLineCleaner
