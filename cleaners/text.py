"""Splitting a document into lines with exact offsets; CRLF, LF and lone CR all end a line."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import cached_property

# Only the three real line endings: str.splitlines() would also split on \x0b, \x0c, \u2028 ...,
# which scraped text contains inside paragraphs.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a document: [start, end) includes the terminator, [start, content_end) does not."""

    index: int
    start: int
    content_end: int
    end: int
    content: str  # the line without terminator, not stripped

    @property
    def stripped(self) -> str:
        return self.content.strip()

    @property
    def is_blank(self) -> bool:
        return not self.content.strip()


def split_lines(text: str) -> list[Line]:
    """All lines of text, in order; concatenating text[l.start:l.end] gives text back."""
    lines = []
    for i, m in enumerate(_LINE.finditer(text)):
        raw = m.group()
        n = len(raw)
        if raw.endswith("\r\n"):
            n -= 2
        elif raw.endswith(("\n", "\r")):
            n -= 1
        lines.append(Line(i, m.start(), m.start() + n, m.end(), raw[:n]))
    return lines


class Document:
    """A text and its lines, split once and shared by every cleaner."""

    __slots__ = ("text", "source", "lines", "__dict__")

    def __init__(self, text: str, source: str = "", domain: str = "", titles: tuple[str, ...] = ()):
        self.text = text
        self.source = source  # e.g. the relative path or domain, for per-source rules
        self.domain = domain  # the page's domain (HTML metadata), for per-source rules by domain
        self.titles = tuple(titles)  # the page's titles when the text was extracted from HTML, else ()
        self.lines = split_lines(text)
        self.regex_timeout: float | None = None  # seconds per search, None for no limit (the engine sets the ruleset's)
        self.timed_out: dict[str, None] = {}  # "cleaner/rule" keys given up on in this document, in order

    @cached_property
    def _starts(self) -> list[int]:
        return [ln.start for ln in self.lines]

    def line_at(self, offset: int) -> Line:
        """The line containing character offset."""
        return self.lines[max(0, bisect.bisect_right(self._starts, offset) - 1)]


def search(doc: Document | None, key: str, pattern, s: str):
    """pattern.search(s) under the document's time limit; None once `key` has run over in this document."""
    if doc is None or doc.regex_timeout is None:
        return pattern.search(s)  # no limit: timeout= costs ~2 us per call even when never reached
    if key in doc.timed_out:
        return None
    try:
        return pattern.search(s, timeout=doc.regex_timeout)
    except TimeoutError:
        # Catastrophic backtracking: give the rule up for this document rather than hang the run.
        doc.timed_out[key] = None
        return None


def line_number(text_line_starts: list[int], offset: int) -> int:
    """1-based line number of offset given the sorted list of line starts."""
    return max(1, bisect.bisect_right(text_line_starts, offset))
