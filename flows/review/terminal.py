"""A finished run in the terminal (`boilerclean review`): totals, one cleaner's removals, or what is held."""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path

from rich.table import Table
from rich.text import Text

from cleaners.core import Status

from ..console import Console
from ..outputs.records import STATUS_WORD, status_of
from ..terminal_text import printable
from .data import Review, collect_review, held_removals, nonblank_lines, removals_where
from .pages import INDEX_PAGE

# Every string from a run goes in _text(): a document's "[b]" or "[/]" is shown as is, never read as
# markup, and its control characters are shown as escapes, never obeyed by the terminal.


def _text(value: object) -> Text:
    return Text(printable(value))


class HeldFormat(Enum):
    TABLE = "table"  # `review DIR --held`
    LINES = "lines"  # `held DIR`: input, report, reasons, tab-separated
    JSON = "json"  # `held DIR --json`


# Risky first: the removals a person should look at before the others.
RISK_ORDER = {"risky": 0, "likely": 1, "certain": 2}


def _clip(text: str, n: int = 100) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _lines(r: dict) -> str:
    return f"{r['line']}" if r.get("end_line", r["line"]) == r["line"] else f"{r['line']}-{r['end_line']}"


def _removed_text(r: dict, n: int = 200) -> str:
    return _clip(" / ".join(nonblank_lines(r["text"])) or "(blank lines)", n)


def print_held(out_dir: str, summary: dict, fmt: HeldFormat) -> list[dict]:
    """Print every removal the quarantine held back, with its document and why; returns the documents."""
    docs = list(summary.get("held", []))
    removals = [(h, r) for h, r in held_removals(out_dir, summary)]
    if fmt is HeldFormat.JSON:
        by_doc = {h["input"]: {**h, "removals": []} for h in docs}
        for h, r in removals:
            by_doc[h["input"]]["removals"].append(r)
        print(json.dumps(list(by_doc.values()), ensure_ascii=False, indent=1))
    elif fmt is HeldFormat.LINES:
        for h, r in removals:
            rule = f"{r['cleaner']}/{r['rule']}"
            line = f"{h['input']}\t{h['report']}\t{_lines(r)}\t{rule}\t{r['held']}\t{_removed_text(r, 120)}"
            print(printable(line))
        print(f"{len(removals)} removals in {len(docs)} documents held for review", file=sys.stderr)
    else:
        title = f"held for review: {len(removals)} removals in {len(docs)} documents (kept in the text)"
        table = Table(title=title, title_justify="left")
        for col in ("file", "line", "cleaner / rule", "why", "text"):
            table.add_column(col, overflow="fold")
        for h, r in removals:
            rule = f"{r['cleaner']} / {r['rule']}"
            table.add_row(
                _text(h["input"]), _lines(r), _text(rule), _text(r["held"]), _text(_removed_text(r))
            )
        Console(highlight=False).print(table)
    if fmt is not HeldFormat.JSON:
        print_runaways(summary)
    return docs


def print_runaways(summary: dict) -> None:
    """The run's runaway rules (a large share of the lines of many documents), if any."""
    runaways = summary.get("runaway_rules") or []
    if not runaways:
        return
    table = Table(title="runaway rules: a large share of the lines of many documents", title_justify="left")
    for col in ("rule", "documents", "lines"):
        table.add_column(col, justify="left" if col == "rule" else "right")
    for w in runaways:
        docs = f"{w['documents']} of {w['of_documents']}"
        lines = f"{w['lines']} of {w['of_lines']} ({w['share_of_lines']:.0%})"
        table.add_row(_text(w["rule"]), docs, lines)
    Console(highlight=False, stderr=True).print(table)


def print_cleaner_removals(
    out_dir: str, summary: dict, cleaner: str | None, limit: int, risk: str | None = None
) -> bool:
    """List removals, shadow matches and held removals (of one cleaner, of one risk level), risky first;
    False if `cleaner` has no removals in the run."""
    if cleaner is not None and not _known_cleaner(out_dir, summary, cleaner):
        return False
    rows = sorted(
        removals_where(
            out_dir,
            summary,
            lambda r: (
                (cleaner is None or r["cleaner"] == cleaner) and (risk is None or r.get("risk") == risk)
            ),
        ),
        key=lambda row: RISK_ORDER.get(row[1].get("risk", ""), 3),
    )
    what = " ".join(x for x in (cleaner or "all cleaners", f"risk {risk}" if risk else "") if x)
    table = Table(title=_text(f"{what}: removals and shadow matches, risky first"), title_justify="left")
    for col, kw in (
        ("file", {"overflow": "fold", "min_width": 12}),
        ("line", {"justify": "right"}),
        ("rule", {}),
        ("", {}),
        ("risk", {}),
        ("text", {"overflow": "fold"}),
    ):
        table.add_column(col, **kw)
    shown = rows[:limit] if limit else rows
    for rel, r in shown:
        status = status_of(r)
        rule = r["rule"] if cleaner else f"{r['cleaner']} / {r['rule']}"
        risk_cell = r.get("risk", "") + (
            f": {'; '.join(r['risk_reasons'][1:])}" if r.get("risk") == "risky" else ""
        )
        shown_status = "" if status is Status.ACTING else STATUS_WORD[status]
        table.add_row(
            _text(rel), _lines(r), _text(rule), shown_status, _text(risk_cell), _text(_removed_text(r))
        )
    console = Console(highlight=False)
    console.print(table)
    if len(shown) < len(rows):
        console.print(f"{len(shown)} of {len(rows)} shown; --limit 0 lists all")
    return True


def _known_cleaner(out_dir: str, summary: dict, cleaner: str) -> bool:
    review = collect_review(out_dir, summary)
    known = sorted(set(review.cleaners) | {r["cleaner"] for r in review.by_rule})
    if cleaner not in known:
        names = ", ".join(known) or "none"
        problem = f"no removals by a cleaner named {cleaner!r} in this run; cleaners with removals: {names}"
        print(f"boilerclean: {printable(problem)}", file=sys.stderr)
        return False
    return True


def print_run(out_dir: str, summary: dict, top: int) -> None:
    """The run's totals, per cleaner and per rule, its most frequent removed lines and its failed files."""
    review = collect_review(out_dir, summary)
    console = Console(highlight=False)
    s = summary
    shadow = sum(c["shadow"] for c in review.by_cleaner.values())
    held = sum(c["held"] for c in review.by_cleaner.values())
    console.print(
        _text(
            f"{s.get('files', 0)} files, {s.get('cleaned', 0)} cleaned, {s.get('failed', 0)} failed; "
            f"{s.get('removals', 0)} removals ({s.get('chars_removed', 0)} of {s.get('chars_in', 0)} "
            "characters); "
            f"{shadow} shadow matches; {held} removals held for review"
            + ("; DRY RUN (every rule in shadow mode)" if s.get("dry_run") else "")
        )
    )
    if s.get("by_risk"):
        risks = ", ".join(f"{k} {s['by_risk'].get(k, 0)}" for k in sorted(RISK_ORDER, key=RISK_ORDER.get))
        why = ", ".join(f"{k} {n}" for k, n in s.get("held_by_reason", {}).items())
        console.print(
            _text(f"risk of the removals and held ones: {risks}" + (f"; held: {why}" if why else ""))
        )
    for table in _totals_tables(review, top):
        console.print(table)
    print_runaways(summary)
    index = Path(out_dir) / INDEX_PAGE
    missing = f"no {INDEX_PAGE} in {out_dir} (run made before review pages existed)"
    console.print(_text(f"review pages: {index}" if index.exists() else missing))


def _totals_tables(review: Review, top: int) -> list[Table]:
    t = Table(title="per cleaner", title_justify="left")
    for col in ("cleaner", "removals", "lines", "chars", "shadow", "held", "files"):
        t.add_column(col, justify="left" if col == "cleaner" else "right")
    for name in review.cleaners:
        c = review.by_cleaner[name]
        t.add_row(
            _text(name), *(str(c[k]) for k in ("removals", "lines", "chars", "shadow", "held", "files"))
        )
    tables = [t]
    t = Table(title="per rule", title_justify="left")
    for col in ("cleaner", "rule", "removals", "shadow", "held", "files"):
        t.add_column(col, justify="right" if col in ("removals", "shadow", "held", "files") else "left")
    for r in review.by_rule:
        t.add_row(
            _text(r["cleaner"]),
            _text(r["rule"]),
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
            status = "" if line["status"] == STATUS_WORD[Status.ACTING] else f" ({line['status']})"
            rule = f"{line['cleaner']} / {line['rule']}{status}"
            t.add_row(str(line["count"]), str(line["n_files"]), _text(rule), _text(_clip(line["text"])))
        tables.append(t)
    if review.failed:
        t = Table(title="failed files", title_justify="left")
        t.add_column("file")
        t.add_column("error", overflow="fold")
        for f in review.failed:
            t.add_row(_text(f["input"]), _text(f["error"]))
        tables.append(t)
    return tables
