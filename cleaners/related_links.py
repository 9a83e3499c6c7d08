"""Related-story lists: a "Read more:" / "Related" / "See also" header and the short headlines under it,
and single-line "Read more: <headline>" teasers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import regex

from .base import PatternCleaner
from .core import Removal
from .fastmatch import RuleGate
from .text import Document

# A rule with this role starts a block: the header line goes, and so do the headline lines that
# follow it. Any other rule removes its own line only.
HEADER = "header"

ELLIPSIS_END = regex.compile(r"(?:\.\.\.|…)$")  # "Read more about it..." ends in dots and is still a headline
_WORD = regex.compile(r"[\p{L}\p{N}]+")
# Han, kana and Hangul runs are counted by characters: those scripts do not separate words by spaces.
_CJK = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}]")


class RelatedLinksCleaner(PatternCleaner):
    """Header rules (`role: header`) take the headline lines after them; other rules take one line."""

    ROLES = (HEADER,)
    OPTION_TYPES = {
        "not_headline_end": regex.Pattern,  # a line it is found in is a sentence or lead-in, not a headline
        "max_headlines": int,  # at most this many headline lines follow one header
        "max_headline_chars": int,  # a longer line is article text and ends the list
        "min_headline_words": int,  # fewer words (e.g. "Leave a Reply") is a widget label, not a headline
        "min_headline_cjk_chars": int,  # the same floor for Chinese, Japanese and Korean lines
        "max_blank_gap": int,  # more blank lines than this between headlines ends the list
    }

    def __init__(self, spec: Any):
        super().__init__(spec)
        self.max_headlines = spec.option("max_headlines", 6)
        self.max_headline_chars = spec.option("max_headline_chars", 120)
        self.min_headline_words = spec.option("min_headline_words", 4)
        self.min_headline_cjk_chars = spec.option("min_headline_cjk_chars", 6)
        self.max_blank_gap = spec.option("max_blank_gap", 1)
        self.not_headline_end = regex.compile(spec.option("not_headline_end"))  # related_links.yaml holds it

    def is_headline(self, stripped: str) -> bool:
        """A short line that reads like a headline: enough words, no sentence or lead-in ending."""
        if not stripped or len(stripped) > self.max_headline_chars:
            return False
        if self.not_headline_end.search(stripped) and not ELLIPSIS_END.search(stripped):
            return False
        cjk = len(_CJK.findall(stripped))
        if cjk >= self.min_headline_cjk_chars:
            return True
        return len(_WORD.findall(stripped)) >= self.min_headline_words

    def idle(self, doc: Document) -> bool:
        self._prepare()
        return not self._all_gate.may_hit(doc)  # its own windows: every rule, near or not

    def plan_gate(self) -> RuleGate | None:
        self._prepare()
        return None if self._all_gate.rest else self._all_gate

    def removals_at(self, doc: Document, by_line: dict[int, tuple]) -> Iterator[Removal]:
        return self._removals(doc, (by_line, ()))

    def find_removals(self, doc: Document) -> Iterator[Removal]:
        # Every rule, near or not: this cleaner has its own windows.
        return self._removals(doc, self.candidates(doc, self._all_gate))

    def _removals(self, doc: Document, rules: tuple[dict[int, tuple], tuple]) -> Iterator[Removal]:
        limit = self.spec.max_chars
        by_line, rest = rules
        stripped = doc.stripped
        taken: set[int] = set()
        resume = 0  # lines before this were taken as headlines
        for i in range(len(stripped)) if rest else sorted(by_line):
            s = stripped[i]
            if i < resume or i in taken or not s or len(s) > limit:
                continue
            rule = self.match_at(doc, i, s, rules)
            if rule is None:
                continue
            taken.add(i)
            yield self.line_removal(doc, i, rule)
            if rule.role == HEADER:
                last = i
                for index in self._headlines_after(doc, i, rules):
                    taken.add(index)
                    last = index
                    yield self.line_removal(doc, index, rule, detail=f"headline under {s!r}")
                resume = last + 1

    def _headlines_after(self, doc: Document, i: int, rules) -> list[int]:
        """The indexes of the headline lines after the header at line i, up to the first that is not one."""
        out: list[int] = []
        blanks = 0
        stripped = doc.stripped
        for index in range(i + 1, len(stripped)):
            s = stripped[index]
            if not s:
                blanks += 1
                if blanks > self.max_blank_gap:
                    break
                continue
            blanks = 0
            # Another header or teaser is its own match; a non-headline line is the article resuming.
            if (
                len(out) >= self.max_headlines
                or self.match_at(doc, index, s, rules) is not None
                or not self.is_headline(s)
            ):
                break
            out.append(index)
        return out


CLEANER = RelatedLinksCleaner
