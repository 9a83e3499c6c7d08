"""A run's removals as compact rows, read once from the reports, for the review server's filtered views.

Every table of the server is computed from these rows on demand, filtered by cleaner, rule, risk,
held and source, so no page per input is ever written and a 100,000-file run needs one pass.
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path

from cleaners.core import Status

from ..outputs.records import STATUS_WORD, status_of
from .data import (
    RISKS,
    FileEntry,
    counted_report,
    iter_entries,
    load_summary,
    nonblank_lines,
    risk_of,
    source_of,
)


@dataclass(frozen=True, slots=True)
class Row:
    """One recorded removal (acting, shadow or held)."""

    file: int  # index into RunIndex.files
    idx: int  # its index in the file's report (the page anchor r<idx>)
    cleaner: str
    rule: str
    status: str  # Status value
    risk: str
    source: str
    chars: int
    lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Filters:
    """What the reviewer narrowed the tables to; "" means any."""

    cleaner: str = ""
    rule: str = ""  # "cleaner/rule"
    risk: str = ""
    held: str = ""  # "yes" or "no"
    source: str = ""
    line: str = ""  # one distinct removed line (the removals view of a line count)

    @classmethod
    def from_query(cls, query: dict[str, list[str]]) -> Filters:
        return cls(**{f.name: (query.get(f.name) or [""])[0][:2000] for f in fields(cls)})

    def items(self) -> list[tuple[str, str]]:
        return [(f.name, getattr(self, f.name)) for f in fields(self) if getattr(self, f.name)]

    def keep(self, row: Row) -> bool:
        return (
            (not self.cleaner or row.cleaner == self.cleaner)
            and (not self.rule or f"{row.cleaner}/{row.rule}" == self.rule)
            and (not self.risk or row.risk == self.risk)
            and (not self.held or (row.status == STATUS_WORD[Status.HELD]) == (self.held == "yes"))
            and (not self.source or row.source == self.source)
            and (not self.line or self.line in row.lines)
        )


class RunIndex:
    """The run's summary, its files in order and every removal as a Row."""

    def __init__(self, out_dir: str | Path) -> None:
        self.out = Path(out_dir)
        self.summary = load_summary(self.out)
        self.files: list[FileEntry] = []
        self.rows: list[Row] = []
        self.spans: list[tuple[int, int]] = []  # per file, its rows' slice of self.rows
        for entry in iter_entries(self.out, self.summary):
            self._add(entry)
        self.chars_in = sum(int(f.record.get("chars_in") or 0) for f in self.files)
        self.cleaners = sorted({r.cleaner for r in self.rows})
        self.rules = sorted({f"{r.cleaner}/{r.rule}" for r in self.rows})
        self.sources = sorted({source_of(f.input) for f in self.files})
        self.by_input = {f.input: i for i, f in enumerate(self.files)}
        self._select = lru_cache(maxsize=64)(self._select_uncached)
        self._memo: dict[tuple, object] = {}

    def _add(self, entry: FileEntry) -> None:
        i, first = len(self.files), len(self.rows)
        source = sys.intern(source_of(entry.input))
        for n, r in enumerate(counted_report(entry).get("removals") or []):
            self.rows.append(
                Row(
                    i,
                    n,
                    sys.intern(r["cleaner"]),
                    sys.intern(r["rule"]),
                    STATUS_WORD[status_of(r)],
                    risk_of(r),
                    source,
                    r["end"] - r["start"],
                    tuple(nonblank_lines(r["text"])),
                )
            )
        self.spans.append((first, len(self.rows)))
        # The report is read again only when its file is viewed: 100,000 reports stay on disk.
        self.files.append(FileEntry(entry.input, entry.stem, entry.record, None))

    def rows_of(self, i: int) -> list[Row]:
        start, end = self.spans[i]
        return self.rows[start:end]

    def select(self, f: Filters) -> list[Row]:
        """The rows the filters keep, in run order (cached: paging through a view filters once)."""
        return self._select(f)

    def memo(self, what: str, f: Filters, make):
        """make(rows) for the filtered rows, computed once per view and filters (tables of a big run take
        a second to count; paging and coming back to a view should not)."""
        key = (what, f)
        if key not in self._memo:
            if len(self._memo) > 256:
                self._memo.clear()
            self._memo[key] = make(self.select(f))
        return self._memo[key]

    def warm(self) -> None:
        """Count the unfiltered tables ahead of the first visit."""
        self.memo("by-cleaner", Filters(), by_cleaner)
        self.memo("by-rule", Filters(), by_rule)
        self.memo("lines", Filters(), distinct_lines)

    def _select_uncached(self, f: Filters) -> list[Row]:
        return self.rows if not f.items() else [r for r in self.rows if f.keep(r)]


def group_counts(rows: list[Row], key) -> dict:
    """Per key: removals, shadow and held counts, files touched and characters removed (acting only)."""
    out: dict = defaultdict(lambda: {"removals": 0, "shadow": 0, "held": 0, "chars": 0, "files": set()})
    for r in rows:
        g = out[key(r)]
        if r.status == STATUS_WORD[Status.ACTING]:
            g["removals"] += 1
            g["chars"] += r.chars
        else:
            g["shadow" if r.status == STATUS_WORD[Status.SHADOW] else "held"] += 1
        g["files"].add(r.file)
    return {k: {**v, "files": len(v["files"])} for k, v in sorted(out.items())}


def by_cleaner(rows: list[Row]) -> dict:
    return group_counts(rows, lambda r: r.cleaner)


def by_rule(rows: list[Row]) -> dict:
    return group_counts(rows, lambda r: (r.cleaner, r.rule))


def distinct_lines(rows: list[Row]) -> list[tuple[str, int, int, Counter]]:
    """(line, count, files, Counter of "cleaner/rule") per distinct removed line, most frequent first."""
    count: Counter = Counter()
    files: dict[str, set] = defaultdict(set)
    rules: dict[str, Counter] = defaultdict(Counter)
    for r in rows:
        for line in r.lines:
            count[line] += 1
            files[line].add(r.file)
            rules[line][f"{r.cleaner}/{r.rule}"] += 1
    ranked = sorted(count.items(), key=lambda kv: (-kv[1], kv[0]))
    return [(line, n, len(files[line]), rules[line]) for line, n in ranked]


def files_of(rows: list[Row]) -> list[int]:
    """The files the rows come from, in run order."""
    return sorted({r.file for r in rows})


def risky_first(rows: list[Row]) -> list[Row]:
    """Samples to read first: risky, then likely, then certain; run order within a level."""
    order = {k: i for i, k in enumerate(RISKS)}
    return sorted(rows, key=lambda r: (order.get(r.risk, 1), r.file, r.idx))
