"""Prefect artifacts for a flow run: a markdown summary and a table, to show the outcome in the Prefect UI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cleaners.core import Status

from ..outputs.records import STATUS_WORD
from ..schedule.alerts import alerts_markdown
from .data import Counts, Review

TOP_LINES = 10  # removed lines shown in the markdown summary
MAX_TABLE_ROWS = 500  # files in the table artifact (the index has them all)


def _md(text: Any) -> str:
    """A value safe inside a markdown table cell (no pipes, no line breaks, no HTML)."""
    s = str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")
    s = s.replace("<", "&lt;").replace(">", "&gt;")
    return s if len(s) <= 160 else s[:159] + "…"


def markdown_summary(review: Review, index_path: str) -> str:
    """The run in markdown: files, removals per cleaner (with shadow), errors, top removed lines, index."""
    s = review.summary
    shadow = sum(c["shadow"] for c in review.by_cleaner.values())
    held = sum(c["held"] for c in review.by_cleaner.values())
    out = ["# boilerclean run", ""]
    if s.get("dry_run"):
        out += ["**Dry run**: every rule in shadow mode, nothing removed.", ""]
    alerts = (s.get("run") or {}).get("alerts") or []
    if alerts:  # trend alerts of an incremental run: first, so they are seen
        out += [alerts_markdown(alerts)]
    out += [
        f"- files: {s.get('files', 0)} ({s.get('cleaned', 0)} cleaned, {s.get('failed', 0)} failed)",
        f"- removals: {s.get('removals', 0)} ({s.get('chars_removed', 0)} of {s.get('chars_in', 0)} "
        "characters)",
        f"- shadow matches (reported, not removed): {shadow}",
        f"- removals held for review by the quarantine: {held} ({len(review.held)} documents)",
        f"- review pages: [{_md(index_path)}]({Path(index_path).resolve().as_uri()}) (or `boilerclean review "
        f"{_md(str(Path(index_path).parent))} --serve`)",
        "",
        "## Removals per cleaner",
        "",
        "| cleaner | removals | lines | chars | shadow matches | held | files |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name in review.cleaners:
        c = review.by_cleaner[name]
        out.append(
            f"| {_md(name)} | {c['removals']} | {c['lines']} | {c['chars']} | {c['shadow']} | {c['held']} "
            f"| {c['files']} |"
        )
    if not review.cleaners:
        out.append("| (nothing removed) | 0 | 0 | 0 | 0 | 0 | 0 |")
    out += ["", "## Top removed lines", ""]
    if review.lines:
        out += ["| count | cleaner / rule | line |", "|---:|---|---|"]
        for line in review.lines[:TOP_LINES]:
            status = "" if line["status"] == STATUS_WORD[Status.ACTING] else f" ({line['status']})"
            rule = f"{line['cleaner']} / {line['rule']}{status}"
            out.append(f"| {line['count']} | {_md(rule)} | {_md(line['text'])} |")
    else:
        out.append("Nothing was removed.")
    out += ["", "## Errors", ""]
    if review.failed:
        out += [f"- `{_md(f['input'])}`: {_md(f['error'])}" for f in review.failed]
    else:
        out.append("None.")
    return "\n".join(out) + "\n"


def table_rows(review: Review, limit: int = MAX_TABLE_ROWS) -> list[dict[str, Any]]:
    """A row per file (most removed first): removals, lines, chars per cleaner, shadow matches, error."""
    rows = []
    for f in sorted(review.files, key=lambda f: (-f["chars"], f["input"]))[:limit]:
        row: dict[str, Any] = {
            "file": f["input"],
            "removals": f["removals"],
            "lines": f["lines"],
            "chars": f["chars"],
            "shadow": f["shadow"],
            "held": f["held"],
        }
        for name in review.cleaners:
            c = Counts.from_list(f["by_cleaner"][name]) if name in f["by_cleaner"] else Counts()
            row[f"{name} lines"] = c.lines
            row[f"{name} chars"] = c.chars
        row["error"] = f["error"] or ""
        rows.append(row)
    return rows


def publish_artifacts(review: Review, index_path: str | Path) -> None:
    """Create the run's markdown and table artifacts (call only inside a Prefect flow run)."""
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    index = str(Path(index_path).resolve())
    create_markdown_artifact(
        markdown=markdown_summary(review, index),
        key="boilerclean-summary",
        description=f"boilerclean run summary; review pages at {index}",
    )
    create_table_artifact(
        table=table_rows(review),
        key="boilerclean-files",
        description=f"Removals per file (at most {MAX_TABLE_ROWS}, most removed first); all files in {index}",
    )
