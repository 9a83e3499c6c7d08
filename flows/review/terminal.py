"""A finished run in the terminal (`boilerclean review`): totals, one cleaner's removals, or what is held."""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..outputs.records import Status
from .data import Review, collect_review, nonblank_lines, removals_of
from .pages import INDEX_PAGE

# Every string from a run goes in Text(): a document's "[b]" or "[/]" is shown as is, never read as markup.


class HeldFormat(Enum):
    TABLE = "table"  # `review DIR --held`
    LINES = "lines"  # `held DIR`: input, report, reasons, tab-separated
    JSON = "json"  # `held DIR --json`


def _clip(text: str, n: int = 100) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def print_held(summary: dict, fmt: HeldFormat) -> list[dict]:
    """Print the documents the over-removal quarantine held, and why; returns them."""
    held = list(summary.get("held", []))
    if fmt is HeldFormat.JSON:
        print(json.dumps(held, ensure_ascii=False, indent=1))
    elif fmt is HeldFormat.LINES:
        for h in held:
            print(f"{h['input']}\t{h['report']}\t{'; '.join(h['reasons'])}")
        print(f"{len(held)} documents held for review", file=sys.stderr)
    else:
        table = Table(
            title=f"held for review: {len(held)} documents (nothing removed from them)", title_justify="left"
        )
        for col in ("file", "report", "why"):
            table.add_column(col, overflow="fold")
        for h in held:
            table.add_row(Text(h["input"]), Text(h["report"]), Text("; ".join(h["reasons"])))
        Console(highlight=False).print(table)
    return held


def print_cleaner_removals(out_dir: str, summary: dict, cleaner: str, limit: int) -> bool:
    """List one cleaner's removals and shadow matches, with files and lines; False if the run has none."""
    review = collect_review(out_dir, summary)
    known = sorted(set(review.cleaners) | {r["cleaner"] for r in review.by_rule})
    if cleaner not in known:
        names = ", ".join(known) or "none"
        problem = f"no removals by a cleaner named {cleaner!r} in this run; cleaners with removals: {names}"
        print(f"boilerclean: {problem}", file=sys.stderr)
        return False
    table = Table(title=f"{cleaner}: removals and shadow matches", title_justify="left")
    for col, kw in (
        ("file", {"overflow": "fold", "min_width": 12}),
        ("line", {"justify": "right"}),
        ("rule", {}),
        ("", {}),
        ("text", {"overflow": "fold"}),
    ):
        table.add_column(col, **kw)
    shown = total = 0
    for rel, r in removals_of(out_dir, summary, cleaner):
        total += 1
        if limit and shown >= limit:
            continue
        lines = (
            f"{r['line']}" if r.get("end_line", r["line"]) == r["line"] else f"{r['line']}-{r['end_line']}"
        )
        status = Status.of(r)
        text = _clip(" / ".join(nonblank_lines(r["text"])) or "(blank lines)", 200)
        shown_status = "" if status is Status.ACTING else status.value
        table.add_row(Text(rel), lines, Text(r["rule"]), shown_status, Text(text))
        shown += 1
    console = Console(highlight=False)
    console.print(table)
    if shown < total:
        console.print(f"{shown} of {total} shown; --limit 0 lists all")
    return True


def print_run(out_dir: str, summary: dict, top: int) -> None:
    """The run's totals, per cleaner and per rule, its most frequent removed lines and its failed files."""
    review = collect_review(out_dir, summary)
    console = Console(highlight=False)
    s = summary
    shadow = sum(c["shadow"] for c in review.by_cleaner.values())
    held = sum(c["held"] for c in review.by_cleaner.values())
    console.print(
        Text(
            f"{s.get('files', 0)} files, {s.get('cleaned', 0)} cleaned, {s.get('failed', 0)} failed; "
            f"{s.get('removals', 0)} removals ({s.get('chars_removed', 0)} of {s.get('chars_in', 0)} "
            "characters); "
            f"{shadow} shadow matches; {held} removals held for review"
            + ("; DRY RUN (every rule in shadow mode)" if s.get("dry_run") else "")
        )
    )
    for table in _totals_tables(review, top):
        console.print(table)
    index = Path(out_dir) / INDEX_PAGE
    missing = f"no {INDEX_PAGE} in {out_dir} (run made before review pages existed)"
    console.print(Text(f"review pages: {index}" if index.exists() else missing))


def _totals_tables(review: Review, top: int) -> list[Table]:
    t = Table(title="per cleaner", title_justify="left")
    for col in ("cleaner", "removals", "lines", "chars", "shadow", "held", "files"):
        t.add_column(col, justify="left" if col == "cleaner" else "right")
    for name in review.cleaners:
        c = review.by_cleaner[name]
        t.add_row(Text(name), *(str(c[k]) for k in ("removals", "lines", "chars", "shadow", "held", "files")))
    tables = [t]
    t = Table(title="per rule", title_justify="left")
    for col in ("cleaner", "rule", "removals", "shadow", "held", "files"):
        t.add_column(col, justify="right" if col in ("removals", "shadow", "held", "files") else "left")
    for r in review.by_rule:
        t.add_row(
            Text(r["cleaner"]),
            Text(r["rule"]),
            str(r["removals"]),
            str(r["shadow"]),
            str(r["held"]),
            str(r["files"]),
        )
    tables.append(t)
    if review.lines and top > 0:
        title = f"most frequent removed lines ({min(top, len(review.lines))} of {review.lines_total})"
        t = Table(title=title, title_justify="left")
        for col, kw in (
            ("count", {"justify": "right"}),
            ("files", {"justify": "right"}),
            ("cleaner / rule", {}),
            ("line", {"overflow": "fold"}),
        ):
            t.add_column(col, **kw)
        for line in review.lines[:top]:
            status = "" if line["status"] == Status.ACTING.value else f" ({line['status']})"
            rule = f"{line['cleaner']} / {line['rule']}{status}"
            t.add_row(str(line["count"]), str(line["n_files"]), Text(rule), Text(_clip(line["text"])))
        tables.append(t)
    if review.failed:
        t = Table(title="failed files", title_justify="left")
        t.add_column("file")
        t.add_column("error", overflow="fold")
        for f in review.failed:
            t.add_row(Text(f["input"]), Text(f["error"]))
        tables.append(t)
    return tables
