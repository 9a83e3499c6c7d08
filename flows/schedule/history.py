"""Run history: each run's per-rule counts, appended to DIR/.boilerclean/history.jsonl, and its alerts.

One JSON line is appended per run (a single small write, so a killed run leaves a whole line or
none; a damaged line is skipped when read). A run's counts cover the files it cleaned (new,
changed, cleaned again), not the unchanged ones.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime
from pathlib import Path

from ..outputs.manifest import state_dir
from .alerts import AlertSettings, find_alerts

HISTORY_NAME = "history.jsonl"

log = logging.getLogger("boilerclean")


def history_path(out: str | os.PathLike) -> Path:
    return state_dir(out) / HISTORY_NAME


def read_history(out: str | os.PathLike) -> list[dict]:
    """Every recorded run, oldest first, read line by line; a damaged line (a crash mid-append, bytes
    that are not UTF-8, wrong types) is skipped with a warning."""
    path = history_path(out)
    runs, damaged = [], 0
    try:
        fh = open(path, "rb")
    except FileNotFoundError:
        return []
    with fh:
        for line in fh:
            if not line.strip():
                continue
            entry = _entry(line)
            if entry is None:
                damaged += 1
            else:
                runs.append(entry)
    if damaged:
        log.warning("%s: %d damaged line(s) skipped", path, damaged)
    return runs


def _entry(line: bytes) -> dict | None:
    """One history line as a run entry, or None unless it is one (the types find_alerts relies on)."""
    try:
        entry = json.loads(line.decode("utf-8"))
    except ValueError:  # UnicodeDecodeError included
        return None
    if not isinstance(entry, dict) or not isinstance(entry.get("by_rule"), dict):
        return None
    counts = [entry.get("files", 0), *entry["by_rule"].values()]
    if not all(isinstance(n, int | float) and not isinstance(n, bool) and n >= 0 for n in counts):
        return None
    texts = (entry.get("ruleset_hash", ""), entry.get("time", ""))
    if not all(isinstance(t, str) for t in texts) or not isinstance(entry.get("alerts", []), list):
        return None
    return entry


def append_history(out: str | os.PathLike, entry: dict) -> None:
    """Append one line; when the file does not end a line (a run killed mid-append), a new line first,
    so the damaged line never swallows this one."""
    path = history_path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(entry, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o666)
    try:
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            line = b"\n" + line
        os.write(fd, line)
    finally:
        os.close(fd)


def record_run(
    out: str | os.PathLike,
    counts: tuple[int, dict[str, int]],
    ruleset_hash: str,
    run_section: dict,
    settings: AlertSettings,
) -> list[dict]:
    """Compare this run with the history, append it, log and return the alerts. `counts`: the files this
    run cleaned without error and their acting removals per rule (summary.Totals.run_counts)."""
    files, by_rule = counts
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
