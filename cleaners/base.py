"""The cleaner base classes: a cleaner reads a Document and yields Removals; it never edits text."""

from __future__ import annotations

from typing import Any, ClassVar, Iterator, Mapping

from .core import Removal
from .text import Document, Line, search


class Cleaner:
    """One kind of boilerplate. Subclasses set OPTION_TYPES for their YAML `options` and override find_removals."""

    OPTION_TYPES: ClassVar[Mapping[str, type]] = {}

    def __init__(self, spec: Any):
        self.spec = spec  # a frozen CleanerSpec
        self.name: str = spec.name

    def find_removals(self, doc: Document) -> Iterator[Removal]:
        raise NotImplementedError

    def removal(self, doc: Document, line: Line, rule: Any, detail: str = "") -> Removal:
        """A removal of one whole line (with its terminator) credited to `rule`."""
        return Removal(
            line.start,
            line.end,
            self.name,
            rule.name,
            doc.text[line.start : line.end],
            shadow=rule.mode == "shadow",
            detail=detail,
        )


class PatternCleaner(Cleaner):
    """Whole-line rules: a line goes when a rule's pattern is found in it (stripped of surrounding space).

    Rules with `near` fire only within `window` non-blank lines of a line matched by one of the
    named rules, so a button label ("I agree") is removed beside its banner and nowhere else.
    """

    def match_line(self, stripped: str, rules, doc: Document | None = None) -> Any:
        """The first rule whose pattern is found in the stripped line, or None (searched under doc's time limit)."""
        n = len(stripped)
        for rule in rules:
            if n <= rule.max_chars and search(doc, f"{self.name}/{rule.name}", rule.pattern, stripped):
                return rule
        return None

    def find_removals(self, doc: Document) -> Iterator[Removal]:
        rules = self.spec.rules
        plain = [r for r in rules if not r.near]
        near = [r for r in rules if r.near]
        limit = self.spec.max_chars
        matched: dict[int, Any] = {}  # line index -> rule
        nonblank: list[Line] = []
        for line in doc.lines:
            s = line.content.strip()
            if not s:
                continue
            nonblank.append(line)
            if len(s) > limit:
                continue
            rule = self.match_line(s, plain, doc)
            if rule is not None:
                matched[line.index] = rule
        if near and matched:
            self._match_near(doc, nonblank, near, matched, limit)
        for index in sorted(matched):
            yield self.removal(doc, doc.lines[index], matched[index])

    def _match_near(self, doc: Document, nonblank: list[Line], near: list, matched: dict[int, Any], limit: int) -> None:
        # Repeat until nothing changes, so a stack of buttons under a banner chains from one to the next.
        changed = True
        while changed:
            changed = False
            for pos, line in enumerate(nonblank):
                if line.index in matched:
                    continue
                s = line.content.strip()
                if len(s) > limit:
                    continue
                for rule in near:
                    if len(s) > rule.max_chars or not search(doc, f"{self.name}/{rule.name}", rule.pattern, s):
                        continue
                    lo, hi = max(0, pos - rule.window), min(len(nonblank), pos + rule.window + 1)
                    if any(matched.get(nonblank[p].index) is not None and matched[nonblank[p].index].name in rule.near for p in range(lo, hi)):
                        matched[line.index] = rule
                        changed = True
                        break
