"""`boilerclean mine`: count short lines per source over a corpus, propose recurring ones as source rules."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cleaners.mining import DEFAULT_CAPACITY

from .common import EXIT_USAGE, add_config, load_ruleset_or_exit, report_problems

DEFAULT_MIN_DOCS = 10
DEFAULT_MIN_SHARE = 0.5

MINE_HELP = """\
Count the short lines of every document per source (its folder, or its domain for HTML pages)
and print, as a YAML snippet of per-source rules, the lines found in at least --min-docs
documents and --min-share of their source's documents, with the counts and example files.
Long, sentence-like lines are never proposed. Review the snippet, delete what is article text,
and add its `sources:` entries to your --config file. Lines that the current rules (the defaults,
or --config) already remove are left out, and counted.

Memory is bounded: at most --max-tracked distinct lines are counted per source (space-saving
counter: a line in more than 1/max-tracked of a source's line occurrences is always tracked, and
a count shown as "at least" is a guaranteed lower bound).

examples:
  boilerclean mine scraped/ > proposed.yaml
  boilerclean mine scraped/ --min-docs 20 --min-share 0.8 --out proposed.yaml
  boilerclean mine pages/ --source-by domain
"""


def _share(value: str) -> float:
    try:
        f = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, got {value!r}") from None
    if not 0 < f <= 1:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, got {value!r}")
    return f


def _positive(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value!r}") from None
    if n <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value!r}")
    return n


def register(subparsers, formatter_class) -> None:
    p = subparsers.add_parser(
        "mine",
        help="propose per-source rules from lines that recur in a corpus",
        description=MINE_HELP,
        formatter_class=formatter_class,
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="input files or folders (searched recursively)")
    p.add_argument(
        "--source-by",
        choices=("folder", "domain"),
        default="folder",
        help="group documents by parent folder (default) or page domain",
    )
    p.add_argument(
        "--min-docs",
        type=_positive,
        default=DEFAULT_MIN_DOCS,
        metavar="K",
        help=f"a line must be in at least K documents of its source (default {DEFAULT_MIN_DOCS})",
    )
    p.add_argument(
        "--min-share",
        type=_share,
        default=DEFAULT_MIN_SHARE,
        metavar="F",
        help=f"... and in at least this share of them (default {DEFAULT_MIN_SHARE})",
    )
    p.add_argument(
        "--max-tracked",
        type=_positive,
        default=DEFAULT_CAPACITY,
        metavar="N",
        help=f"distinct lines counted per source (default {DEFAULT_CAPACITY})",
    )
    p.add_argument("--out", metavar="FILE", help="write the YAML snippet here instead of stdout")
    add_config(p)  # lines these rules already remove are not proposed
    p.set_defaults(func=cmd_mine)


def cmd_mine(args: argparse.Namespace) -> int:
    from ..inputs.discover import UsageError, discover_inputs
    from ..inputs.line_counts import propose_rules
    from ..outputs.atomic import atomic_write

    ruleset = load_ruleset_or_exit(args.config)
    try:
        items = list(discover_inputs(args.paths))
    except UsageError as exc:
        print(f"boilerclean: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        found = propose_rules(items, args.source_by, args.min_docs, args.min_share, args.max_tracked, ruleset)
    except RuntimeError as exc:
        print(f"boilerclean: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.out:
        atomic_write(Path(args.out), found.snippet)
    else:
        sys.stdout.write(found.snippet)
    report_problems(found.errors)
    if found.no_source:
        no_domain = f"{found.no_source} files name no domain and were not counted (try --source-by folder)"
        print(f"boilerclean: {no_domain}", file=sys.stderr)
    rate = found.files / found.seconds if found.seconds > 0 else 0.0
    print(
        f"mined {found.files} files in {found.seconds:.1f} s ({rate:.0f} files/s), {found.sources} sources, "
        f"{found.tracked} distinct lines tracked; proposed {found.proposed} lines, "
        f"left out {found.left_out} that the current rules already remove",
        file=sys.stderr,
    )
    return 1 if found.errors else 0
