"""Run history: each run's per-rule counts, appended to DIR/.boilerclean/history.jsonl, and its alerts.

One JSON line is appended per run (a single small write, so a killed run leaves a whole line or
none; a damaged line is skipped when read). A run's counts cover the files it cleaned (new,
changed, cleaned again), not the unchanged ones.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from ..outputs.manifest import state_dir
from .alerts import AlertSettings, find_alerts

HISTORY_NAME = "history.jsonl"


def history_path(out: str | os.PathLike) -> Path:
    return state_dir(out) / HISTORY_NAME


def read_history(out: str | os.PathLike) -> list[dict]:
    """Every recorded run, oldest first; damaged lines (a crash mid-append) are skipped."""
    path = history_path(out)
    if not path.exists():
        return []
    runs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and isinstance(entry.get("by_rule"), dict):
            runs.append(entry)
    return runs


def append_history(out: str | os.PathLike, entry: dict) -> None:
    path = history_path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(entry, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


def run_counts(records: Iterable[dict]) -> tuple[int, dict[str, int]]:
    """Files cleaned without error, and acting removals per rule, over this run's fresh records."""
    files, by_rule = 0, {}
    for r in records:
        if r.get("error"):
            continue
        files += 1
        for rule, n in r.get("by_rule", {}).items():
            by_rule[rule] = by_rule.get(rule, 0) + n
    return files, dict(sorted(by_rule.items()))


def record_run(
    out: str | os.PathLike,
    fresh_records: list[dict],
    ruleset_hash: str,
    run_section: dict,
    settings: AlertSettings,
) -> list[dict]:
    """Compare this run with the history, append it, log and return the alerts."""
    files, by_rule = run_counts(fresh_records)
    alerts = find_alerts(files, by_rule, read_history(out), ruleset_hash, settings)
    entry = {
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "ruleset_hash": ruleset_hash,
        "files": files,
        "by_rule": by_rule,
        "alerts": [a["rule"] for a in alerts],
        **{
            k: run_section[k]
            for k in ("new", "changed", "unchanged", "recleaned", "gone")
            if k in run_section
        },
    }
    append_history(out, entry)
    return alerts
