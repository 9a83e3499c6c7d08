"""`boilerclean review DIR` (a finished run in the terminal) and `boilerclean held DIR` (its --held list)."""

from __future__ import annotations

import argparse
import os
import sys

from .common import EXIT_USAGE

REVIEW_HELP = """\
Summarise a finished run from its summary.json and reports: files, removals and shadow matches
per cleaner and per rule, the most frequent removed lines, failed files, and where the HTML
review pages are (DIR/index.html), the removals by risk level and the run's runaway rules. With
--cleaner NAME or --risk LEVEL, list those removals instead, risky first, with their files, line
numbers and risk (a risky one says why).

exit codes: 0 shown, 2 DIR is not the output folder of a run, its summary.json is older than its
outputs (a run stopped before rewriting it: the message says what to run), or NAME is not a cleaner
of the run

examples:
  boilerclean review clean
  boilerclean review out/ --cleaner image_caption
  boilerclean review out/ --cleaner cookie_banner --limit 0     every removal, no limit
  boilerclean review out/ --risk risky                          every risky removal, and why
  boilerclean review out/ --held                                removals held by the quarantine
  boilerclean review out/ --serve --config my.yaml              review in the browser, write the config

With --serve, a local web app on 127.0.0.1 (it prints its URL; Ctrl-C or SIGTERM stops it) shows
the run by cleaner, rule, removed line and file, risky removals first, with filters on every
table. Mark removals, rules or lines right or wrong; it shows the config change that enacts them
and writes it to --config FILE (after validating it, keeping a backup) only when you click.
"""


HELD_HELP = """\
List the removals of a finished run (its output folder) that the quarantine held back: the cleaned
text kept them, and a person should look. Each line gives the input, its report, the line
numbers, the cleaner/rule, why it was held and the text, tab-separated (--json: the documents
with their held removals). The run's runaway rules follow on stderr. The same list as
`boilerclean review DIR --held`, for scripts: exit code 0 when nothing is held, 1 when something is,
2 when DIR is not a finished run's folder (or its summary.json is older than its outputs).

examples:
  boilerclean held out/
  boilerclean held out/ --json
"""


def register(subparsers, formatter_class) -> None:
    p = subparsers.add_parser(
        "review",
        help="summarise a finished run in the terminal",
        description=REVIEW_HELP,
        formatter_class=formatter_class,
    )
    p.add_argument("dir", metavar="DIR", help="the output folder of a run")
    p.add_argument(
        "--cleaner",
        metavar="NAME",
        help="list this cleaner's removals (and shadow matches) with files and lines",
    )
    p.add_argument(
        "--top", type=int, default=15, metavar="N", help="removed lines to show in the summary (default 15)"
    )
    p.add_argument(
        "--limit",
        type=int,
        default=200,
        metavar="N",
        help="removals to list with --cleaner (default 200; 0: all)",
    )
    p.add_argument(
        "--risk",
        choices=("certain", "likely", "risky"),
        help="list the removals of this risk level (with --cleaner: of that cleaner)",
    )
    p.add_argument(
        "--held",
        action="store_true",
        help="list the removals the quarantine held for review, and why",
    )
    p.add_argument("--serve", action="store_true", help="serve the review in the browser (127.0.0.1 only)")
    p.add_argument("--port", type=int, default=0, metavar="N", help="port for --serve (default: a free one)")
    p.add_argument(
        "--config", metavar="FILE", help="with --serve: the config file approved decisions are written to"
    )
    p.set_defaults(func=cmd_review)
    held_help = "list the removals held for review by the quarantine (review --held)"
    p = subparsers.add_parser("held", help=held_help, description=HELD_HELP, formatter_class=formatter_class)
    p.add_argument("dir", metavar="DIR", help="the output folder of a run")
    p.add_argument("--json", action="store_true", help="print the records as JSON")
    p.set_defaults(func=cmd_held)


def cmd_review(args: argparse.Namespace) -> int:
    from ..review.data import ReviewError, load_summary
    from ..review.terminal import (
        HeldFormat,
        print_cleaner_removals,
        print_held,
        print_run,
    )

    try:
        summary = load_summary(args.dir)
    except ReviewError as exc:
        print(f"boilerclean: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.serve:
        return _serve(args)
    if args.held:
        print_held(args.dir, summary, HeldFormat.TABLE)
        return 0
    if args.cleaner or args.risk:
        shown = print_cleaner_removals(args.dir, summary, args.cleaner, args.limit, args.risk)
        return 0 if shown else EXIT_USAGE
    print_run(args.dir, summary, args.top)
    return 0


def _serve(args: argparse.Namespace) -> int:
    from ..review.decisions import DecisionError
    from ..review.server import serve

    if args.config and os.path.exists(args.config) and not os.path.isfile(args.config):
        print(f"boilerclean: {args.config}: not a regular file", file=sys.stderr)
        return EXIT_USAGE
    try:
        return serve(args.dir, args.port, args.config)
    except (DecisionError, OSError) as exc:
        print(f"boilerclean: {exc}", file=sys.stderr)
        return EXIT_USAGE


def cmd_held(args: argparse.Namespace) -> int:
    """`review DIR --held` as lines (or JSON) for scripts; exit code 1 when something is held."""
    from ..review.data import ReviewError, load_summary
    from ..review.terminal import HeldFormat, print_held

    try:
        summary = load_summary(args.dir)
    except ReviewError as exc:
        print(f"boilerclean: {exc}", file=sys.stderr)
        return EXIT_USAGE
    held = print_held(args.dir, summary, HeldFormat.JSON if args.json else HeldFormat.LINES)
    return 1 if held else 0
