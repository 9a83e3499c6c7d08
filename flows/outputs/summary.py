"""The run summary (summary.json) from the files' summary records, and its one-line form for the log."""

from __future__ import annotations

from collections import Counter
from typing import Any

from cleaners import Ruleset

from .records import REPORT_VERSION, legacy_report_name

# A rule is a runaway of the run when it took a large share of the lines (the quarantine's runaway_share)
# of at least this many documents, and of at least this share of the cleaned documents.
RUNAWAY_MIN_DOCS = 3
RUNAWAY_MIN_DOC_SHARE = 0.05


def _report_file(record: dict) -> str:
    return record.get("records") or legacy_report_name(record["input"])


def summarize(records: list[dict], ruleset: Ruleset, dry_run: bool = False) -> dict[str, Any]:
    """The run summary: files, removals per cleaner and rule, errors. Deterministic (no times, paths)."""
    by_cleaner: Counter = Counter()
    by_rule: Counter = Counter()
    shadow_by_rule: Counter = Counter()
    records = sorted(records, key=lambda r: r["input"])
    for r in records:
        by_cleaner.update(r["by_cleaner"])
        by_rule.update(r["by_rule"])
        shadow_by_rule.update(r["shadow_by_rule"])
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
        "cleaned": len(records) - len(errors),
        "failed": len(errors),
        "removals": sum(by_cleaner.values()),
        "chars_in": sum(r["chars_in"] for r in records),
        "chars_removed": sum(r["chars_in"] - r["chars_out"] for r in records if not r["error"]),
        "by_cleaner": dict(sorted(by_cleaner.items())),
        "by_rule": dict(sorted(by_rule.items())),
        "shadow_by_rule": dict(sorted(shadow_by_rule.items())),
        "errors": errors,
        "held": held,  # documents whose removals the over-removal quarantine held back for review
        **risk_totals(records),
        "runaway_rules": runaway_rules(records, cleaned),
        **({"timeouts": timeouts} if timeouts else {}),
        "file_records": records,
    }


def risk_totals(records: list[dict]) -> dict[str, dict[str, int]]:
    """Removals that act or are held, by risk level; held removals by the kind of their reason."""
    by_risk: Counter = Counter()
    held_by_reason: Counter = Counter()
    for r in records:
        by_risk.update(r.get("by_risk", {}))
        held_by_reason.update(r.get("held_by_reason", {}))
    return {"by_risk": dict(sorted(by_risk.items())), "held_by_reason": dict(sorted(held_by_reason.items()))}


def runaway_rules(records: list[dict], cleaned: int) -> list[dict[str, Any]]:
    """Rules that took a large share of the lines of many documents, with the figures, busiest first."""
    docs: Counter = Counter()
    lines: Counter = Counter()
    of_lines: Counter = Counter()
    for r in records:
        for key, (n, total) in r.get("heavy_rules", {}).items():
            docs[key] += 1
            lines[key] += n
            of_lines[key] += total
    floor = max(RUNAWAY_MIN_DOCS, RUNAWAY_MIN_DOC_SHARE * cleaned)
    return [
        {
            "rule": key,
            "documents": n,
            "of_documents": cleaned,
            "lines": lines[key],
            "of_lines": of_lines[key],  # the non-blank lines of those documents
            "share_of_lines": round(lines[key] / of_lines[key], 3),
        }
        for key, n in sorted(docs.items(), key=lambda kv: (-kv[1], kv[0]))
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
