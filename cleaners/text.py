"""Splitting a document into lines with exact offsets; CRLF, LF and lone CR all end a line."""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

import regex

# Only the three real line endings: str.splitlines() would also split on \x0b, \x0c, \u2028 ...,
# which scraped text contains inside paragraphs.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_REGEX_PATTERN = type(regex.compile("x"))


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


class _Lines(Sequence):
    """A document's lines as Line objects, each made the first time it is asked for.

    Most lines of a document are never looked at as objects (no rule matches them), so splitting
    only keeps offsets and contents; this saves a Python object per line on every document.
    """

    __slots__ = ("_starts", "_contents", "_size", "_made", "_all")

    def __init__(self, doc: Document):
        # The document's offsets, not the document: a reference back would make every Document a cycle
        # that only the garbage collector frees (its runs cost ~5% of the engine's time on 20,000 files).
        self._starts, self._contents, self._size = doc.line_starts, doc.contents, len(doc.text)
        self._made: dict[int, Line] = {}
        self._all: list[Line] | None = None

    def __len__(self) -> int:
        return len(self._contents)

    def _end(self, i: int) -> int:
        """Document.line_end(i)."""
        starts = self._starts
        return starts[i + 1] if i + 1 < len(starts) else self._size

    def __getitem__(self, i):
        if type(i) is int and i >= 0:  # the common case first: one line, by a non-negative index
            if self._all is not None:
                return self._all[i]
            line = self._made.get(i)
            if line is not None:
                return line
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("line index out of range")
        if self._all is not None:
            return self._all[i]
        line = self._made.get(i)
        if line is None:
            start = self._starts[i]
            content = self._contents[i]
            line = self._made[i] = Line(i, start, start + len(content), self._end(i), content)
        return line

    def __iter__(self):
        # A cleaner that walks every line gets them all made at once.
        if self._all is None:
            ends = self._starts[1:] + [self._size]
            made = self._made
            self._all = [
                made.get(i) or Line(i, start, start + len(content), end, content)
                for i, (start, content, end) in enumerate(
                    zip(self._starts, self._contents, ends, strict=False)
                )
            ]
        return iter(self._all)


def _split_offsets(text: str) -> tuple[list[int], list[str]]:
    """(start offset, content without terminator) of every line, as split_lines would give them."""
    if "\r" in text:
        lines = split_lines(text)
        return [ln.start for ln in lines], [ln.content for ln in lines]
    contents = text.split("\n")
    if contents[-1] == "":  # text ends with a line break (or is empty): no last, unterminated line
        contents.pop()
    starts = list(accumulate(map((1).__add__, map(len, contents)), initial=0))  # in C, not a generator
    starts.pop()  # where a line after the last would start
    return starts, contents


class Document:
    """A text and its lines, split once and shared by every cleaner."""

    __slots__ = (
        "text",
        "source",
        "domain",
        "titles",
        "line_starts",
        "contents",
        "_lines",
        "regex_timeout",
        "timed_out",
        "literals_found",
        "_stripped",
    )

    def __init__(self, text: str, source: str = "", domain: str = "", titles: tuple[str, ...] = ()):
        self.text = text
        self.source = source  # e.g. the relative path or domain, for per-source rules
        self.domain = domain  # the page's domain (HTML metadata), for per-source rules by domain
        self.titles = tuple(titles)  # the page's titles when the text was extracted from HTML, else ()
        self.line_starts, self.contents = _split_offsets(text)
        self._lines: _Lines | None = None  # made when first asked for: most documents never are
        self.regex_timeout: float | None = (
            None  # seconds per search, None for no limit (the engine sets the ruleset's)
        )
        self.timed_out: dict[str, None] = {}  # "cleaner/rule" keys given up on in this document, in order
        self._stripped: list[str] | None = None
        self.literals_found: Any = None  # fastmatch's cache: which rule literals each line holds

    @property
    def lines(self) -> _Lines:
        """The lines as Line objects (each made when first asked for)."""
        if self._lines is None:
            self._lines = _Lines(self)
        return self._lines

    @property
    def stripped(self) -> list[str]:
        """Each line's content stripped ("" for a blank line), computed once for all cleaners."""
        if self._stripped is None:
            self._stripped = list(map(str.strip, self.contents))  # map in C: ~30% faster than a listcomp
        return self._stripped

    def line_at(self, offset: int) -> Line:
        """The line containing character offset."""
        return self.lines[self.line_index(offset)]

    def line_index(self, offset: int) -> int:
        """line_at(offset).index, with no Line object made."""
        return max(0, bisect.bisect_right(self.line_starts, offset) - 1)

    def line_end(self, i: int) -> int:
        """Offset just past line i's terminator (Line.end, with no Line object made)."""
        starts = self.line_starts
        return starts[i + 1] if i + 1 < len(starts) else len(self.text)

    def content_end(self, i: int) -> int:
        """Offset of line i's terminator, its end if it has none (Line.content_end)."""
        return self.line_starts[i] + len(self.contents[i])


def latin1(text: str) -> bytes | None:
    """The text encoded in Latin-1 (in C), or None if a character is outside it: the fast paths of
    folding (fastmatch.fold) and word counting (risk.words_of) for most European text."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return None


def search(doc: Document | None, key: str, pattern, s: str):
    """pattern.search(s) under the document's time limit; None once `key` has run over in this document."""
    if doc is None or doc.regex_timeout is None:
        return pattern.search(s)  # no limit: timeout= costs ~2 us per call even when never reached
    if key in doc.timed_out:
        return None
    try:
        if type(pattern) is _REGEX_PATTERN:
            # (string, pos, endpos, concurrent, partial, timeout) given by position: the keyword
            # timeout= cost more than most searches themselves (tests/test_fastmatch checks the order).
            return pattern.search(s, None, None, None, False, doc.regex_timeout)
        return pattern.search(s, timeout=doc.regex_timeout)
    except TimeoutError:
        # Catastrophic backtracking: give the rule up for this document rather than hang the run.
        doc.timed_out[key] = None
        return None
