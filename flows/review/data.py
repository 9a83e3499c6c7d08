"""What a reviewer needs from a finished run, read back from its summary.json and per-file reports.

Everything here comes from the recorded removals (never from re-diffing), and is deterministic:
sorted, no times, only paths relative to the output folder.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import quote

from .files import InputFile

# The distinct-lines list keeps the most frequent lines and, per line, links to this many files:
# enough to judge a line, small enough that a 10,000-file index stays a few megabytes.
MAX_DISTINCT_LINES = 2000
MAX_FILES_PER_LINE = 20


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
        """The page as a relative URL (percent-encoded, so '#', '?' or '%' in a name stay part of the path)."""
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
    """The run's summary.json; raises ReviewError naming the problem."""
    path = Path(out_dir) / "summary.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReviewError(f"{out_dir}: no summary.json (not the output folder of a boilerclean run)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReviewError(f"{path}: cannot read: {exc}") from None


def iter_entries(out_dir: str | Path, summary: dict) -> Iterator[FileEntry]:
    """The run's files in order, each with its report if the report on disk belongs to this run."""
    out = Path(out_dir)
    for rec in summary.get("file_records", []):
        stem = InputFile("", rec["input"]).stem
        yield FileEntry(rec["input"], stem, rec, read_report(out / f"{stem}.report.json", rec["input"], summary))


def read_report(path: Path, rel: str, summary: dict) -> dict | None:
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    # A report of another input (a name clash) or of another ruleset (an older run) is not this file's.
    if report.get("input") != rel or report.get("ruleset_hash") != summary.get("ruleset_hash"):
        return None
    return report


def nonblank_lines(text: str) -> list[str]:
    """The stripped, non-blank lines of a removed span (blank lines only tidy the layout)."""
    return [s for s in (ln.strip() for ln in text.splitlines()) if s]


def collect_review(out_dir: str | Path, summary: dict | None = None) -> Review:
    """Read every report of the run once and build the review's totals, rows and distinct lines."""
    summary = summary if summary is not None else load_summary(out_dir)
    review = Review(summary=summary)
    cleaner_tot: dict[str, Counter] = defaultdict(Counter)
    rule_tot: dict[tuple[str, str], Counter] = defaultdict(Counter)
    line_count: Counter = Counter()
    line_files: dict[tuple, list] = defaultdict(list)  # up to MAX_FILES_PER_LINE [href, input] pairs
    line_nfiles: Counter = Counter()
    line_last: dict[tuple, str] = {}
    for entry in iter_entries(out_dir, summary):
        report = entry.report
        error = entry.record.get("error") or (report or {}).get("error")
        row: dict[str, Any] = {
            "input": entry.input,
            "page": entry.href if report is not None else None,
            "error": error,
            "chars_in": entry.record.get("chars_in", 0),
            "removals": 0,
            "lines": 0,
            "chars": 0,
            "shadow": 0,
            "held": 0,
            "by_cleaner": {},
        }
        if error:
            review.failed.append({"input": entry.input, "error": error, "page": row["page"]})
        per: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])  # removals, lines, chars, shadow, held
        touched_cleaners: set[str] = set()
        touched_rules: set[tuple[str, str]] = set()
        for i, r in enumerate((report or {}).get("removals") or []):
            lines = nonblank_lines(r["text"])
            c = per[r["cleaner"]]
            key = (r["cleaner"], r["rule"])
            touched_cleaners.add(r["cleaner"])
            touched_rules.add(key)
            status = removal_status(r)
            if status == "held":
                c[4] += 1
                row["held"] += 1
                cleaner_tot[r["cleaner"]]["held"] += 1
                rule_tot[key]["held"] += 1
            elif status == "shadow":
                c[3] += 1
                row["shadow"] += 1
                cleaner_tot[r["cleaner"]]["shadow"] += 1
                rule_tot[key]["shadow"] += 1
            else:
                n_chars = r["end"] - r["start"]
                c[0] += 1
                c[1] += len(lines)
                c[2] += n_chars
                row["removals"] += 1
                row["lines"] += len(lines)
                row["chars"] += n_chars
                for k, v in (("removals", 1), ("lines", len(lines)), ("chars", n_chars)):
                    cleaner_tot[r["cleaner"]][k] += v
                rule_tot[key]["removals"] += 1
            for text in lines:
                lk = (text, r["cleaner"], r["rule"], status)
                line_count[lk] += 1
                if line_last.get(lk) != entry.input:  # first time in this file
                    line_last[lk] = entry.input
                    line_nfiles[lk] += 1
                    if len(line_files[lk]) < MAX_FILES_PER_LINE:
                        line_files[lk].append([f"{entry.href}#r{i}", entry.input])
        for name in touched_cleaners:
            cleaner_tot[name]["files"] += 1
        for key in touched_rules:
            rule_tot[key]["files"] += 1
        row["by_cleaner"] = {k: v for k, v in sorted(per.items())}
        review.files.append(row)
    review.cleaners = sorted(cleaner_tot)
    review.by_cleaner = {
        name: {k: cleaner_tot[name][k] for k in ("removals", "lines", "chars", "shadow", "held", "files")} for name in review.cleaners
    }
    review.by_rule = [
        {"cleaner": c, "rule": r, **{k: t[k] for k in ("removals", "shadow", "held", "files")}} for (c, r), t in sorted(rule_tot.items())
    ]
    ranked = sorted(line_count.items(), key=lambda kv: (-kv[1], kv[0][0], kv[0][1], kv[0][2], kv[0][3]))
    review.lines_total = len(ranked)
    for (text, cleaner, rule, status), count in ranked[:MAX_DISTINCT_LINES]:
        key = (text, cleaner, rule, status)
        review.lines.append(
            {"text": text, "cleaner": cleaner, "rule": rule, "status": status, "count": count,
             "n_files": line_nfiles[key], "files": line_files[key]}
        )
    pages = {f["input"]: f["page"] for f in review.files}
    review.held = [{"input": h["input"], "reasons": list(h.get("reasons", [])), "page": pages.get(h["input"])} for h in summary.get("held", [])]
    return review


def removal_status(r: dict) -> str:
    """"removed", "shadow" (a shadow-mode rule or --dry-run) or "held" (kept back by the over-removal quarantine)."""
    if r.get("held"):
        return "held"
    return "shadow" if r.get("shadow") else "removed"


def removals_of(out_dir: str | Path, summary: dict, cleaner: str) -> Iterator[tuple[str, dict]]:
    """(input, removal record) for every removal and shadow match credited to `cleaner`, in run order."""
    for entry in iter_entries(out_dir, summary):
        for r in (entry.report or {}).get("removals") or []:
            if r["cleaner"] == cleaner:
                yield entry.input, r
