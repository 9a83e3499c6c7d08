"""Run history and trend alerts: each run's per-rule counts, and the rules whose hit rate jumped or dropped.

The history is DIR/.boilerclean/history.jsonl, one JSON line appended per run (a single small
write, so a killed run leaves a whole line or none; a damaged line is skipped when read).
A run's counts cover the files it cleaned (new, changed, cleaned again), not the unchanged ones.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from .manifest import state_dir

HISTORY_NAME = "history.jsonl"

log = logging.getLogger("boilerclean")


@dataclass(frozen=True, slots=True)
class AlertSettings:
    """When a rule's hit rate counts as a jump: compared with the average of recent runs under the same ruleset."""

    factor: float = 3.0  # this run's rate vs the recent average, either way
    min_files: int = 20  # files cleaned in this run (and in the recent runs together) before any comparison
    window: int = 10  # recent runs averaged (runs that cleaned no file do not count)

    def __post_init__(self) -> None:
        if not self.factor > 1:
            raise ValueError(f"alert factor must be > 1, got {self.factor}")
        if self.min_files < 1 or self.window < 1:
            raise ValueError("alert min_files and window must be >= 1")

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> "AlertSettings":
        d = dict(d or {})
        unknown = set(d) - {"factor", "min_files", "window"}
        if unknown:
            raise ValueError(f"unknown alert settings: {', '.join(sorted(unknown))}")
        default = cls()
        return cls(
            factor=float(d.get("factor", default.factor)),
            min_files=int(d.get("min_files", default.min_files)),
            window=int(d.get("window", default.window)),
        )


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


def find_alerts(files: int, by_rule: dict[str, int], history: list[dict], ruleset_hash: str, settings: AlertSettings) -> list[dict]:
    """Rules whose hits per file in this run differ from the recent average by more than settings.factor.

    Only runs under the same ruleset count (a rule edit changes rates on purpose). Expected and
    observed hits are floored at 1, so a rule that fires once where it never fired is not a jump.
    """
    if files < settings.min_files:
        return []
    recent = [h for h in history if h.get("ruleset_hash") == ruleset_hash and h.get("files", 0) > 0][-settings.window :]
    past_files = sum(h["files"] for h in recent)
    if past_files < settings.min_files:
        return []
    past_hits: dict[str, int] = {}
    for h in recent:
        for rule, n in h["by_rule"].items():
            past_hits[rule] = past_hits.get(rule, 0) + n
    alerts = []
    for rule in sorted(set(past_hits) | set(by_rule)):
        average = past_hits.get(rule, 0) / past_files
        hits = by_rule.get(rule, 0)
        expected = average * files
        ratio = max(hits, 1) / max(expected, 1)
        if ratio > settings.factor or 1 / ratio > settings.factor:
            alerts.append(
                {
                    "rule": rule,
                    "direction": "up" if ratio > 1 else "down",
                    "hits": hits,
                    "files": files,
                    "rate": round(hits / files, 4),
                    "recent_rate": round(average, 4),
                    "recent_runs": len(recent),
                    "recent_files": past_files,
                }
            )
    return alerts


def alert_message(a: dict) -> str:
    return (
        f"trend alert: {a['rule']} fired {a['rate']:.3g} times per file in this run "
        f"({a['hits']} in {a['files']} files) against {a['recent_rate']:.3g} over the last "
        f"{a['recent_runs']} runs ({a['recent_files']} files)"
    )


def alerts_markdown(alerts: list[dict]) -> str:
    """Alerts as a Markdown section, for the index page or a Prefect artifact ("" when there are none)."""
    if not alerts:
        return ""
    lines = [
        "## Trend alerts",
        "",
        "| rule | change | this run (per file) | recent average (per file) | files |",
        "|---|---|---|---|---|",
    ]
    for a in alerts:
        arrow = "jumped up" if a["direction"] == "up" else "dropped"
        lines.append(f"| {a['rule']} | {arrow} | {a['rate']:.3g} ({a['hits']}) | {a['recent_rate']:.3g} ({a['recent_runs']} runs) | {a['files']} |")
    return "\n".join(lines) + "\n"


def record_run(out: str | os.PathLike, fresh_records: list[dict], ruleset_hash: str, run_section: dict, settings: AlertSettings) -> list[dict]:
    """Compare this run with the history, append it, log and return the alerts."""
    files, by_rule = run_counts(fresh_records)
    alerts = find_alerts(files, by_rule, read_history(out), ruleset_hash, settings)
    entry = {
        "time": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "ruleset_hash": ruleset_hash,
        "files": files,
        "by_rule": by_rule,
        "alerts": [a["rule"] for a in alerts],
        **{k: run_section[k] for k in ("new", "changed", "unchanged", "recleaned", "gone") if k in run_section},
    }
    append_history(out, entry)
    return alerts


# --- alert options on `run` and `serve` ---------------------------------------------------


def add_alert_options(p: argparse.ArgumentParser) -> None:
    d = AlertSettings()
    g = p.add_argument_group("trend alerts")
    g.add_argument("--alert-factor", type=float, default=d.factor, metavar="F", help=f"warn when a rule's hits per file differ from the recent average by more than F times (default {d.factor})")
    g.add_argument("--alert-min-files", type=int, default=d.min_files, metavar="N", help=f"compare only when the run cleaned at least N files (default {d.min_files})")
    g.add_argument("--alert-window", type=int, default=d.window, metavar="RUNS", help=f"average over the last RUNS runs (default {d.window})")


def alert_settings_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """The alert options as a flow parameter (validated here so a bad value fails before any run)."""
    return asdict(AlertSettings(args.alert_factor, args.alert_min_files, args.alert_window))


# --- `boilerclean history DIR` ----------------------------------------------------------------

HISTORY_HELP = """\
Print the per-rule trend of the recent runs that wrote to DIR: hits per file in each run
(the files a run cleaned: new, changed or cleaned again; unchanged files are not recounted),
and the runs that raised a trend alert (marked !).

examples:
  boilerclean history out/
  boilerclean history out/ --runs 20
"""


def register(subparsers: argparse._SubParsersAction, formatter_class: type) -> None:
    p = subparsers.add_parser("history", help="per-rule trend of recent runs", description=HISTORY_HELP, formatter_class=formatter_class)
    p.add_argument("out", metavar="DIR", help="an output folder written by `run` or `serve`")
    p.add_argument("--runs", type=int, default=8, metavar="N", help="how many recent runs to show (default 8)")
    p.set_defaults(func=cmd_history)


def cmd_history(args: argparse.Namespace) -> int:
    import sys

    from rich.console import Console

    runs = read_history(args.out)
    if not runs:
        print(f"boilerclean: {args.out}: no run history (no run has written to this folder yet)", file=sys.stderr)
        return 2
    # Piped output gets a wide table rather than rule names wrapped at 80 columns.
    console = Console() if sys.stdout.isatty() else Console(width=250)
    console.print(history_table(runs[-max(args.runs, 1) :]))
    return 0


def history_table(runs: list[dict]):
    """A rich table: one row per rule, one column per run (hits per file, hits), newest last."""
    from rich.table import Table

    table = Table(title="hits per file by rule (hits), oldest run first", show_lines=False)
    table.add_column("rule", style="bold", no_wrap=True)
    for r in runs:
        table.add_column(f"{r.get('time', '?')[5:16].replace('T', ' ')}\n{r.get('files', 0)} files", justify="right")
    table.add_row("(files new/changed/unchanged/gone)", *[f"{r.get('new', '-')}/{r.get('changed', '-')}/{r.get('unchanged', '-')}/{r.get('gone', '-')}" for r in runs])
    rules = sorted({rule for r in runs for rule in r["by_rule"]})
    for rule in rules:
        cells = []
        for r in runs:
            files, hits = r.get("files", 0), r["by_rule"].get(rule, 0)
            cell = f"{hits / files:.2f} ({hits})" if files else "-"
            if rule in r.get("alerts", []):
                cell = f"[red]! {cell}[/red]"
            cells.append(cell)
        table.add_row(rule, *cells)
    return table
