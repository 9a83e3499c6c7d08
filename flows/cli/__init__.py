"""The `boilerclean` command line: one module per command, each parsing its arguments and calling the work."""

from __future__ import annotations

import argparse
import logging
import sys

from . import clean, history, mine, restore, review, run, serve
from .common import EXIT_FAILED_FILES, EXIT_USAGE

# The commands in `boilerclean --help` order; each module has register(subparsers, formatter_class).
COMMANDS = (run, clean, mine, review, serve, history, restore)

MAIN_HELP = """\
Strip boilerplate (cookie banners, licence lines, advertisement markers, image captions)
from scraped article text, and record exactly what was removed and why.

examples:
  boilerclean run seeds --out clean             clean every document under seeds/ into clean/
  boilerclean run in/ --out out/ --config my.yaml
  boilerclean clean article.txt                 cleaned text of one document on stdout
  cat article.txt | boilerclean clean -         the same from a pipe
"""


def build_parser() -> argparse.ArgumentParser:
    fmt = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(prog="boilerclean", description=MAIN_HELP, formatter_class=fmt)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.register(sub, fmt)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        return args.func(args)
    except SystemExit as exc:
        return int(exc.code or 0)
    except (
        OSError
    ) as exc:  # the last resort: disk full, read-only, permissions ... one line, never a traceback
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"boilerclean: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILED_FILES
    except RecursionError:
        print("boilerclean: folders nested too deeply to handle", file=sys.stderr)
        return EXIT_FAILED_FILES
