"""`boilerclean mine`: count short lines per source over a corpus and propose the recurring ones as per-source rules."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Iterable

import yaml

from cleaners.mining import DEFAULT_CAPACITY, LineCounter, LineTable, proposal_yaml, source_key

from .files import InputFile, UsageError, atomic_write, discover_inputs
from .sources import read_document

DEFAULT_MIN_DOCS = 10
DEFAULT_MIN_SHARE = 0.5

MINE_HELP = f"""\
Count the short lines of every document per source (its folder, or its domain for HTML pages)
and print, as a YAML snippet of per-source rules, the lines found in at least --min-docs
documents and --min-share of their source's documents, with the counts and example files.
Long, sentence-like lines are never proposed. Review the snippet, delete what is article text,
and add its `sources:` entries to your --config file.

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
        "mine", help="propose per-source rules from lines that recur in a corpus", description=MINE_HELP, formatter_class=formatter_class
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="input files or folders (searched recursively)")
    p.add_argument("--source-by", choices=("folder", "domain"), default="folder", help="group documents by parent folder (default) or page domain")
    p.add_argument("--min-docs", type=_positive, default=DEFAULT_MIN_DOCS, metavar="K", help=f"a line must be in at least K documents of its source (default {DEFAULT_MIN_DOCS})")
    p.add_argument("--min-share", type=_share, default=DEFAULT_MIN_SHARE, metavar="F", help=f"... and in at least this share of them (default {DEFAULT_MIN_SHARE})")
    p.add_argument("--max-tracked", type=_positive, default=DEFAULT_CAPACITY, metavar="N", help=f"distinct lines counted per source (default {DEFAULT_CAPACITY})")
    p.add_argument("--out", metavar="FILE", help="write the YAML snippet here instead of stdout")
    p.set_defaults(func=cmd_mine)


def count_lines(items: Iterable[InputFile], by: str, capacity: int = DEFAULT_CAPACITY) -> tuple[LineCounter, list[tuple[str, str]], int]:
    """One pass over the inputs: the line counter, the (file, problem) pairs that could not be read, and files without a source."""
    counter = LineCounter(capacity)
    errors: list[tuple[str, str]] = []
    no_source = 0
    for item in items:
        try:
            text, domain = read_document(item)
        except OSError as exc:
            errors.append((item.rel, f"cannot read file: {exc.strerror or exc}"))
            continue
        except ValueError as exc:
            errors.append((item.rel, str(exc)))
            continue
        source = source_key(item.rel, domain, by)
        if not source:
            no_source += 1  # --source-by domain and the page names none
            continue
        counter.add_document(source, text, item.rel)
    return counter, errors, no_source


def line_table(items: Iterable[InputFile], by: str, min_docs: int, min_share: float, capacity: int) -> tuple[LineTable, list[tuple[str, str]]]:
    """The first pass of a run with repeated_line enabled: the frozen table of frequent lines."""
    counter, errors, _ = count_lines(items, by, capacity)
    return LineTable(by, tuple(counter.frequent(min_docs, min_share))), errors


def cmd_mine(args: argparse.Namespace) -> int:
    from cleaners import ConfigError, ruleset_from_mapping

    t0 = time.perf_counter()
    try:
        items = list(discover_inputs(args.paths))
    except UsageError as exc:
        print(f"boilerclean: {exc}", file=sys.stderr)
        return 2
    counter, errors, no_source = count_lines(items, args.source_by, args.max_tracked)
    frequent = counter.frequent(args.min_docs, args.min_share)
    elapsed = time.perf_counter() - t0
    header = (
        f"Proposed by `boilerclean mine` from {len(items) - len(errors)} documents in {len(counter.docs)} source(s)\n"
        f"(source by {args.source_by}; lines in >= {args.min_docs} documents and >= {args.min_share:g} of their source).\n"
        "Review every rule (delete any that is article text), then add these entries to your --config file."
    )
    snippet = proposal_yaml(frequent, args.source_by, header)
    try:
        # The snippet must load as a config as it is: check it before anyone pastes it.
        ruleset_from_mapping(yaml.safe_load(snippet), "<proposal>")
    except ConfigError as exc:  # a bug here, not the user's
        print(f"boilerclean: internal error: the proposal does not load: {exc}", file=sys.stderr)
        return 2
    if args.out:
        atomic_write(Path(args.out), snippet)
    else:
        sys.stdout.write(snippet)
    for rel, problem in errors:
        print(f"boilerclean: {rel}: {problem}", file=sys.stderr)
    if no_source:
        print(f"boilerclean: {no_source} files name no domain and were not counted (try --source-by folder)", file=sys.stderr)
    rate = len(items) / elapsed if elapsed > 0 else 0.0
    print(
        f"mined {len(items)} files in {elapsed:.1f} s ({rate:.0f} files/s), {len(counter.docs)} sources, "
        f"{counter.tracked()} distinct lines tracked; proposed {len(frequent)} lines",
        file=sys.stderr,
    )
    return 1 if errors else 0
