"""The page's own title repeated as one of the first lines of text extracted from HTML."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import regex

from .base import Cleaner
from .core import Removal
from .text import Document

WORDS = regex.compile(r"\w+")
RULE = "leading line repeats the page title"


def title_words(s: str) -> tuple[str, ...]:
    """A line's or title's words, case-folded: what title_forms holds and a line is compared by."""
    return tuple(w.casefold() for w in WORDS.findall(s))


def title_forms(titles: tuple[str, ...], separator: Any) -> set[tuple[str, ...]]:
    """Each title's words, whole and with trailing " | Site" parts (at `separator`) cut off one by one."""
    forms = set()
    for title in titles:
        forms.add(title_words(title))
        for m in separator.finditer(title):
            forms.add(title_words(title[: m.start()]))
    # A one-word title ("Home", "News") would match too many lines to mean anything.
    return {f for f in forms if len(f) >= 2}


class PageTitleCleaner(Cleaner):
    """Removes one of the first `lines` non-blank lines when its words are exactly a page title's.

    Only text extracted from HTML has titles (Document.titles); plain text inputs are never touched.
    """

    OPTION_TYPES = {"lines": int, "separator": regex.Pattern}

    def __init__(self, spec: Any):
        super().__init__(spec)
        self.separator = regex.compile(spec.option("separator"))  # page_title.yaml holds the pattern

    def idle(self, doc: Document) -> bool:
        return not doc.titles  # plain text inputs have no page title

    def find_removals(self, doc: Document) -> Iterator[Removal]:
        forms = title_forms(doc.titles, self.separator)
        if not forms:
            return
        limit = self.spec.option("lines", 2)
        seen = 0
        for line in doc.lines:
            if line.is_blank:
                continue
            seen += 1
            if seen > limit or len(line.stripped) > self.spec.max_chars:
                return
            if title_words(line.content) in forms:
                yield Removal(
                    line.start,
                    line.end,
                    self.name,
                    RULE,
                    doc.text[line.start : line.end],
                    shadow=self.spec.mode == "shadow",
                    detail=f"page title: {doc.titles[0]}",
                )
                return


CLEANER = PageTitleCleaner
