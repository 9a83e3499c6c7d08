"""Per-line pre-checks for whole-line rules, derived from the compiled rules at load time.

Each rule's pattern is read once for sets of literals such that every match holds one literal
of each set ("cookie" and "utilizamos" in a Spanish cookie-banner rule, "/" in a slash-credit
rule, "图" or "圖" from a class); a rule is gated on its most selective set and up to three
more sets of long words. All rules' literals go into Aho-Corasick automata (ahocorasick_rs), and
one pass over a document (as it is, and case-folded) gives each line one int: a bit per literal
it holds. A rule is tried only on the lines that hold a literal of each of its sets; the rules
tried keep their YAML order, so the rule credited is the one the plain loop would credit, and a
cleaner none of whose literals the document holds is skipped after one AND. A rule whose pattern
yields no literal set, or uses syntax this reader does not follow (quoting, conditionals, flags
other than a leading or scoped i, fuzzy matching, nested sets), is tried on every line: the
pre-check only skips work. The engine walks a document's line masks once for all of a ruleset's
gated cleaners (GateSet). Lines over `tier` characters (200 with the default rules) are searched
only when a prefilter pass finds a word of a rule whose max_chars reaches their length.

Measured (benchmarks/throughput.py): the regex module's alternations of many literals, and one
combined pattern per cleaner, were slower than the per-rule loop; literal scans per rule per
document (`in`) cost more than they saved; one automaton over the folded text with the exact
literals confirmed afterwards was slower than two (short exact literals like "AP" are common
once folded). One automaton pass per document is what paid. Hits are put on lines by the line
break as a word of the folded automaton (not by bisecting line ends); the automata cost the same per
byte whatever their size, so splitting words or lines among more automata did not pay.
"""

from __future__ import annotations

import array
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import ahocorasick_rs
import regex

from .text import latin1

_FLAGS = regex.compile(r"\(\?([a-zA-Z]*)([:)])")
_QUANT_BRACE = regex.compile(r"\{(\d*)(?:(,)(\d*))?\}")
_ESCAPE_WITH_BRACE = set("pPNx")  # \p{L}, \N{name}, \x{263a}: the braces are not a quantifier
_LINE_BREAKS = set("\r\n")
_GROUP_NAME = regex.compile(r"\(\?P?<(?![=!])\w+>")
_CLASS_MAX = 12  # a class of at most this many plain characters gives one single-character literal each
_VARIANTS = 8  # a run forked by classes ("licen[cs]e") is kept while it has at most this many variants
_UNIONS = 3  # requirements an alternation passes up: unions of its branches' 1st, 2nd, 3rd best (_Branches)


class _Unsure(Exception):
    pass


@dataclass(frozen=True)
class Lit:
    """A literal string, and whether it is matched case-insensitively."""

    text: str
    icase: bool


# Characters in nearly every line of prose: a literal of one of them alone is a poor pre-check.
_COMMON = set(" .,;:'\"!?-")


def _selectivity(lits) -> tuple:
    """How well a requirement picks lines: its shortest literal (a common mark counts half), then fewer."""
    return (min(len(x.text) - (0.5 if x.text in _COMMON else 0) for x in lits), -len(lits))


def _better(a, b):
    """The more selective of two requirements."""
    if a is None:
        return b
    if b is None:
        return a
    return a if _selectivity(a) >= _selectivity(b) else b


def _class_end(src: str, i: int) -> int:
    """Index just past the character class starting at src[i] == '['."""
    j = i + 1
    if j < len(src) and src[j] == "^":
        j += 1
    if j < len(src) and src[j] == "]":  # a ']' first in a class is a literal
        j += 1
    while j < len(src):
        c = src[j]
        if c == "\\":
            j += 2
            continue
        if c == "[":  # nested sets and POSIX classes: not followed here
            raise _Unsure
        if c == "]":
            return j + 1
        j += 1
    raise _Unsure


def _class_literals(body: str, icase: bool):
    """A class of a few plain characters ("[图圖]", "[/／]") as one-character literals; else None."""
    if not body or body.startswith("^"):
        return None
    chars, j = [], 0
    while j < len(body):
        c = body[j]
        if c == "\\":
            if j + 1 >= len(body) or not (body[j + 1].isascii() and not body[j + 1].isalnum()):
                return None  # \d, \p{..}, \n ...: not followed here
            c = body[j + 1]
            j += 2
        else:
            if c == "-" and 0 < j < len(body) - 1:
                return None  # a range
            j += 1
        if c in _LINE_BREAKS:
            return None
        chars.append(c)
    chars = list(dict.fromkeys(chars))
    if len(chars) > _CLASS_MAX:
        return None
    return tuple(Lit(c, icase) for c in chars)


def _quantifier(src: str, i: int) -> tuple[int, int]:
    """(minimum repeat, index after) of a quantifier at src[i], or (1, i) if there is none."""
    n = len(src)
    if i >= n:
        return 1, i
    c = src[i]
    if c in "*?+":
        lo = 0 if c in "*?" else 1
        i += 1
    elif c == "{":
        m = _QUANT_BRACE.match(src, i)
        if not m or not (m.group(1) or m.group(3)):
            raise _Unsure  # fuzzy matching or a literal brace
        lo = int(m.group(1) or 0)
        i = m.end()
    else:
        return 1, i
    if i < n and src[i] in "?+":  # lazy or possessive: same minimum
        i += 1
    return lo, i


def _escape(src: str, i: int) -> tuple[str | None, int]:
    """The literal character of the escape at src[i] (None if it has none), and the index after it."""
    n = len(src)
    if i + 1 >= n:
        raise _Unsure
    e = src[i + 1]
    if e in _ESCAPE_WITH_BRACE and i + 2 < n and src[i + 2] == "{":
        end = src.find("}", i)
        if end < 0:
            raise _Unsure
        return None, end + 1
    if e.isascii() and not e.isalnum():
        return e, i + 2  # an escaped punctuation mark is itself
    if e in "gk" and i + 2 < n and src[i + 2] == "<":
        end = src.find(">", i)  # \g<name>, \k<name>: a backreference, no known literal
        if end < 0:
            raise _Unsure
        return None, end + 1
    if e.isdigit():
        i += 2  # a backreference (or an octal escape): no known literal
        while i < n and src[i].isdigit():
            i += 1
        return None, i
    if e in "gkQ":
        raise _Unsure  # quoting: not followed here
    return None, i + 2  # \d \s \w \b \p ... : a class or an assertion, no literal


# What _group found: a requirement to weigh, nothing (a negative lookaround), or the whole pattern's
# requirement (leading global flags: the rest of the pattern was parsed under them).
_ITEM, _SKIP, _WHOLE = "item", "skip", "whole"


def _group(src: str, i: int, icase: bool, depth: int, want_all: bool = False) -> tuple[str, Any, int]:
    """(what, requirement, index after the group) for the group that opens at src[i]."""
    if not src.startswith("(?", i):
        item, j = _parse(src, i + 1, icase, depth + 1)
        return _ITEM, item, j + 1
    m = _FLAGS.match(src, i)
    if src.startswith(("(?=", "(?<="), i):
        # A positive lookaround's text is in the searched line too (it is all the gates look at).
        item, j = _parse(src, i + (4 if src.startswith("(?<", i) else 3), icase, depth + 1)
        return _ITEM, item, j + 1
    if src.startswith(("(?!", "(?<!"), i):
        # Negative lookarounds add no requirement: skip their content.
        _, j = _parse(src, i + (4 if src.startswith("(?<", i) else 3), icase, depth + 1)
        return _SKIP, None, j + 1
    if src.startswith("(?P=", i):
        end = src.find(")", i)  # a named backreference: no known literal
        if end < 0:
            raise _Unsure
        return _ITEM, None, end + 1
    if (g := _GROUP_NAME.match(src, i)) is not None:
        item, j = _parse(src, g.end(), icase, depth + 1)  # a named group requires what its content does
        return _ITEM, item, j + 1
    if src.startswith(("(?:", "(?>"), i):  # plain and atomic groups
        item, j = _parse(src, i + 3, icase, depth + 1)
        return _ITEM, item, j + 1
    if m and set(m.group(1)) <= {"i"}:
        if m.group(2) == ":":
            item, j = _parse(src, m.end(), icase or "i" in m.group(1), depth + 1)
            return _ITEM, item, j + 1
        if i == 0 and depth == 0:  # leading global flags
            return _WHOLE, _parse(src, m.end(), icase or "i" in m.group(1), 0, want_all), 0
    raise _Unsure  # conditionals, branch resets, other flags ...


class _Branches:
    """The requirements of an alternation's branches as _parse reads them, one item at a time."""

    def __init__(self, icase: bool):
        self.icase = icase
        self.done: list = []  # requirements of the finished branches
        self.best = None  # best requirement of the current branch
        self.every: list = []  # every requirement of the current branch (each one holds for a match)
        self.every_done: list = []  # `every` of the finished branches
        # The current run of mandatory literal characters, as its variants (more than one once a small
        # class such as [cs] in "licen[cs]e" forks it); [] when there is none.
        self.run: list[str] = []

    def end_run(self) -> None:
        if self.run:
            self.weigh(tuple(Lit(v, self.icase) for v in dict.fromkeys(self.run)))
        self.run = []

    def extend(self, chars) -> None:
        self.run = [r + c for r in (self.run or [""]) for c in chars]

    def weigh(self, req: tuple[Lit, ...]) -> None:
        self.best = _better(self.best, req)
        self.every.append(req)

    def next_branch(self) -> None:
        self.end_run()
        self.done.append(self.best)
        self.every_done.append(self.every)
        self.best = None
        self.every = []

    def add(self, char: str | None, item: Any, lo: int, repeated: bool, is_class: bool = False) -> None:
        """One item with its quantifier's minimum `lo`: a literal char extends the run, a group is weighed.

        A class of a few characters taken exactly once extends the run with each of them in turn.
        """
        if char is not None and lo >= 1 and char not in _LINE_BREAKS:
            self.extend(char)
            if repeated:
                # A repeated char: what came before touches its first copy, what follows its last copy.
                self.end_run()
                self.extend(char)
            return
        if is_class and item and lo == 1 and not repeated and len(self.run or "-") * len(item) <= _VARIANTS:
            self.extend([x.text for x in item])
            return
        self.end_run()
        if item and lo >= 1:
            for req in item if isinstance(item, list) else (item,):  # a group's requirements: all hold
                self.weigh(req)

    def result(self) -> tuple[Lit, ...] | None:
        self.next_branch()
        if any(b is None for b in self.done):
            return None
        return tuple(dict.fromkeys(x for b in self.done for x in b))

    def all_results(self) -> list[tuple[Lit, ...]]:
        """Requirements that all hold for a match: every one of a lone branch's; for an alternation, the
        union of each branch's most selective requirement, of each one's second, ... (_UNIONS of them: any
        requirement of each branch makes one). A Japanese consent rule whose branches both name "cookie"
        is then gated on their Japanese words too, not tried on every English line about cookies."""
        if self.result() is None:
            return []
        if len(self.every_done) == 1:
            return list(dict.fromkeys(self.every_done[0]))
        ranked = [sorted(every, key=_selectivity, reverse=True) for every in self.every_done]
        depth = min(_UNIONS, *map(len, ranked))
        return [tuple(dict.fromkeys(x for r in ranked for x in r[k])) for k in range(depth)]


def _parse(src: str, i: int, icase: bool, depth: int, want_all: bool = False):
    """The requirement of the alternation at src[i]: (req, index of its closing ')' or len).

    want_all: (the list of requirements that all hold, index) instead (Branches.all_results).
    """
    n = len(src)
    branches = _Branches(icase)
    while i < n:
        c = src[i]
        if c == ")":
            if depth == 0:
                raise _Unsure
            break
        if c == "|":
            branches.next_branch()
            i += 1
            continue
        item = char = None  # requirement of this item (a group), or a literal char
        if c == "\\":
            char, i = _escape(src, i)
        elif c == "[":
            end = _class_end(src, i)
            item = _class_literals(src[i + 1 : end - 1], icase)
            i = end
        elif c == "(":
            what, item, i = _group(src, i, icase, depth, want_all)
            if what == _WHOLE:
                return item
            if what == _SKIP:
                lo, i = _quantifier(src, i)
                branches.end_run()
                continue
        elif c in "*+?{":
            raise _Unsure  # a quantifier with nothing before it
        elif c in ".^$":
            i += 1
        else:
            char = c
            i += 1
        before = i
        lo, i = _quantifier(src, i)
        branches.add(char, item, lo, i != before, c == "[")
    # A group (depth > 0) passes up every requirement it knows (a list); the whole pattern gives one
    # requirement, or with want_all all of its own.
    return (branches.all_results() if want_all or depth else branches.result()), i


def required_literals(source: str) -> tuple[Lit, ...] | None:
    """Literals one of which every match of `source` contains; None if none (or not understood)."""
    try:
        req, end = _parse(source, 0, False, 0)
    except (_Unsure, IndexError, ValueError):
        return None
    if end != len(source):
        return None
    return req


def required_sets(source: str) -> list[tuple[Lit, ...]]:
    """Sets of literals such that every match of `source` holds one of each set; [] if none known.

    required_literals gives the most selective one alone; a rule tried only where all its sets are
    found is tried on fewer lines ("cookie" and "utilizamos" rather than "cookie" in every language).
    """
    return list(_required_sets(source))


@lru_cache(maxsize=8192)
def _required_sets(source: str) -> tuple[tuple[Lit, ...], ...]:
    # Remembered by pattern: every ruleset (a config's, a shadow or dry-run view) gates the same
    # packaged patterns, and parsing them is most of building a ruleset's gates (~25 ms of ~90).
    try:
        reqs, end = _parse(source, 0, False, 0, True)
    except (_Unsure, IndexError, ValueError):
        return ()
    return tuple(tuple(r) for r in reqs) if end == len(source) else ()


def _latin1_fold() -> tuple[bytes, tuple[str, ...]]:
    """(byte -> its character's casefold, for bytes.translate; the Latin-1 characters whose casefold is
    not one Latin-1 character: "ß" -> "ss", "µ" -> "μ")."""
    table, other = bytearray(range(256)), []
    for b in range(256):
        f = chr(b).casefold()
        if len(f) == 1 and ord(f) < 256:
            table[b] = ord(f)
        else:
            other.append(chr(b))
    return bytes(table), tuple(other)


_LATIN1_FOLD, _LATIN1_OTHER = _latin1_fold()


def fold(text: str) -> str:
    """The case folding the gates search in: str.casefold, less U+0307 (the dot "İ" folds to, after "i")."""
    if text.isascii():
        return text.lower()  # the same as casefold for ASCII, and several times faster
    raw = latin1(text)
    if raw is not None and not any(c in text for c in _LATIN1_OTHER):
        # Latin-1 text folded byte by byte in C: ~4x faster than casefold (most European article text).
        return raw.translate(_LATIN1_FOLD).decode("latin-1")
    f = text.casefold()
    return f.replace("\u0307", "") if "\u0307" in f else f


_ALL_CHARS: str | None = None
_FOLD_SAFE: dict[str, bool] = {}  # char -> whatever (?i) matches it to folds (fold()) the same as it does
_LOCK = threading.Lock()


def _all_chars() -> str:
    global _ALL_CHARS
    if _ALL_CHARS is None:
        points = array.array("I", range(0xD800))
        points.extend(range(0xE000, 0x110000))
        _ALL_CHARS = points.tobytes().decode("utf-32-le" if sys.byteorder == "little" else "utf-32-be")
    return _ALL_CHARS


def fold_safe(chars: set[str]) -> dict[str, bool]:
    """For each char: True if every character the regex module's (?i) matches to it folds as it does.

    Checked against every code point (one scan for all new characters, then each candidate
    tried against each character), so it holds for this regex module's own Unicode tables; a
    character it fails for (none among the default rules' letters) is left out of literals.
    """
    new = sorted(c for c in chars if c not in _FOLD_SAFE)
    if new:
        candidates = set(regex.findall("(?i)[" + "".join(regex.escape(c) for c in new) + "]", _all_chars()))
        for c in new:
            one = regex.compile("(?i)" + regex.escape(c))
            want = fold(c)
            _FOLD_SAFE[c] = all(fold(x) == want for x in candidates if one.fullmatch(x))
    return {c: _FOLD_SAFE[c] for c in chars}


def searchable(lits: tuple[Lit, ...]) -> tuple[frozenset[str], frozenset[str]] | None:
    """(exact, folded) strings to look for, one of which the line must hold; None if one is untrustworthy.

    A case-sensitive literal is looked for as it is, in the line as it is. A case-insensitive one
    is looked for folded in the folded line, which is sure for the characters whose (?i) matches
    all fold alike; any part of a required literal is required too, so a literal with a character
    that fails is cut to its longest run of characters that pass.
    """
    icase_chars = {ch for x in lits if x.icase for ch in x.text}
    safe = fold_safe(icase_chars) if icase_chars else {}
    exact, folded = set(), set()
    for x in lits:
        text = x.text
        if x.icase:
            if not all(safe[ch] for ch in text):
                text = max(
                    regex.split("|".join(regex.escape(ch) for ch in set(text) if not safe[ch]), text), key=len
                )
            text = fold(text)
        if not text:
            return None
        (folded if x.icase else exact).add(text)
    return frozenset(exact), frozenset(folded)


class _Automata:
    """Every gated literal of this process in two Aho-Corasick automata (ahocorasick_rs, Rust).

    A word is a literal tagged with how it is looked for: "=" + text in the line as it is (the
    exact automaton), "~" + text in the folded line (the folded automaton). Both search UTF-8
    bytes, which a literal matches only at character boundaries, so byte offsets are safe.
    Each word has a bit (1 << its number, numbers never reused), so a line's words are one int.
    """

    def __init__(self) -> None:
        self.words: frozenset[str] = frozenset()
        self.pending: frozenset[str] = frozenset()  # words of gates built since: one rebuild takes them all
        self.bits: dict[str, int] = {}  # word -> its bit
        # (automaton, the bit of each of its words by index), or None when no word is looked for that way
        self.exact = self.folded = None
        # The longest line any gated rule may match (rule max_chars): longer lines are not searched.
        self.max_chars = 0
        # (max_chars, one required word set) of every gated rule seen, pending ones included: lines
        # longer than `tier` (the max_chars of two thirds of the rules) are searched only when they hold
        # a word of a rule that can take a line that long (the `long` automaton, _short_or_wanted).
        self.reach: frozenset[tuple[int, frozenset[str]]] = frozenset()
        self.pending_reach: frozenset[tuple[int, frozenset[str]]] = frozenset()
        self.tier = 0
        self.long: tuple | None = None  # the longer rules' words, all folded (a _scan automaton)

    def add(self, words: frozenset[str], reach: frozenset = frozenset()) -> None:
        """A new gate's words and rule reach: built into the automata with all others at the next ensure()."""
        with _LOCK:
            self.pending |= words
            self.pending_reach |= reach

    def bits_of(self, words: frozenset[str]) -> dict[str, int]:
        """The bit of each word (numbered now if new; not yet in the automata until ensure())."""
        with _LOCK:
            for w in sorted(words - self.bits.keys()):
                self.bits[w] = 1 << len(self.bits)
            return {w: self.bits[w] for w in words}

    def ensure(self, words: frozenset[str], max_chars: int = 0, reach: frozenset = frozenset()) -> None:
        if words <= self.words and max_chars <= self.max_chars and reach <= self.reach:
            return
        self.bits_of(words | self.pending)
        with _LOCK:
            words = self.words | words | self.pending
            self.reach = self.reach | reach | self.pending_reach
            # The pending gates' lengths too (a gate's max_chars is its reach's longest): no rebuild for them.
            self.max_chars = max(self.max_chars, max_chars, *(m for m, _ in self.reach))
            self.pending, self.pending_reach = frozenset(), frozenset()
            # A document's cached hits name the automata they came from.
            tier = _tier(self.reach, self.max_chars)
            self.tier, self.long = tier, _prefilter({(m, w) for m, ws in self.reach if m > tier for w in ws})
            # Last: a document's hits found meanwhile are cached under the automata they came from.
            self.exact, self.folded = self._pair(words)
            self.words = words

    def _pair(self, words: frozenset[str]) -> list:
        """[exact automaton, folded automaton] of the words (None where no word is looked for that way)."""
        built = []
        for tag in "=~":
            tagged = sorted(w for w in words if w[0] == tag)
            built.append(self._build(tagged, tag == "~") if tagged else None)
        return built

    def _build(self, tagged: list[str], breaks: bool) -> tuple:
        """(automaton, the bit of each word by index, index of the line break word or -1).

        breaks: the line break is a word too, so a scan counts lines as it meets their breaks (the
        folded scan's ~60 hits a document). The exact automaton has few hits and rare first bytes
        (its prefilter skips ahead): a break word would slow it, so its hits count breaks instead.
        """
        patterns = [w[1:].encode("utf-8") for w in tagged] + ([b"\n"] if breaks else [])
        automaton = ahocorasick_rs.BytesAhoCorasick(
            patterns, implementation=ahocorasick_rs.Implementation.DFA
        )
        return automaton, [self.bits[w] for w in tagged], len(tagged) if breaks else -1


def _tier(reach: frozenset[tuple[int, frozenset[str]]], top: int) -> int:
    """The max_chars of at least two thirds of the gated rules (with the default rules 200 of 600):
    lines up to it get the full search, longer ones (60% of a corpus's text may be paragraphs of
    200-600 characters that most rules cannot take) first need a word of a rule that can take them."""
    lengths = sorted(m for m, _ in reach)
    return lengths[(len(lengths) * 2 - 1) // 3] if lengths else top


def _prefilter(reach: set[tuple[int, str]]) -> tuple | None:
    """One automaton of the words, all looked for folded (an exact word's line holds it folded too: one
    more line may pass, never one fewer), with the line break as its last word (see _scan). A word's
    value is 1 << the longest line one of its rules can take, so the values ORed over a line's words
    have a bit at or above the line's length when some rule may take it."""
    longest: dict[str, int] = {}
    for m, w in reach:
        f = fold(w[1:])
        if f:
            longest[f] = max(longest.get(f, 0), m)
    if not longest:
        return None
    folded = sorted(longest)
    patterns = [w.encode("utf-8") for w in folded] + [b"\n"]
    automaton = ahocorasick_rs.BytesAhoCorasick(patterns, implementation=ahocorasick_rs.Implementation.DFA)
    return automaton, [1 << longest[w] for w in folded], len(folded)


_AUTOMATA = _Automata()


_CHUNK_LINES = 4096  # lines searched per pass: a huge document is never joined, folded and encoded whole


def line_literals(doc: Any) -> dict[int, frozenset[str]]:
    """Line index -> the gated words found in that line (stripped); lines with none are absent."""
    words = [(bit, w) for w, bit in _AUTOMATA.bits.items()]
    return {line: frozenset(w for bit, w in words if mask & bit) for line, mask in _found(doc)[0].items()}


def _found(doc: Any) -> tuple[dict[int, int], int]:
    """(line -> the bits of the words found in it, the bits of all of them) for the document.

    One pass of each automaton over the document (its stripped lines joined by line breaks,
    which no literal holds; in chunks of _CHUNK_LINES lines), cached on the document for every
    cleaner (until another literal is added). A line longer than every gated rule's max_chars
    (an article paragraph) is searched as an empty line: no rule could be tried on it; so is one
    longer than `tier` that holds no word of a rule that can take it (_short_or_wanted).
    """
    a = _AUTOMATA
    exact, folded = a.exact, a.folded  # the cache key is what was searched with (see ensure)
    cached = doc.literals_found
    if cached is not None and cached[0] is exact and cached[1] is folded:
        return cached[2]
    masks: dict[int, int] = {}
    stripped = doc.stripped
    for first in range(0, len(stripped), _CHUNK_LINES):
        chunk = stripped[first : first + _CHUNK_LINES]
        if chunk and max(map(len, chunk)) > a.tier:
            chunk = _short_or_wanted(a, chunk)
        joined = "\n".join(chunk)
        if exact is not None:
            _scan(exact, joined, first, masks)
        if folded is not None:
            _scan(folded, fold(joined), first, masks)
    every = 0
    for mask in masks.values():
        every |= mask
    found = (masks, every)
    doc.literals_found = (exact, folded, found)
    return found


def _short_or_wanted(a: _Automata, chunk: list[str]) -> list[str]:
    """The lines no gated rule can take made empty: longer than `tier` without a word of a rule whose
    max_chars reaches their length (so also every line longer than all rules' max_chars)."""
    tier, top = a.tier, a.max_chars
    out = [s if len(s) <= top else "" for s in chunk]
    long = [i for i, s in enumerate(out) if len(s) > tier]
    reach: dict[int, int] = {}
    if long and a.long is not None:
        _scan(a.long, fold("\n".join([out[i] for i in long])), 0, reach)
    for j, i in enumerate(long):
        if not reach.get(j, 0) >> len(out[i]):  # no bit at or above the line's length
            out[i] = ""
    return out


def _scan(automaton: tuple, text: str, first: int, masks: dict[int, int]) -> None:
    """Add the bits of the words found in `text` (lines joined by "\\n", the first numbered `first`).

    No literal holds a line break, and overlapping matches come in order of their end: a match is on
    the line whose number is the count of breaks before it (met as words, or counted in the bytes).
    """
    haystack = text.encode("utf-8", "surrogatepass")
    found, bits, breaks = automaton
    matches = found.find_matches_as_indexes(haystack, overlapping=True)
    get = masks.get
    if breaks < 0:
        count = haystack.count
        line, last = first, 0
        for k, _, end in matches:
            line += count(b"\n", last, end)  # the breaks since the previous match's end (ends come in order)
            last = end
            masks[line] = get(line, 0) | bits[k]
        return
    # A line's hits come together (ends in order): ORed in a local, stored once at the line's break.
    line, mask = first, 0
    for k, _, _ in matches:
        if k != breaks:
            mask |= bits[k]
        else:
            if mask:
                masks[line] = get(line, 0) | mask
                mask = 0
            line += 1
    if mask:
        masks[line] = get(line, 0) | mask


class RuleGate:
    """Which of an ordered list of rules can match each line of a document, by their literals.

    A rule whose literals are all absent from a line cannot match it and is not tried there; the
    rules that remain keep their order, so the rule credited is the one the plain loop would pick.
    """

    _MEMO_MAX = 20000  # distinct sets of candidate rules kept per gate before the memo starts again

    def __init__(self, rules: Sequence[Any]):
        self.rules = tuple(rules)
        words: set[str] = set()
        always = []
        self._needs: list[list[frozenset[str]]] = []  # per rule: word sets, one word of each must be found
        for pos, rule in enumerate(self.rules):
            needs = _rule_words(rule)
            self._needs.append(needs)
            if not needs:
                always.append(pos)
            words.update(*needs)
        self.words = frozenset(words)
        # The rules every line is given (those with no literal set); () when all rules are gated.
        self.rest = tuple(self.rules[p] for p in always)
        self.max_chars = max(
            (r.max_chars for r, n in zip(self.rules, self._needs, strict=True) if n), default=0
        )
        self._memo: dict[int, tuple[Any, ...]] = {}
        # Stripped line -> (the rules tried on it, the first that matched or None): a cleaner's answer for
        # a line its rules decide alone (cleaners.base). Boilerplate lines recur across a corpus.
        self.seen: dict[str, tuple[tuple[Any, ...], Any]] = {}
        self._ready = None  # the automata's word set last seen to hold this gate's words
        self._bits: dict[str, int] = {}  # word -> its bit (numbered per process: redone after unpickling)
        self._mask = 0  # the bits of all its words
        self._need_masks: list[tuple[int, ...]] = []  # per rule: the bits of each of its word sets
        _AUTOMATA.add(self.words, self._reach())

    def _reach(self) -> frozenset[tuple[int, frozenset[str]]]:
        """(max_chars, its first word set) of each gated rule: a line it can take holds one of the words."""
        return frozenset((r.max_chars, n[0]) for r, n in zip(self.rules, self._needs, strict=True) if n)

    def __getstate__(self):
        return {
            **self.__dict__,
            **{"_memo": {}, "seen": {}, "_ready": None, "_bits": {}, "_mask": 0, "_need_masks": []},
        }

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        # Pending, as a new gate's: a cached ruleset's gates then go into one build, not one build each.
        _AUTOMATA.add(self.words, self._reach())

    def line_rules(self, doc: Any) -> dict[int, tuple[Any, ...]]:
        """Line index -> the rules, in order, that may match it, for lines with one of this gate's literals.

        Any other line gets `self.rest`. The work is in the gate's words found in the document:
        a gate none of whose words the document holds (most gates, in most documents) costs a lookup.
        """
        if not self.words:
            return {}
        self._get_ready()
        masks, every = _found(doc)
        gate = self._mask
        if not every & gate:
            return {}
        rules_for = self.rules_for
        out = {}
        for line, mask in masks.items():
            if mask & gate and (rules := rules_for(mask)):  # a line with none gets `rest`, then () too
                out[line] = rules
        return out

    def rules_for(self, mask: int) -> tuple[Any, ...]:
        """The gate's rules that may match a line holding the words of `mask` (once ready)."""
        m = mask & self._mask
        if not m:
            return ()
        rules = self._memo.get(m)
        return rules if rules is not None else self._rules_of(m)

    def _get_ready(self) -> None:
        if self._ready is not _AUTOMATA.words:  # a new gate, or unpickled: its words may not be in yet
            _AUTOMATA.ensure(self.words, self.max_chars, self._reach())
            self._bits = bits = _AUTOMATA.bits_of(self.words)
            self._mask = sum(bits.values())
            self._need_masks = [tuple(sum(bits[w] for w in words) for words in n) for n in self._needs]
            self._ready = _AUTOMATA.words

    def may_hit(self, doc: Any) -> bool:
        """False when no rule can match any line of the document: one AND with the document's words."""
        if self.rest:
            return True
        if not self.words:
            return False
        self._get_ready()
        return bool(_found(doc)[1] & self._mask)

    def _rules_of(self, mask: int) -> tuple[Any, ...]:
        """The rules, in order, a line holding the words of `mask` may match (memoised by mask)."""
        rules = tuple(
            rule
            for rule, needs in zip(self.rules, self._need_masks, strict=True)
            if all(mask & need for need in needs)  # no needs (an ungated rule): always
        )
        if len(self._memo) >= self._MEMO_MAX:
            self._memo.clear()
        self._memo[mask] = rules
        return rules


class GateSet:
    """Several gates' line_rules from one walk over a document's line masks (the engine's cleaners).

    Each gate alone walks every line with a literal (5-6 gates a document, ~30 lines each); here
    each distinct line mask is looked up once per ruleset (memoised) and gives every gate's rules.
    """

    _MEMO_MAX = 20000

    def __init__(self, gates: Sequence[RuleGate]):
        self.gates = tuple(gates)
        self._ready = None
        self._mask = 0  # the bits of all the gates' words
        self._memo: dict[int, tuple[tuple[int, tuple[Any, ...]], ...]] = {}

    def __getstate__(self):
        return {**self.__dict__, "_ready": None, "_mask": 0, "_memo": {}}

    def line_rules(self, doc: Any) -> list[dict[int, tuple[Any, ...]]]:
        """[gate.line_rules(doc) for gate in self.gates], the document's line masks walked once."""
        self._get_ready()
        masks, every = _found(doc)
        out: list[dict[int, tuple[Any, ...]]] = [{} for _ in self.gates]
        if not every & self._mask:
            return out
        memo = self._memo
        for line, mask in masks.items():
            hits = memo.get(mask)
            if hits is None:
                hits = self._hits(mask)
            for g, rules in hits:
                out[g][line] = rules
        return out

    def _get_ready(self) -> None:
        if self._ready is not _AUTOMATA.words:
            for gate in self.gates:
                gate._get_ready()
            self._mask = 0
            for gate in self.gates:
                self._mask |= gate._mask  # gates share words: OR, not sum
            self._memo.clear()
            self._ready = _AUTOMATA.words

    def _hits(self, mask: int) -> tuple[tuple[int, tuple[Any, ...]], ...]:
        """(gate position, its rules) for each gate that may match a line holding the words of `mask`."""
        hits = []
        for g, gate in enumerate(self.gates):
            if rules := gate.rules_for(mask):
                hits.append((g, rules))
        if len(self._memo) >= self._MEMO_MAX:
            self._memo.clear()
        self._memo[mask] = out = tuple(hits)
        return out


_MAX_SETS = 4  # word sets a rule is gated on: the most selective ones (more words, more hits to count)
_EXTRA_MIN_BYTES = 4  # UTF-8: two CJK characters are as rare as four Latin letters


def _rule_words(rule: Any) -> list[frozenset[str]]:
    """The tagged word sets a line must hold one word of each of for the rule to match; [] if unknown."""
    return list(_pattern_words(rule.pattern.pattern, rule.pattern.flags))


# A pure function of the pattern: a ruleset build asks again for every gate and shadow view (~100 ms).
@lru_cache(maxsize=4096)
def _pattern_words(source: str, flags: int) -> tuple[frozenset[str], ...]:
    if not _plain_flags(flags):
        return ()
    sets = []
    for req in sorted(required_sets(source), key=_selectivity, reverse=True):
        words = searchable(req)
        if words is None:
            continue
        # Beyond the most selective set, only sets of long words: a short one ("a", " on ", " the ": its
        # spaces do not count) is in most lines and costs a hit to count in each.
        if sets and min(len(x.strip().encode("utf-8", "surrogatepass")) for x in words[0] | words[1]) < (
            _EXTRA_MIN_BYTES
        ):
            continue
        sets.append(frozenset(["=" + x for x in words[0]] + ["~" + x for x in words[1]]))
        if len(sets) == _MAX_SETS:
            break
    return tuple(sets)


def _plain_flags(flags: int) -> bool:
    """Only flags that cannot make a literal match other text: no FULLCASE, VERSION1, WORD, ASCII ..."""
    return not flags & ~(regex.IGNORECASE | regex.UNICODE | regex.VERSION0 | regex.MULTILINE | regex.DOTALL)
