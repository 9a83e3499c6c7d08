"""Repeated-line statistics: short normalised lines counted per source, and those that recur enough
to be a source's boilerplate.

Pure: text and names in, counts and proposals out. The flows read the files.
"""

from __future__ import annotations

import fnmatch
import heapq
import posixpath
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import regex

# A candidate line is at most this long (normalised); longer lines are article text or lists of links.
MAX_LINE_CHARS = 200
# A line with sentence punctuation and more words than this reads like article text and is never counted.
ARTICLE_WORDS = 12
# Space-saving capacity per source: at most this many distinct lines are tracked for one source.
# Any line found in more than (line occurrences of the source) / capacity documents is guaranteed to
# be tracked; at ~30 short lines per document and 2000 slots that is 1.5% of the source's documents,
# far below any useful --min-share.
DEFAULT_CAPACITY = 2000
MAX_EXAMPLES = 3  # example files kept per tracked line

# The stdlib re where it will do: mining runs these on every line of every file.
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)|[。！？]")
_CJK = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}]")


def normalise_line(line: str) -> str:
    """The line stripped, with every run of white space made one space (case and punctuation kept)."""
    return " ".join(line.split())


def count_sentences(text: str) -> int:
    """Sentence-ending punctuation marks in text (., !, ? before a space or the end; CJK 。！？ anywhere)."""
    return len(_SENTENCE_END.findall(text))


def looks_like_article(norm: str) -> bool:
    """True for a line that reads like article text: too long, or sentence-like with many words."""
    if len(norm) > MAX_LINE_CHARS:
        return True
    if _SENTENCE_END.search(norm) is None:
        return False
    words = norm.count(" ") + 1
    # Scripts written without spaces (Chinese, Japanese): about two characters per word.
    return words > ARTICLE_WORDS or words + len(_CJK.findall(norm)) // 2 > ARTICLE_WORDS


def is_candidate(norm: str) -> bool:
    """A line worth counting: non-empty, has a letter, not article-like."""
    return bool(norm) and not looks_like_article(norm) and any(c.isalpha() for c in norm)


def candidate_lines(text: str) -> set[str]:
    """The distinct normalised candidate lines of a document (a line counts once per document)."""
    out = set()
    # The three line endings cleaners/text.py splits on (str.splitlines would split on more).
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if len(raw) > 4 * MAX_LINE_CHARS:  # cheap early exit: too long even after squeezing spaces
            continue
        norm = " ".join(raw.split())
        if norm and norm not in out and is_candidate(norm):
            out.add(norm)
    return out


def folder_of(rel: str) -> str:
    """The source of a file by folder: its parent folder relative to the input root, "." at the root."""
    return posixpath.dirname(rel) or "."


def source_key(rel: str, domain: str, by: str) -> str:
    """The source a document belongs to: its folder, or its domain ("" when it has none)."""
    return domain if by == "domain" else folder_of(rel)


class SpaceSaving:
    """Counts of at most `capacity` distinct keys (Metwally, Agrawal, El Abbadi 2005).

    A key not tracked when the table is full replaces the key with the smallest count c and starts at
    c + 1 with error c: its count may overestimate by at most `error`, so count - error is a guaranteed
    lower bound, and every key whose true count exceeds total / capacity is tracked.
    """

    __slots__ = ("capacity", "counts", "errors", "examples", "_heap")

    def __init__(self, capacity: int = DEFAULT_CAPACITY):
        if capacity <= 0:
            raise ValueError(f"capacity must be positive, got {capacity}")
        self.capacity = capacity
        self.counts: dict[str, int] = {}
        self.errors: dict[str, int] = {}
        self.examples: dict[str, list[str]] = {}
        # One (count, key) entry per tracked key; a count there may lag behind (repaired on eviction).
        self._heap: list[tuple[int, str]] = []

    def add(self, key: str, example: str = "") -> None:
        counts = self.counts
        c = counts.get(key)
        if c is not None:
            counts[key] = c + 1
            ex = self.examples[key]
            if len(ex) < MAX_EXAMPLES:
                ex.append(example)
            return
        if len(counts) < self.capacity:
            counts[key] = 1
            self.errors[key] = 0
            self.examples[key] = [example]
            heapq.heappush(self._heap, (1, key))
            return
        heap = self._heap
        while True:
            low, old = heap[0]
            current = counts[old]
            if current == low:
                break
            heapq.heapreplace(heap, (current, old))
        del counts[old], self.errors[old], self.examples[old]
        counts[key] = low + 1
        self.errors[key] = low
        self.examples[key] = [example]
        heapq.heapreplace(heap, (low + 1, key))

    def items(self) -> Iterator[tuple[str, int, int]]:
        """(key, count, error) for every tracked key."""
        for key, count in self.counts.items():
            yield key, count, self.errors[key]


@dataclass(frozen=True, slots=True)
class Frequent:
    """A line that recurs in a source: in at least `count` of its `docs` documents."""

    source: str
    line: str
    count: int  # guaranteed lower bound of the documents containing the line
    docs: int  # documents of the source
    exact: bool  # True if the count is exact (the line was never evicted)
    examples: tuple[str, ...]

    def evidence(self) -> str:
        """The count that justifies a removal, e.g. "in 412 of 450 docs of source news"."""
        at_least = "" if self.exact else "at least "
        return f"in {at_least}{self.count} of {self.docs} docs of source {self.source}"


class LineCounter:
    """Documents per source and, per source, the documents containing each candidate line (bounded)."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY):
        self.capacity = capacity
        self.docs: dict[str, int] = {}
        self.sources: dict[str, SpaceSaving] = {}

    def add_document(self, source: str, text: str, name: str = "") -> None:
        self.docs[source] = self.docs.get(source, 0) + 1
        tracker = self.sources.get(source)
        if tracker is None:
            tracker = self.sources[source] = SpaceSaving(self.capacity)
        add = tracker.add
        for line in candidate_lines(text):
            add(line, name)

    def tracked(self) -> int:
        """Distinct lines tracked over all sources (the memory in use)."""
        return sum(len(t.counts) for t in self.sources.values())

    def frequent(self, min_docs: int, min_share: float) -> list[Frequent]:
        """Lines in at least min_docs and min_share of their source's documents, by source then count."""
        out = []
        for source, tracker in self.sources.items():
            docs = self.docs[source]
            if docs < min_docs:
                continue
            for line, count, error in tracker.items():
                lower = count - error
                if lower >= min_docs and lower >= min_share * docs:
                    out.append(Frequent(source, line, lower, docs, error == 0, tuple(tracker.examples[line])))
        out.sort(key=lambda f: (f.source, -f.count, f.line))
        return out


@dataclass(frozen=True)
class LineTable:
    """A frozen table of frequent lines per source, handed to the repeated_line cleaner."""

    by: str = "folder"  # how sources were formed: "folder" or "domain"
    entries: tuple[Frequent, ...] = ()
    _index: dict = field(default_factory=dict, init=False, compare=False, repr=False)

    def __post_init__(self):
        index: dict[str, dict[str, Frequent]] = {}
        for f in self.entries:
            index.setdefault(f.source, {})[f.line] = f
        object.__setattr__(self, "_index", index)

    def lines_of(self, source: str) -> dict[str, Frequent]:
        return self._index.get(source, {})

    def digest_input(self) -> list:
        return [self.by] + [[f.source, f.line, f.count, f.docs] for f in self.entries]


# ---- proposals: frequent lines as a YAML snippet of per-source rules ----


def exact_line_pattern(norm: str) -> str:
    """A regex matching exactly this line (stripped), any run of white space for its single spaces."""
    return "^" + r"\s+".join(regex.escape(part, special_only=True) for part in norm.split(" ")) + "$"


def escape_glob(name: str) -> str:
    """A folder name as a glob that matches only itself."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


def _yaml_str(s: str) -> str:
    # Single-quoted YAML has no escapes but '' for a quote, so a regex reads as written.
    return "'" + s.replace("'", "''") + "'"


def _printable(s: str) -> bool:
    return s.isprintable()


def proposal_yaml(frequent: Iterable[Frequent], by: str, header: str = "") -> str:
    """A `sources:` YAML snippet: one exact-line rule per frequent line, counts and examples as comments."""
    groups: dict[str, list[Frequent]] = {}
    for f in frequent:
        if _printable(f.line) and _printable(f.source):
            groups.setdefault(f.source, []).append(f)
    lines = [f"# {h}" for h in header.splitlines()]
    if not groups:
        lines.append("# nothing recurs often enough to propose")
        lines.append("sources: []")
        return "\n".join(lines) + "\n"
    lines.append("sources:")
    for source in sorted(groups):
        selector = (
            f"folder: {_yaml_str(escape_glob(source))}" if by == "folder" else f"domain: {_yaml_str(source)}"
        )
        docs = groups[source][0].docs
        lines.append(f"  # source {source}: {docs} documents")
        lines.append(f"  - match: {{{selector}}}")
        lines.append("    rules:")
        names: set[str] = set()
        for f in groups[source]:
            name = _rule_name(f.line, names)
            examples = ", ".join(f.examples)
            lines.append(f"      # {f.evidence()}; e.g. {examples}")
            lines.append(f"      - name: {_yaml_str(name)}")
            lines.append(f"        pattern: {_yaml_str(exact_line_pattern(f.line))}")
    return "\n".join(lines) + "\n"


def _rule_name(line: str, taken: set[str]) -> str:
    base = "repeated: " + (line if len(line) <= 60 else line[:57] + "...")
    name, n = base, 2
    while name in taken:
        name, n = f"{base} ({n})", n + 1
    taken.add(name)
    return name


def matches_folder(folder: str, glob: str) -> bool:
    """True if a document's folder matches a folder glob (fnmatch; * also crosses '/')."""
    return fnmatch.fnmatchcase(folder, glob)


def matches_domain(domain: str, name: str) -> bool:
    """True for the domain itself and its subdomains (news.example.com matches example.com)."""
    d = domain.lower().rstrip(".")
    n = name.lower().rstrip(".")
    return bool(d) and (d == n or d.endswith("." + n))
