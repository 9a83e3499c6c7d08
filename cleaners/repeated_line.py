"""Lines that recur across a source's documents (counted over the corpus in a first pass)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from .base import Cleaner
from .core import Removal
from .mining import LineTable, normalise_line, source_key
from .settings import REPEATED_LINE_FIELDS
from .text import Document

if TYPE_CHECKING:  # ruleset imports this module (kind: repeated_line): only the type is needed
    from .ruleset import Ruleset

RULE = "repeated line"


class RepeatedLineCleaner(Cleaner):
    """Removes a line found in at least min_docs and min_share of its source's documents.

    The counts are not computed here: the flow counts the corpus first and hands the frozen table
    over with attach_line_table. Without a table this cleaner finds nothing.
    """

    OPTION_FIELDS = REPEATED_LINE_FIELDS  # checked when the config is read, so errors name its file

    def __init__(self, spec: Any, table: LineTable | None = None):
        super().__init__(spec)
        self.table = table

    @property
    def source_by(self) -> str:
        return self.spec.option("source_by", "folder")

    @property
    def min_docs(self) -> int:
        return self.spec.option("min_docs", 20)

    @property
    def min_share(self) -> float:
        return self.spec.option("min_share", 0.5)

    @property
    def max_tracked(self) -> int:
        return self.spec.option("max_tracked", 2000)

    def find_removals(self, doc: Document) -> Iterator[Removal]:
        if self.table is None:
            return
        lines = self.table.lines_of(source_key(doc.source, doc.domain, self.table.by))
        if not lines:
            return
        shadow = self.spec.mode == "shadow"
        for line in doc.lines:
            hit = lines.get(normalise_line(line.content)) if line.content else None
            if hit is not None:
                text = doc.text[line.start : line.end]
                yield Removal(
                    line.start, line.end, self.name, RULE, text, shadow=shadow, detail=hit.evidence()
                )


CLEANER = RepeatedLineCleaner


def repeated_line_cleaner(ruleset: Ruleset) -> RepeatedLineCleaner | None:
    """The enabled repeated_line cleaner of a ruleset, or None (then no counting pass is needed)."""
    for c in ruleset.cleaners:
        if isinstance(c, RepeatedLineCleaner):
            return c
    return None


def attach_line_table(ruleset: Ruleset, table: LineTable) -> Ruleset:
    """The ruleset with the repeated_line cleaner holding `table`; the hash then covers the table too."""
    cleaners = tuple(
        RepeatedLineCleaner(c.spec, table) if isinstance(c, RepeatedLineCleaner) else c
        for c in ruleset.cleaners
    )
    digest = hashlib.sha256(
        json.dumps([ruleset.hash, table.digest_input()], ensure_ascii=False).encode("utf-8")
    ).hexdigest()
    return replace(ruleset, cleaners=cleaners, hash=digest)
