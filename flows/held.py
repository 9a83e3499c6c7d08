"""`boilerclean held OUT`: the documents of a run that the over-removal quarantine held for review."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HELD_HELP = """\
List the documents of a finished run (its output folder) whose removals were held back by the
over-removal quarantine: the cleaned text kept them, and a person should look. Each line gives
the input, its report, and why. Exit code 0 when nothing is held, 1 when something is.

examples:
  boilerclean held out/
  boilerclean held out/ --json
"""


def held_records(out_dir: str | Path) -> list[dict]:
    """[{input, report, reasons}] for each held document of the run in out_dir (from summary.json)."""
    summary = json.loads((Path(out_dir) / "summary.json").read_text(encoding="utf-8"))
    return list(summary.get("held", []))


def register(subparsers, formatter_class) -> None:
    p = subparsers.add_parser("held", help="list documents held for review by the over-removal quarantine", description=HELD_HELP, formatter_class=formatter_class)
    p.add_argument("out", metavar="DIR", help="the output folder of a run")
    p.add_argument("--json", action="store_true", help="print the records as JSON")
    p.set_defaults(func=cmd_held)


def cmd_held(args: argparse.Namespace) -> int:
    try:
        records = held_records(args.out)
    except (OSError, ValueError) as exc:
        print(f"boilerclean: {args.out}: no readable summary.json ({exc})", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(records, ensure_ascii=False, indent=1))
    else:
        for r in records:
            print(f"{r['input']}\t{r['report']}\t{'; '.join(r['reasons'])}")
        print(f"{len(records)} documents held for review", file=sys.stderr)
    return 1 if records else 0
