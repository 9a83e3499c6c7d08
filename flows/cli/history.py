"""`boilerclean history DIR`: the per-rule trend of the recent runs that wrote to DIR."""

from __future__ import annotations

import argparse
import sys

from .common import EXIT_USAGE

HISTORY_HELP = """\
Print the per-rule trend of the recent runs that wrote to DIR: hits per file in each run
(the files a run cleaned: new, changed or cleaned again; unchanged files are not recounted),
and the runs that raised a trend alert (marked !).

examples:
  boilerclean history out/
  boilerclean history out/ --runs 20
"""


def register(subparsers, formatter_class) -> None:
    p = subparsers.add_parser(
        "history",
        help="per-rule trend of recent runs",
        description=HISTORY_HELP,
        formatter_class=formatter_class,
    )
    p.add_argument("out", metavar="DIR", help="an output folder written by `run` or `serve`")
    p.add_argument(
        "--runs", type=int, default=8, metavar="N", help="how many recent runs to show (default 8)"
    )
    p.set_defaults(func=cmd_history)


def cmd_history(args: argparse.Namespace) -> int:
    from ..console import Console
    from ..schedule.history import read_history
    from ..schedule.trend_table import history_table

    runs = read_history(args.out)
    if not runs:
        print(
            f"boilerclean: {args.out}: no run history (no run has written to this folder yet)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    # Piped output gets a wide table rather than rule names wrapped at 80 columns.
    console = Console() if sys.stdout.isatty() else Console(width=250)
    console.print(history_table(runs[-max(args.runs, 1) :]))
    return 0
