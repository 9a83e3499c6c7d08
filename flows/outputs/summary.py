"""The run summary (summary.json) from the files' summary records, and its one-line form for the log."""

from __future__ import annotations

from collections.abc import Iterable
from operator import itemgetter
from typing import Any

from cleaners import Ruleset

from .records import REPORT_VERSION, legacy_report_name

# A rule is a runaway of the run when it took a large share of the lines (the quarantine's runaway_share)
# of at least this many documents, and of at least this share of the cleaned documents.
RUNAWAY_MIN_DOCS = 3
RUNAWAY_MIN_DOC_SHARE = 0.05


def _report_file(record: dict) -> str:
    return record.get("records") or legacy_report_name(record["input"])


def _add(total: dict, counts: Iterable[dict]) -> None:
    """Counter.update's sums for many dicts of counts, without its per-call checks (a run adds up ~100,000):
    a call per kind of count and batch, not per record."""
    get = total.get
    for one in counts:
        for key, n in one.items():
            total[key] = get(key, 0) + n


class Totals:
    """The summary's sums over file records: added batch by batch while a run's workers clean the next
    batches (`add`), so that its serial end only sorts and writes."""

    __slots__ = ("by_cleaner", "by_rule", "shadow_by_rule", "by_risk", "held_by_reason", "heavy", "chars")

    def __init__(self, records: Iterable[dict] = ()) -> None:
        self.by_cleaner: dict[str, int] = {}
        self.by_rule: dict[str, int] = {}
        self.shadow_by_rule: dict[str, int] = {}
        self.by_risk: dict[str, int] = {}
        self.held_by_reason: dict[str, int] = {}
        self.heavy: dict[str, list[int]] = {}  # rule -> [documents, its lines, their non-blank lines]
        self.chars = [0, 0]  # characters in; removed (from files cleaned without error)
        self.add(records)

    def add(self, records: Iterable[dict]) -> None:
        records = list(records)
        _add(self.by_cleaner, [r["by_cleaner"] for r in records])
        _add(self.by_rule, [r["by_rule"] for r in records])
        _add(self.shadow_by_rule, [r["shadow_by_rule"] for r in records])
        _add(self.by_risk, [r.get("by_risk", {}) for r in records])
        _add(self.held_by_reason, [r.get("held_by_reason", {}) for r in records])
        chars = self.chars
        for r in records:
            for key, (n, total) in r.get("heavy_rules", {}).items():
                sums = self.heavy.setdefault(key, [0, 0, 0])
                sums[0] += 1
                sums[1] += n
                sums[2] += total
            chars[0] += r["chars_in"]
            if not r["error"]:
                chars[1] += r["chars_in"] - r["chars_out"]

    def run_counts(self, records: list[dict]) -> tuple[int, dict[str, int]]:
        """The run history's counts (schedule.history.record_run) from the sums, when `records` are exactly
        what was added: the files cleaned without error and the acting removals per rule of theirs (the few
        failed files' counts taken off), without a pass over every file's counts at the run's end."""
        failed = [r for r in records if r.get("error")]
        by_rule = dict(self.by_rule)
        for r in failed:
            for rule, n in r.get("by_rule", {}).items():
                by_rule[rule] -= n
        return len(records) - len(failed), dict(sorted((k, n) for k, n in by_rule.items() if n))


def summarize(
    records: list[dict], ruleset: Ruleset, dry_run: bool = False, totals: Totals | None = None
) -> dict[str, Any]:
    """The run summary: files, removals per cleaner and rule, errors. Deterministic (no times, paths).
    `totals`: the sums over exactly these records, when the caller added them up as they came."""
    totals = totals if totals is not None else Totals(records)
    records = sorted(records, key=itemgetter("input"))
    errors = [{"input": r["input"], "error": r["error"]} for r in records if r["error"]]
    held = [
        # "report": the file holding its removal records (its batch's, or an older run's own report)
        {"input": r["input"], "report": _report_file(r), "reasons": r["held"]}
        for r in records
        if r.get("held")
    ]
    timeouts = [{"input": r["input"], "rules": r["timed_out"]} for r in records if r.get("timed_out")]
    cleaned = len(records) - len(errors)
    return {
        "version": REPORT_VERSION,
        "ruleset_hash": ruleset.hash,
        "config_files": list(ruleset.files),
        "dry_run": dry_run,
        "files": len(records),
        "cleaned": cleaned,
        "failed": len(errors),
        "removals": sum(totals.by_cleaner.values()),
        "chars_in": totals.chars[0],
        "chars_removed": totals.chars[1],
        "by_cleaner": dict(sorted(totals.by_cleaner.items())),
        "by_rule": dict(sorted(totals.by_rule.items())),
        "shadow_by_rule": dict(sorted(totals.shadow_by_rule.items())),
        "errors": errors,
        "held": held,  # documents whose removals the over-removal quarantine held back for review
        "by_risk": dict(sorted(totals.by_risk.items())),
        "held_by_reason": dict(sorted(totals.held_by_reason.items())),
        "runaway_rules": runaway_rules(totals, cleaned),
        **({"timeouts": timeouts} if timeouts else {}),
        "file_records": records,
    }


def runaway_rules(totals: Totals, cleaned: int) -> list[dict[str, Any]]:
    """Rules that took a large share of the lines of many documents, with the figures, busiest first."""
    floor = max(RUNAWAY_MIN_DOCS, RUNAWAY_MIN_DOC_SHARE * cleaned)
    return [
        {
            "rule": key,
            "documents": n,
            "of_documents": cleaned,
            "lines": lines,
            "of_lines": of_lines,  # the non-blank lines of those documents
            "share_of_lines": round(lines / of_lines, 3),
        }
        for key, (n, lines, of_lines) in sorted(totals.heavy.items(), key=lambda kv: (-kv[1][0], kv[0]))
        if n >= floor
    ]


def summary_line(summary: dict) -> str:
    per = ", ".join(f"{k} {v}" for k, v in summary["by_cleaner"].items()) or "nothing"
    return (
        f"cleaned {summary['cleaned']} of {summary['files']} files ({summary['failed']} failed); "
        f"{summary['removals']} removals, {summary['chars_removed']} characters: {per}"
    ) + (
        f"; {sum(summary['shadow_by_rule'].values())} shadow matches" if summary.get("shadow_by_rule") else ""
    )
