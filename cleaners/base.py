"""The cleaner base classes: a cleaner reads a Document and yields Removals; it never edits text."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

import regex

from .core import Removal
from .fastmatch import RuleGate
from .settings import Field
from .text import Document, Line, search

_SEEN_MAX = 2048  # lines whose answer a cleaner remembers before it starts again
_SEEN_CHARS = 200  # longer lines are not remembered: labels and banners recur, article lines seldom do


class Cleaner:
    """One kind of boilerplate. Subclasses declare their YAML `options` and rule roles, and find removals.

    OPTION_TYPES maps an option to its type (regex.Pattern: a pattern, kept as written); OPTION_FIELDS
    declares options with a check as well. ROLES are the `role:` values its rules may take.
    """

    OPTION_TYPES: ClassVar[Mapping[str, type]] = {}
    OPTION_FIELDS: ClassVar[tuple[Field, ...]] = ()
    ROLES: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def option_fields(cls) -> tuple[Field, ...]:
        typed = tuple(
            Field(k, t, None, "a regular expression" if t is regex.Pattern else t.__name__)
            for k, t in cls.OPTION_TYPES.items()
        )
        return cls.OPTION_FIELDS + typed

    def __init__(self, spec: Any):
        self.spec = spec  # a frozen CleanerSpec
        self.name: str = spec.name

    def find_removals(self, doc: Document) -> Iterator[Removal]:
        raise NotImplementedError

    def plan_gate(self) -> RuleGate | None:
        """The gate whose line_rules alone decide this cleaner's work in a document, or None.

        The engine walks all such gates of a ruleset at once (fastmatch.GateSet) and calls
        removals_at with this gate's lines; with None it asks idle() and find_removals() instead.
        """
        return None

    def removals_at(self, doc: Document, by_line: dict[int, tuple]) -> Iterator[Removal]:
        """find_removals, given plan_gate().line_rules(doc) (not empty)."""
        raise NotImplementedError

    def idle(self, doc: Document) -> bool:
        """True when the cleaner is sure to find nothing in the document (a cheap check; False if unsure)."""
        return False

    def removal(self, doc: Document, line: Line, rule: Any, detail: str = "") -> Removal:
        """A removal of one whole line (with its terminator) credited to `rule`."""
        return self.line_removal(doc, line.index, rule, detail)

    def line_removal(self, doc: Document, index: int, rule: Any, detail: str = "") -> Removal:
        """removal() of line `index`, from the document's offsets (no Line object is made)."""
        starts = doc.line_starts
        start = starts[index]
        end = starts[index + 1] if index + 1 < len(starts) else len(doc.text)  # doc.line_end, inlined
        return Removal(
            start, end, self.name, rule.name, doc.text[start:end], rule.mode == "shadow", "", detail
        )


class PatternCleaner(Cleaner):
    """Whole-line rules: a line goes when a rule's pattern is found in it (stripped of surrounding space).

    Rules with `near` fire only within `window` non-blank lines of a line matched by one of the
    named rules, so a button label ("I agree") is removed beside its banner and nowhere else.
    """

    def __init__(self, spec: Any):
        super().__init__(spec)
        self._prepare()

    def _prepare(self) -> None:
        """Split the rules and build their gates, once per spec, from whatever rules the YAML holds.

        A ruleset view (without_shadow, shadow_switched_on) copies a cleaner and swaps its spec, so
        this is redone whenever the spec is not the one it was built for.
        """
        if getattr(self, "_prepared_for", None) is self.spec:
            return
        spec = self.spec
        self._plain = tuple(r for r in spec.rules if not r.near)
        self._near = tuple(r for r in spec.rules if r.near)
        self._plain_gate = RuleGate(self._plain)
        self._near_gate = RuleGate(self._near)
        self._all_gate = RuleGate(spec.rules)
        self._prepared_for = spec

    def idle(self, doc: Document) -> bool:
        # `near` rules fire only beside a line a plain rule took: no plain candidate, no removal.
        # A subclass that finds removals its own way says for itself when it is idle.
        if self._finds_its_own_way():
            return False
        self._prepare()
        return not self._plain_gate.may_hit(doc)

    def _finds_its_own_way(self) -> bool:
        """A subclass with its own find_removals: the gates of this class do not describe it."""
        return type(self).find_removals is not PatternCleaner.find_removals

    def match_line(self, stripped: str, rules, doc: Document | None = None) -> Any:
        """The first rule found in the stripped line, or None (searched under doc's time limit)."""
        n = len(stripped)
        for rule in rules:
            if n <= rule.max_chars and search(doc, f"{self.name}/{rule.name}", rule.pattern, stripped):
                return rule
        return None

    def _match_seen(self, stripped: str, rules, doc: Document) -> Any:
        """match_line of a plain rule, remembered by the line's text (the gate's `seen`, bounded).

        A plain rule's match depends on the line alone, as long as no search of the document has
        timed out (a rule given up on is skipped): only such answers are kept or used.
        """
        seen = self._plain_gate.seen
        hit = seen.get(stripped)
        if hit is not None and hit[0] is rules and not doc.timed_out:
            return hit[1]
        rule = self.match_line(stripped, rules, doc)
        if len(stripped) <= _SEEN_CHARS and not doc.timed_out:
            if len(seen) >= _SEEN_MAX:
                seen.clear()
            seen[stripped] = (rules, rule)
        return rule

    def match_at(
        self, doc: Document, index: int, stripped: str, candidates: tuple[dict[int, tuple], tuple]
    ) -> Any:
        """match_line for line `index`, trying only the rules candidates() gives that line."""
        by_line, rest = candidates
        return self.match_line(stripped, by_line.get(index, rest), doc)

    def candidates(self, doc: Document, gate: RuleGate | None = None) -> tuple[dict[int, tuple], tuple]:
        """(line index -> the rules that may match it, the rules any other line gets) for the plain rules."""
        self._prepare()
        gate = gate or self._plain_gate
        return gate.line_rules(doc), gate.rest

    def plan_gate(self) -> RuleGate | None:
        # Only when every plain rule is gated (no rule is tried on every line) and the cleaner finds
        # its removals this class's way.
        if self._finds_its_own_way():
            return None
        self._prepare()
        return None if self._plain_gate.rest else self._plain_gate

    def removals_at(self, doc: Document, by_line: dict[int, tuple]) -> Iterator[Removal]:
        return self._removals(doc, by_line, ())

    def find_removals(self, doc: Document) -> Iterator[Removal]:
        return self._removals(doc, *self.candidates(doc))

    def _removals(self, doc: Document, by_line: dict[int, tuple], rest: tuple) -> Iterator[Removal]:
        limit = self.spec.max_chars
        stripped = doc.stripped
        if rest or doc.timed_out:
            matched = self._matched(doc, by_line, rest)
        else:  # every rule gated, no search given up on (most documents): the line memory read here
            matched = {}  # line index -> rule
            seen, timed_out = self._plain_gate.seen, doc.timed_out  # (a search may time out meanwhile)
            for i in sorted(by_line):
                s = stripped[i]
                if not s or len(s) > limit:  # blank, or a long article line
                    continue
                rules = by_line[i]
                hit = seen.get(s)
                if hit is not None and hit[0] is rules and not timed_out:
                    rule = hit[1]
                else:
                    rule = self._match_seen(s, rules, doc)
                if rule is not None:
                    matched[i] = rule
        if self._near and matched:
            self._match_near(doc, matched, limit)
        # line_removal, inlined (a call a removal less)
        text, starts, name = doc.text, doc.line_starts, self.name
        n = len(starts)
        for index in sorted(matched):
            rule = matched[index]
            start = starts[index]
            end = starts[index + 1] if index + 1 < n else len(text)
            yield Removal(start, end, name, rule.name, text[start:end], rule.mode == "shadow", "", "")

    def _matched(self, doc: Document, by_line: dict[int, tuple], rest: tuple) -> dict[int, Any]:
        """Line index -> the rule that took it, for _removals' other cases: some rule ungated (tried on
        every line), or a search of the document timed out (lines answered by match_line alone)."""
        limit = self.spec.max_chars
        matched: dict[int, Any] = {}
        stripped = doc.stripped
        match_line = self._match_seen if not doc.timed_out else self.match_line
        for i in range(len(stripped)) if rest else sorted(by_line):
            s = stripped[i]
            if not s or len(s) > limit:  # blank, or a long article line
                continue
            rule = match_line(s, by_line.get(i, rest), doc)
            if rule is not None:
                matched[i] = rule
        return matched

    def _match_near(self, doc: Document, matched: dict[int, Any], limit: int) -> None:
        by_line, rest = self.candidates(doc, self._near_gate)
        if not by_line and not rest:
            return
        stripped = doc.stripped
        # With every near rule gated, only the gate's lines (a few) are walked, not every line.
        lines = range(len(stripped)) if rest else sorted(by_line)
        # Repeat until nothing changes, so a stack of buttons under a banner chains from one to the next.
        changed = True
        while changed:
            changed = False
            for index in lines:
                s = stripped[index]
                if not s or index in matched:
                    continue
                near = by_line.get(index, rest)
                if not near or len(s) > limit:
                    continue
                for rule in near:
                    if len(s) > rule.max_chars or not search(
                        doc, f"{self.name}/{rule.name}", rule.pattern, s
                    ):
                        continue
                    if _beside(stripped, matched, index, rule):
                        matched[index] = rule
                        changed = True
                        break


def _beside(stripped: list[str], matched: dict[int, Any], index: int, rule: Any) -> bool:
    """True if a line within rule.window non-blank lines of line `index` was taken by a rule it names."""
    for step in (-1, 1):
        i, left = index + step, rule.window
        while left > 0 and 0 <= i < len(stripped):
            if stripped[i]:
                taken = matched.get(i)
                if taken is not None and taken.name in rule.near:
                    return True
                left -= 1
            i += step
    return False
