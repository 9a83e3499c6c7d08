"""The page's own title repeated as the first line of text extracted from HTML."""

from __future__ import annotations

from typing import Iterator

import regex

from .base import Cleaner
from .core import Removal
from .text import Document

WORDS = regex.compile(r"\w+")
# Separators before a site name in a <title>: "Headline | Site", "Headline - Site", "Headline — Site".
SITE_SUFFIX = regex.compile(r"\s+[|\-–—·:]\s+[^|\-–—·:]{1,60}$")
RULE = "leading line repeats the page title"


def _words(s: str) -> tuple[str, ...]:
    return tuple(w.casefold() for w in WORDS.findall(s))


class PageTitleCleaner(Cleaner):
    """Removes one of the first `lines` non-blank lines when its words are exactly the page title's.

    Only text extracted from HTML has a title (Document.title); plain text inputs are never touched.
    """

    OPTION_TYPES = {"lines": int}

    def find_removals(self, doc: Document) -> Iterator[Removal]:
        if not doc.title:
            return
        titles = {_words(doc.title)}
        # extract_metadata keeps some "Headline | Site" titles whole: the headline alone counts too.
        stripped = SITE_SUFFIX.sub("", doc.title)
        if stripped != doc.title:
            titles.add(_words(stripped))
        titles.discard(())
        limit = self.spec.option("lines", 2)
        seen = 0
        for line in doc.lines:
            if line.is_blank:
                continue
            seen += 1
            if seen > limit or len(line.stripped) > self.spec.max_chars:
                return
            if _words(line.content) in titles:
                yield Removal(
                    line.start,
                    line.end,
                    self.name,
                    RULE,
                    doc.text[line.start : line.end],
                    shadow=self.spec.mode == "shadow",
                    detail=f"page title: {doc.title}",
                )
                return


CLEANER = PageTitleCleaner
