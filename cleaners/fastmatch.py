"""Cheap pre-checks for whole-line rules, derived from the compiled rules at load time.

Each rule's pattern is read once for a set of literals one of which every match must contain
("cookie" in a cookie-banner rule, "/" in a slash-credit rule). A rule none of whose literals
occurs anywhere in a document cannot match any of its lines, so it is left out for that
document; the rules that remain keep their YAML order, so the rule credited is unchanged. A
rule whose pattern yields no literal set, or uses syntax this reader does not follow
(backreferences, named or atomic groups, conditionals, flags other than a leading or scoped i,
fuzzy matching, nested sets), is always kept: the pre-check can only skip work, never matches.

Measured here (benchmarks/throughput.py): the regex module's alternations of many literals, and
one combined pattern per cleaner (per line or over the joined lines), were all slower than the
per-rule loop on lines; see RuleGate.MAX_LITERALS for when the gate pays.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import regex

_FLAGS = regex.compile(r"\(\?([a-zA-Z]*)([:)])")
_QUANT_BRACE = regex.compile(r"\{(\d*)(?:(,)(\d*))?\}")
_ESCAPE_WITH_BRACE = set("pPNx")  # \p{L}, \N{name}, \x{263a}: the braces are not a quantifier
_LINE_BREAKS = set("\r\n")


class _Unsure(Exception):
    pass


@dataclass(frozen=True)
class _Lit:
    """A literal string, and whether it is matched case-insensitively."""

    text: str
    icase: bool


def _better(a, b):
    """The more selective of two requirements (longer shortest literal, then fewer literals)."""
    if a is None:
        return b
    if b is None:
        return a
    ka = (min(len(x.text) for x in a), -len(a))
    kb = (min(len(x.text) for x in b), -len(b))
    return a if ka >= kb else b


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


def _parse(src: str, i: int, icase: bool, depth: int):
    """The requirement of the alternation starting at src[i]; returns (req, index of its closing ')' or len)."""
    n = len(src)
    branches = []
    best = None  # best requirement of the current branch
    run: list[str] = []  # the current run of mandatory literal characters

    def end_run():
        nonlocal best, run
        if run:
            best = _better(best, (_Lit("".join(run), icase),))
        run = []

    while i < n:
        c = src[i]
        if c == ")":
            if depth == 0:
                raise _Unsure
            break
        if c == "|":
            end_run()
            branches.append(best)
            best = None
            i += 1
            continue
        item = None  # requirement of this item (a group), or a literal char
        char = None
        if c == "\\":
            if i + 1 >= n:
                raise _Unsure
            e = src[i + 1]
            if e in _ESCAPE_WITH_BRACE and i + 2 < n and src[i + 2] == "{":
                end = src.find("}", i)
                if end < 0:
                    raise _Unsure
                i = end + 1
            elif e.isascii() and not e.isalnum():
                char = e  # an escaped punctuation mark is itself
                i += 2
            else:
                i += 2  # \d \s \w \b \p ... : a class or an assertion, no literal
                if e.isdigit() or e in "gkQ":
                    raise _Unsure  # backreferences and quoting: not followed here
        elif c == "[":
            i = _class_end(src, i)
        elif c == "(":
            if src.startswith("(?", i):
                m = _FLAGS.match(src, i)
                if src.startswith(("(?=", "(?!", "(?<=", "(?<!"), i):
                    # Lookarounds add no requirement here: skip their content.
                    opener = 4 if src.startswith("(?<", i) else 3
                    _, j = _parse(src, i + opener, icase, depth + 1)
                    i = j + 1
                    lo, i = _quantifier(src, i)
                    end_run()
                    continue
                if src.startswith("(?:", i):
                    item, j = _parse(src, i + 3, icase, depth + 1)
                    i = j + 1
                elif m and set(m.group(1)) <= {"i"}:
                    if m.group(2) == ":":
                        item, j = _parse(src, m.end(), icase or "i" in m.group(1), depth + 1)
                        i = j + 1
                    elif i == 0 and depth == 0:  # leading global flags
                        return _parse(src, m.end(), icase or "i" in m.group(1), 0)
                    else:
                        raise _Unsure
                else:
                    raise _Unsure  # named groups, atomic groups, conditionals, other flags ...
            else:
                item, j = _parse(src, i + 1, icase, depth + 1)
                i = j + 1
        elif c in "*+?{":
            raise _Unsure  # a quantifier with nothing before it
        elif c in ".^$":
            i += 1
        else:
            char = c
            i += 1
        before = i
        lo, i = _quantifier(src, i)
        if char is not None and lo >= 1 and char not in _LINE_BREAKS:
            run.append(char)
            if i != before:  # a repeated char: what follows need not come right after this copy
                end_run()
            continue
        end_run()
        if item is not None and lo >= 1:
            best = _better(best, item)
    end_run()
    branches.append(best)
    if any(b is None for b in branches):
        return None, i
    lits = tuple(dict.fromkeys(x for b in branches for x in b))
    return lits, i


def required_literals(source: str) -> tuple[_Lit, ...] | None:
    """Literals one of which every match of `source` contains; None if the pattern gives none (or is not understood)."""
    try:
        req, end = _parse(source, 0, False, 0)
    except (_Unsure, IndexError, ValueError):
        return None
    if end != len(source):
        return None
    return req


def _usable(lits: tuple[_Lit, ...]) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """(case-sensitive literals, case-folded literals) to look for, or None if a literal cannot be trusted.

    A case-insensitive literal is looked for, case-folded, in the case-folded text; that is only
    sure for ASCII literals (checked against every code point: whatever the regex module's (?i)
    matches to an ASCII letter or digit contains it once case-folded) and only in a text where
    no character folds to several (Document.casefolded is None otherwise, and the rule is kept).
    """
    exact, folded = [], []
    for x in lits:
        if not x.text:
            return None
        if x.icase:
            if not x.text.isascii():
                return None
            folded.append(x.text.casefold())
        else:
            exact.append(x.text)
    return tuple(dict.fromkeys(exact)), tuple(dict.fromkeys(folded))


class RuleGate:
    """Which of an ordered list of rules can match anywhere in a document, by their literals."""

    # A literal looked for costs one C-speed scan of the document per rule. On the benchmark corpus
    # (one line in six boilerplate, so nearly every document holds every rule's words) gating any
    # rule cost more than it saved (4.4-4.7 MB/s off, 3.7-4.0 MB/s with up to 3 literals), so it is
    # off by default: raise this for corpora where most documents have little boilerplate.
    MAX_LITERALS = 0

    def __init__(self, rules: Sequence[Any]):
        self.rules = tuple(rules)
        gates = []
        for rule in self.rules:
            req = required_literals(rule.pattern.pattern)
            usable = _usable(req) if req else None
            if usable is not None and len(usable[0]) + len(usable[1]) > self.MAX_LITERALS:
                usable = None
            gates.append(usable)
        self.gates = tuple(gates)
        self.any_gate = any(g is not None for g in gates)
        self.needs_folded = any(g is not None and g[1] for g in gates)

    def rules_for(self, text: str, folded: str | None) -> tuple[Any, ...]:
        """The rules, in order, less those none of whose literals is in the document (they cannot match)."""
        if not self.any_gate:
            return self.rules
        out = []
        for rule, gate in zip(self.rules, self.gates):
            if (
                gate is None
                or any(w in text for w in gate[0])
                or (gate[1] and (folded is None or any(w in folded for w in gate[1])))
            ):
                out.append(rule)
        return tuple(out)
