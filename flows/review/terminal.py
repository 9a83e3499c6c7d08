"""`boilerclean review DIR`: a finished run's summary in the terminal, or one cleaner's removals."""

from __future__ import annotations

import argparse
import sys

REVIEW_HELP = """\
Summarise a finished run from its summary.json and reports: files, removals and shadow matches
per cleaner and per rule, the most frequent removed lines, failed files, and where the HTML
review pages are (DIR/index.html). With --cleaner NAME, list that cleaner's removals instead,
with their files and line numbers.

exit codes: 0 shown, 2 DIR is not the output folder of a run or NAME is not a cleaner of the run

examples:
  boilerclean review clean
  boilerclean review out/ --cleaner image_caption
  boilerclean review out/ --cleaner cookie_banner --limit 0     every removal, no limit
  boilerclean review out/ --held                                documents held by the quarantine
"""


def register(subparsers, formatter_class) -> None:
    p = subparsers.add_parser("review", help="summarise a finished run in the terminal", description=REVIEW_HELP, formatter_class=formatter_class)
    p.add_argument("dir", metavar="DIR", help="the output folder of a run")
    p.add_argument("--cleaner", metavar="NAME", help="list this cleaner's removals (and shadow matches) with files and lines")
    p.add_argument("--top", type=int, default=15, metavar="N", help="removed lines to show in the summary (default 15)")
    p.add_argument("--limit", type=int, default=200, metavar="N", help="removals to list with --cleaner (default 200; 0: all)")
    p.add_argument("--held", action="store_true", help="list the documents the over-removal quarantine held for review, and why")
    p.set_defaults(func=cmd_review)


def _clip(text: str, n: int = 100) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def cmd_review(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from .html_report import INDEX_PAGE
    from .review_data import ReviewError, collect_review, load_summary, nonblank_lines, removal_status, removals_of

    console = Console(highlight=False)
    try:
        summary = load_summary(args.dir)
    except ReviewError as exc:
        print(f"boilerclean: {exc}", file=sys.stderr)
        return 2
    review = collect_review(args.dir, summary)

    if args.held:
        held = summary.get("held", [])
        table = Table(title=f"held for review: {len(held)} documents (nothing removed from them)", title_justify="left")
        for col in ("file", "report", "why"):
            table.add_column(col, overflow="fold")
        for h in held:
            table.add_row(Text(h["input"]), Text(h["report"]), Text("; ".join(h["reasons"])))
        console.print(table)
        return 0

    if args.cleaner:
        known = sorted(set(review.cleaners) | {r["cleaner"] for r in review.by_rule})
        if args.cleaner not in known:
            print(f"boilerclean: no removals by a cleaner named {args.cleaner!r} in this run; cleaners with removals: {', '.join(known) or 'none'}", file=sys.stderr)
            return 2
        table = Table(title=f"{args.cleaner}: removals and shadow matches", title_justify="left")
        for col, kw in (("file", {"overflow": "fold", "min_width": 12}), ("line", {"justify": "right"}), ("rule", {}), ("", {}), ("text", {"overflow": "fold"})):
            table.add_column(col, **kw)
        shown = total = 0
        for rel, r in removals_of(args.dir, summary, args.cleaner):
            total += 1
            if args.limit and shown >= args.limit:
                continue
            lines = f"{r['line']}" if r.get("end_line", r["line"]) == r["line"] else f"{r['line']}-{r['end_line']}"
            # Text() so a document's "[b]" or "[/]" is shown as is, never read as rich markup.
            status = removal_status(r)
            table.add_row(Text(rel), lines, Text(r["rule"]), "" if status == "removed" else status, Text(_clip(" / ".join(nonblank_lines(r["text"])) or "(blank lines)", 200)))
            shown += 1
        console.print(table)
        if shown < total:
            console.print(f"{shown} of {total} shown; --limit 0 lists all")
        return 0

    s = summary
    shadow = sum(c["shadow"] for c in review.by_cleaner.values())
    held = sum(c["held"] for c in review.by_cleaner.values())
    console.print(Text(
        f"{s.get('files', 0)} files, {s.get('cleaned', 0)} cleaned, {s.get('failed', 0)} failed; "
        f"{s.get('removals', 0)} removals ({s.get('chars_removed', 0)} of {s.get('chars_in', 0)} characters); "
        f"{shadow} shadow matches; {held} removals held for review" + ("; DRY RUN (every rule in shadow mode)" if s.get("dry_run") else "")
    ))
    t = Table(title="per cleaner", title_justify="left")
    for col in ("cleaner", "removals", "lines", "chars", "shadow", "held", "files"):
        t.add_column(col, justify="left" if col == "cleaner" else "right")
    for name in review.cleaners:
        c = review.by_cleaner[name]
        t.add_row(Text(name), *(str(c[k]) for k in ("removals", "lines", "chars", "shadow", "held", "files")))
    console.print(t)
    t = Table(title="per rule", title_justify="left")
    for col in ("cleaner", "rule", "removals", "shadow", "held", "files"):
        t.add_column(col, justify="right" if col in ("removals", "shadow", "held", "files") else "left")
    for r in review.by_rule:
        t.add_row(Text(r["cleaner"]), Text(r["rule"]), str(r["removals"]), str(r["shadow"]), str(r["held"]), str(r["files"]))
    console.print(t)
    if review.lines and args.top > 0:
        t = Table(title=f"most frequent removed lines ({min(args.top, len(review.lines))} of {review.lines_total})", title_justify="left")
        for col, kw in (("count", {"justify": "right"}), ("files", {"justify": "right"}), ("cleaner / rule", {}), ("line", {"overflow": "fold"})):
            t.add_column(col, **kw)
        for line in review.lines[: args.top]:
            rule = f"{line['cleaner']} / {line['rule']}" + (f" ({line['status']})" if line["status"] != "removed" else "")
            t.add_row(str(line["count"]), str(line["n_files"]), Text(rule), Text(_clip(line["text"])))
        console.print(t)
    if review.failed:
        t = Table(title="failed files", title_justify="left")
        t.add_column("file")
        t.add_column("error", overflow="fold")
        for f in review.failed:
            t.add_row(Text(f["input"]), Text(f["error"]))
        console.print(t)
    from pathlib import Path

    index = Path(args.dir) / INDEX_PAGE
    console.print(Text(f"review pages: {index}" if index.exists() else f"no {INDEX_PAGE} in {args.dir} (run made before review pages existed)"))
    return 0
