"""`boilerclean restore DIR --to FOLDER`: rebuild a run's inputs, byte for byte, from its outputs alone."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .common import EXIT_USAGE, report_problems

RESTORE_HELP = """\
Rebuild the original inputs of a `boilerclean run` from its output folder alone: each cleaned .txt
plus the removals in its report (a line of DIR/removals/*.jsonl, or an older run's .report.json)
give the original text, which is encoded back with the
recorded encoding (and byte order mark), checked against the recorded SHA-256 and written to
FOLDER/<input path>. Inputs that could not be decoded were kept as DIR/<name>.raw and are copied back.
Inputs that could not be read at all (permissions, FIFOs, links leaving the input folder, name
clashes) have no bytes in DIR and are listed as not restorable. HTML inputs come back as the text
extracted from them, not as the page. FOLDER may not be DIR or inside it, and no symbolic link is
followed, in DIR or in FOLDER.

exit codes: 0 every input rebuilt, 1 some input not restorable or a checksum mismatch, 2 usage error

examples:
  boilerclean restore clean --to /tmp/seeds-again && diff -r seeds /tmp/seeds-again
"""


def cmd_restore(args: argparse.Namespace) -> int:
    out, to = Path(args.dir), Path(args.to)
    if not (out / "summary.json").is_file():
        print(f"boilerclean: {out}: no summary.json; not a boilerclean output folder", file=sys.stderr)
        return EXIT_USAGE
    out_real, to_real = os.path.realpath(out), os.path.realpath(to)
    if to_real == out_real or to_real.startswith(out_real.rstrip(os.sep) + os.sep):
        print(
            f"boilerclean: {to}: inside the output folder {out}; "
            "restoring there would overwrite the cleaned text",
            file=sys.stderr,
        )
        return EXIT_USAGE
    from ..outputs.restore import RestoreError, load_run_summary, restore_run

    try:
        summary = load_run_summary(out)
    except RestoreError as exc:
        print(f"boilerclean: {exc}", file=sys.stderr)
        return EXIT_USAGE
    done, failed = restore_run(out, to, summary)
    report_problems(failed)
    print(
        f"restored {len(done)} of {len(done) + len(failed)} inputs into {to}"
        + (f"; {len(failed)} NOT restored" if failed else ""),
        file=sys.stderr,
    )
    return 1 if failed else 0


def register(subparsers, formatter_class) -> None:
    p = subparsers.add_parser(
        "restore",
        help="rebuild a run's inputs byte for byte from its output folder",
        description=RESTORE_HELP,
        formatter_class=formatter_class,
    )
    p.add_argument("dir", metavar="DIR", help="output folder of a `boilerclean run`")
    p.add_argument("--to", required=True, metavar="FOLDER", help="folder to write the rebuilt inputs into")
    p.set_defaults(func=cmd_restore)
