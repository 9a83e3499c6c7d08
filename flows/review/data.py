"""What a reviewer needs from a finished run, read back from its summary.json and per-file reports.

Everything here comes from the recorded removals (never from re-diffing), and is deterministic:
sorted, no times, only paths relative to the output folder.
"""

from __future__ import annotations

import json
import posixpath
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from cleaners.core import Status

from ..inputs.discover import InputFile
from ..outputs.manifest import recorded_entries, run_in_progress, unsummarised
from ..outputs.records import STATUS_WORD, ReportReader, is_records_name, status_of
from ..outputs.unfinished import unfinished_since
from ..run.handback import ResultLost, handed_back, taken

# The distinct-lines list keeps the most frequent lines and, per line, links to this many files:
# enough to judge a line, small enough that a 10,000-file index stays a few megabytes.
MAX_DISTINCT_LINES = 2000
MAX_FILES_PER_LINE = 20


RISKS = ("risky", "likely", "certain")  # risky first: the order samples are shown in


def risk_of(record: dict) -> str:
    """The removal's risk (issue 12). The ONE place a placeholder stands in for reports written before
    per-removal risk: held removals looked like article text to the quarantine (risky), others are likely."""
    risk = record.get("risk")
    if risk in RISKS:
        return risk
    return "risky" if status_of(record) is Status.HELD else "likely"


def source_of(input_rel: str) -> str:
    """The source a file belongs to: its folder in the run ("." for the top)."""
    return posixpath.dirname(input_rel) or "."


@dataclass(slots=True)
class Counts:
    """One cleaner's (or a file's) removals: the acting ones with their non-blank lines and characters,
    and the shadow matches and held removals, which take nothing out of the text."""

    removals: int = 0
    lines: int = 0
    chars: int = 0
    shadow: int = 0
    held: int = 0

    def add(self, status: Status, lines: int, chars: int) -> None:
        if status is Status.HELD:
            self.held += 1
        elif status is Status.SHADOW:
            self.shadow += 1
        else:
            self.removals += 1
            self.lines += lines
            self.chars += chars

    def add_counts(self, other: Counts) -> None:
        self.removals += other.removals
        self.lines += other.lines
        self.chars += other.chars
        self.shadow += other.shadow
        self.held += other.held

    def as_list(self) -> list[int]:
        """[removals, lines, chars, shadow, held], as in index-data.js (INDEX_JS's counts() reads them)."""
        return [self.removals, self.lines, self.chars, self.shadow, self.held]

    @classmethod
    def from_list(cls, values: list[int]) -> Counts:
        return cls(*values)


class ReviewError(ValueError):
    """The folder is not the output of a run (no readable summary.json)."""


@dataclass(frozen=True, slots=True)
class FileEntry:
    """One input of the run, in run order, and where its report and page are."""

    input: str
    stem: str
    record: dict  # the summary's file record
    report: dict | None  # its report, or None when no report of this run exists (clash, unexpected error)

    @property
    def page(self) -> str:
        """The page's path relative to the output folder."""
        return f"{self.stem}.html"

    @property
    def href(self) -> str:
        """The page as a relative URL (percent-encoded: '#', '?' or '%' in a name stay in the path)."""
        return quote(self.page, safe="/")


@dataclass
class Review:
    """Totals, per-file rows, distinct removed lines and failures of one run."""

    summary: dict
    files: list[dict] = field(default_factory=list)
    cleaners: list[str] = field(default_factory=list)
    by_cleaner: dict[str, dict[str, int]] = field(default_factory=dict)
    by_rule: list[dict] = field(default_factory=list)
    lines: list[dict] = field(default_factory=list)
    lines_total: int = 0
    failed: list[dict] = field(default_factory=list)
    held: list[dict] = field(default_factory=list)  # documents the over-removal quarantine held, with reasons

    def to_data(self) -> dict:
        """The JSON the index page loads (index-data.js)."""
        return {
            "cleaners": self.cleaners,
            "files": self.files,
            "by_cleaner": self.by_cleaner,
            "by_rule": self.by_rule,
            "lines": self.lines,
            "lines_total": self.lines_total,
            "failed": self.failed,
            "held": self.held,
        }


def load_summary(out_dir: str | Path) -> dict:
    """The run's summary.json; raises ReviewError naming the problem, also when it does not describe the
    folder's outputs (a run stopped before rewriting it): a review would mix two runs."""
    path = Path(out_dir) / "summary.json"
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReviewError(
            unfinished_run(out_dir, None)
            or f"{out_dir}: no summary.json (not the output folder of a boilerclean run)"
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReviewError(f"{path}: cannot read: {exc}") from None
    if isinstance(summary, dict) and (problem := unfinished_run(out_dir, summary)):
        raise ReviewError(problem)
    return summary


def unfinished_run(out_dir: str | Path, summary: dict | None) -> str | None:
    """One line when summary.json (`summary`; None: missing) is older than the outputs: a later run started
    and did not finish (outputs/unfinished.py), or the manifest records outputs it does not describe (a run
    of an older version, or a marker lost); it says why and what to run. None when it describes them."""
    behind = list(recorded_entries(out_dir)) if summary is None else unsummarised(out_dir, summary)
    since = unfinished_since(out_dir)
    if not behind and since is None:
        return None
    if run_in_progress(out_dir):
        return f"{out_dir}: a run is writing to this folder now; review it once that run has finished"
    rerun = (
        f"run the same `boilerclean run ... --out {out_dir}` again to finish it (it cleans only what is left)"
    )
    did = f"cleaned {len(behind)} files but" if behind else f"started at {since} and"
    if summary is None:
        stopped = f"after {len(behind)} files" if behind else "before it wrote one"
        return f"{out_dir}: no summary.json: the run writing this folder stopped {stopped}; " + rerun
    return (
        f"{out_dir}/summary.json is stale: a later run {did} did not rewrite it "
        f"(it was stopped, or could not write it); {rerun}"
    )


def iter_entries(out_dir: str | Path, summary: dict) -> Iterator[FileEntry]:
    """The run's files in order, each with its report if the report on disk belongs to this run."""
    reader = ReportReader(out_dir)
    for rec in summary.get("file_records", []):
        stem = InputFile("", rec["input"]).stem
        yield FileEntry(rec["input"], stem, rec, read_report(reader, rec, summary))


def read_report(reader: ReportReader, record: dict, summary: dict) -> dict | None:
    """The report of a file of the run (its summary record names the file holding it), or None."""
    rel = record.get("input")
    return _own(reader.report(rel, record.get("records")), rel, summary.get("ruleset_hash"))


def _own(report: dict | None, rel: str | None, ruleset_hash: str | None) -> dict | None:
    """The report if it is input rel's under this ruleset: a report of another input (a name clash) or of
    another ruleset (an older run) is not this file's."""
    if report is None or report.get("ruleset_hash") != ruleset_hash:
        return None
    return report if report.get("input") == rel else None


# Said of a file that failed in the run but shows the outputs and report of its last good cleaning (kept in
# place: a failure never replaces a good output).
EARLIER_OUTPUTS = "; its outputs in place are from an earlier run (not counted in this run's totals)"


def counted_report(entry: FileEntry) -> dict:
    """The report whose removals count for the run: none for a file that failed in it, as summary.json
    counts it (a report of it in place is an error report, or the last good one, an earlier run's)."""
    return {} if entry.record.get("error") else entry.report or {}


def error_of(entry: FileEntry) -> str | None:
    """The file's error in this run, saying so when its outputs and report in place are an earlier run's."""
    report = entry.report or {}
    if entry.record.get("error") and entry.report is not None and not report.get("error"):
        return entry.record["error"] + EARLIER_OUTPUTS
    return entry.record.get("error") or report.get("error")


def nonblank_lines(text: str) -> list[str]:
    """The stripped, non-blank lines of a removed span (blank lines only tidy the layout)."""
    return [s for ln in text.splitlines() if (s := ln.strip())]


# Files per job when the run's worker processes read the reports for the index: the main process would
# otherwise read them all alone after the cleaning (~1 s per 4,000 files; issue 15's second worker).
TALLY_CHUNK = 1000


def tally_files(out_dir: str, ruleset_hash: str | None, records: list[dict]) -> Tally:
    """Read the reports of these files (summary records, in run order) and count them: one job."""
    return _tally(iter_entries(out_dir, {"ruleset_hash": ruleset_hash, "file_records": records}))


def tally_reports(ruleset_hash: str, records: list[dict], report_of: Callable[[str], dict | None]) -> Tally:
    """Count a batch's files (summary records, in run order) from their reports still in memory, as
    tally_files would read them back: a file's report counts only when its record names the file holding
    it (put in place). report_of(input): its report."""

    def entry(rec: dict) -> FileEntry:
        rel = rec["input"]
        report = report_of(rel) if is_records_name(rec.get("records")) else None
        return FileEntry(rel, InputFile("", rel).stem, rec, _own(report, rel, ruleset_hash))

    return _tally(map(entry, records))


def _tally(entries: Iterable[FileEntry]) -> Tally:
    """Count these files, in run order."""
    tally = Tally()
    for entry in entries:
        tally.rows.append(tally.add_file(entry))
    for line in tally.lines.values():
        line.last = ""  # only needed within a job (files do not span jobs); not sent back
    return tally


def collect_review(
    out_dir: str | Path, summary: dict | None = None, pool: Executor | None = None, tally: Tally | None = None
) -> Review:
    """Read every report of the run once and build the review's totals, rows and distinct lines; with a
    pool, slices of the run are read and counted in its processes and the counts added here, in order.
    `tally`: the run's files already counted (the batches' tallies, tally_reports): used when it holds
    exactly the summary's files in its order (a run where every file was cleaned), else read back."""
    summary = summary if summary is not None else load_summary(out_dir)
    review = Review(summary=summary)
    records, args = summary.get("file_records", []), (str(out_dir), summary.get("ruleset_hash"))
    if tally is None or [row["input"] for row in tally.rows] != [r["input"] for r in records]:
        tally = _read_tally(records, args, pool)
    for row in tally.rows:
        if row["error"]:
            review.failed.append({"input": row["input"], "error": row["error"], "page": row["page"]})
    review.files = tally.rows
    tally.fill(review)
    pages = {f["input"]: f["page"] for f in review.files}
    review.held = [
        {"input": h["input"], "reasons": list(h.get("reasons", [])), "page": pages.get(h["input"])}
        for h in summary.get("held", [])
    ]
    return review


def over_pool(pool: Executor, fn: Callable, jobs: list[tuple]) -> Iterator[Any]:
    """fn(*job) for each job, in order, in the pool's processes. Where a worker died (out of memory, a
    signal: the pool is broken), the jobs it did not finish are run here, so the review is written all
    the same (reading reports and rendering pages crash no process: no C parser runs on them). Results
    come back through files in a temporary folder (run/handback.py: a worker killed mid-result cannot
    hang the pool)."""
    with tempfile.TemporaryDirectory(prefix="boilerclean-results-") as folder:
        futures = [_submit(pool, handed_back, (folder, fn, *job)) for job in jobs]
        for job, future in zip(jobs, futures, strict=True):
            yield fn(*job) if future is None else _result(future, fn, job)


def _result(future: Future, fn: Callable, job: tuple) -> Any:
    """The job's result from the pool, or from fn(*job) run here when its worker died or left its file."""
    try:
        back = future.result()
    except BrokenProcessPool:
        return fn(*job)
    try:
        return taken(back)
    except ResultLost:
        return fn(*job)


def _submit(pool: Executor, fn: Callable, job: tuple) -> Future | None:
    try:
        return pool.submit(fn, *job)
    except BrokenProcessPool:  # run here by over_pool
        return None


def _read_tally(records: list[dict], args: tuple, pool: Executor | None) -> Tally:
    """The run's files counted from their reports on disk, in slices over the pool when there is one."""
    if pool is None or len(records) <= TALLY_CHUNK:
        parts = iter([tally_files(*args, records)])
    else:
        slices = [records[i : i + TALLY_CHUNK] for i in range(0, len(records), TALLY_CHUNK)]
        parts = over_pool(pool, tally_files, [(*args, s) for s in slices])
    tally = next(parts)
    for part in parts:
        tally.merge(part)
    return tally


_REMOVED, _SHADOW, _HELD = (STATUS_WORD[s] for s in (Status.ACTING, Status.SHADOW, Status.HELD))


@dataclass(slots=True)
class _Line:
    """One distinct removed line of a run: how often, in how many files (and up to MAX_FILES_PER_LINE
    [href, input] pairs of them), from which sources."""

    count: int = 0
    nfiles: int = 0
    files: list = field(default_factory=list)
    sources: set = field(default_factory=set)
    last: str = ""  # the last file counted (a line is counted once per file)


# A Tally's counts are lists in Counts.as_list's order, [removals, lines, chars, shadow, held]: a list is
# added to and sent back as it is (a Counts object per key cost add_file a third of its time).
_FIELDS = Counts.__slots__


def _named(values: list[int], names: tuple[str, ...] = _FIELDS) -> dict[str, int]:
    return {k: values[_FIELDS.index(k)] for k in names}


def _add_into(into: dict, key: Any, values: list[int]) -> None:
    """into[key] += values, element by element (a copy when the key is new)."""
    mine = into.get(key)
    if mine is None:
        into[key] = values.copy()
    else:
        mine[0] += values[0]
        mine[1] += values[1]
        mine[2] += values[2]
        mine[3] += values[3]
        mine[4] += values[4]


class Tally:
    """Totals per cleaner and per rule, and the distinct removed lines, over the files of a run."""

    def __init__(self) -> None:
        self.rows: list[dict] = []  # the files table, in run order
        self.cleaners: dict[str, list[int]] = {}  # counts per cleaner (see _FIELDS)
        self.rules: dict[tuple[str, str], list[int]] = {}  # counts per (cleaner, rule)
        self.files: Counter = Counter()  # files per cleaner name and per (cleaner, rule)
        self.lines: dict[tuple, _Line] = {}  # (text, cleaner, rule, status word, risk) -> its counts

    def add_file(self, entry: FileEntry) -> dict[str, Any]:
        """Count one file's removals; returns its row of the files table."""
        report = counted_report(entry)
        rules: dict[tuple[str, str], list[int]] = {}  # this file's counts, by (cleaner, rule)
        risks: set[str] = set()
        source = source_of(entry.input)
        href = entry.href  # quoted once per file, not per removed line
        for i, r in enumerate(report.get("removals") or []):
            # status_of, risk_of, nonblank_lines and Counts.add inlined: this runs for every removal of a run.
            held, lines = r.get("held"), r["text"].splitlines()
            if len(lines) == 1:  # most removals: one line, no list made again
                if not (one := lines[0].strip()):
                    lines = []
                elif one != lines[0]:
                    lines = [one]
            else:
                lines = [s for ln in lines if (s := ln.strip())]
            risk = r.get("risk")
            if risk not in RISKS:
                risk = "risky" if held else "likely"
            key = (r["cleaner"], r["rule"])
            counts = rules.get(key)
            if counts is None:
                counts = rules[key] = [0, 0, 0, 0, 0]
            if held:
                counts[4] += 1
                word = _HELD
            elif r.get("shadow"):
                counts[3] += 1
                word = _SHADOW
            else:
                counts[0] += 1
                counts[1] += len(lines)
                counts[2] += r["end"] - r["start"]
                word = _REMOVED
            risks.add(risk)
            if lines:
                self._add_lines(lines, (*key, word, risk), source, href, entry.input, i)
        # Per cleaner and per "cleaner/rule" string, added up from the (cleaner, rule) counts: the same sums
        # as counting each removal three times, for a third of the calls.
        per: dict[str, list[int]] = {}
        by_name: dict[str, list[int]] = {}
        for key, counts in rules.items():
            _add_into(self.rules, key, counts)
            _add_into(per, key[0], counts)
            name = f"{key[0]}/{key[1]}"
            theirs = by_name.get(name)  # another key of the same name only if a cleaner's name has a "/"
            by_name[name] = counts if theirs is None else [a + b for a, b in zip(theirs, counts, strict=True)]
        t_removals = t_lines = t_chars = t_shadow = t_held = 0  # the file's totals, in _FIELDS' order
        for name, counts in per.items():
            _add_into(self.cleaners, name, counts)
            t_removals += counts[0]
            t_lines += counts[1]
            t_chars += counts[2]
            t_shadow += counts[3]
            t_held += counts[4]
        self.files.update([*per, *(tuple(k.split("/", 1)) for k in by_name)])
        return {
            "input": entry.input,
            "page": href if entry.report is not None else None,
            "error": error_of(entry),
            "chars_in": entry.record.get("chars_in", 0),
            "source": source,
            "risks": sorted(risks),
            "removals": t_removals,
            "lines": t_lines,
            "chars": t_chars,
            "shadow": t_shadow,
            "held": t_held,
            "by_cleaner": {k: per[k] for k in sorted(per)},
            "by_rule": {k: by_name[k] for k in sorted(by_name)},
        }

    def _add_lines(self, lines: list[str], what: tuple, source: str, href: str, rel: str, i: int) -> None:
        found = self.lines
        for text in lines:
            lk = (text, *what)
            line = found.get(lk)
            if line is None:
                line = found[lk] = _Line()
            line.count += 1
            line.sources.add(source)
            if line.last != rel:  # first time in this file
                line.last = rel
                line.nfiles += 1
                if len(line.files) < MAX_FILES_PER_LINE:
                    line.files.append([f"{href}#r{i}", rel])

    def merge(self, other: Tally) -> None:
        """Add the counts of the files after these (another job's), as if counted here one by one."""
        self.rows += other.rows
        for name, counts in other.cleaners.items():
            _add_into(self.cleaners, name, counts)
        for key, counts in other.rules.items():
            _add_into(self.rules, key, counts)
        self.files.update(other.files)
        for key, theirs in other.lines.items():
            mine = self.lines.get(key)
            if mine is None:
                self.lines[key] = theirs
                continue
            mine.count += theirs.count
            mine.nfiles += theirs.nfiles
            mine.files += theirs.files[: MAX_FILES_PER_LINE - len(mine.files)]
            mine.sources |= theirs.sources

    def fill(self, review: Review) -> None:
        review.cleaners = sorted(self.cleaners)
        review.by_cleaner = {
            name: {**_named(self.cleaners[name]), "files": self.files[name]} for name in review.cleaners
        }
        review.by_rule = [
            {
                "cleaner": c,
                "rule": r,
                **_named(t, ("removals", "shadow", "held")),
                "files": self.files[(c, r)],
            }
            for (c, r), t in sorted(self.rules.items())
        ]
        ranked = sorted(self.lines.items(), key=lambda kv: (-kv[1].count, *kv[0]))
        review.lines_total = len(ranked)
        review.lines = [
            {
                "text": text,
                "cleaner": cleaner,
                "rule": rule,
                "status": status,
                "risk": risk,
                "count": line.count,
                "n_files": line.nfiles,
                "files": line.files,
                "sources": sorted(line.sources),
            }
            for key, line in ranked[:MAX_DISTINCT_LINES]
            for text, cleaner, rule, status, risk in (key,)
        ]


def removals_where(
    out_dir: str | Path, summary: dict, wanted: Callable[[dict], bool]
) -> Iterator[tuple[str, dict]]:
    """(input, removal record) for every removal, shadow match and held removal `wanted` accepts."""
    for entry in iter_entries(out_dir, summary):
        for r in counted_report(entry).get("removals") or []:
            if wanted(r):
                yield entry.input, r


def held_removals(out_dir: str | Path, summary: dict) -> Iterator[tuple[dict, dict]]:
    """(held document as summary.json lists it, held removal record) for every removal held back."""
    reader = ReportReader(out_dir)
    for h in summary.get("held", []):
        pointer = h["report"] if is_records_name(h.get("report")) else None
        report = read_report(reader, {"input": h["input"], "records": pointer}, summary) or {}
        for r in report.get("removals") or []:
            if r.get("held"):
                yield h, r
