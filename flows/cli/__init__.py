"""The `boilerclean` command line: one module per command, each parsing its arguments and calling the work."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from ..run.quiet import quiet_prefect
from . import clean, history, mine, restore, review, run, serve
from .common import EXIT_FAILED_FILES, EXIT_USAGE

EXIT_BROKEN_PIPE = 128 + 13  # what a shell reports for a process ended by SIGPIPE

# The commands in `boilerclean --help` order; each module has register(subparsers, formatter_class).
COMMANDS = (run, clean, mine, review, serve, history, restore)

MAIN_HELP = """\
Strip boilerplate (cookie banners, licence lines, advertisement markers, image captions)
from scraped article text, and record exactly what was removed and why.

examples:
  boilerclean run seeds --out out/seeds         clean every document under seeds/ into out/seeds/
  boilerclean run in/ --out out/ --config my.yaml
  boilerclean clean article.txt                 cleaned text of one document on stdout
  cat article.txt | boilerclean clean -         the same from a pipe
"""


def build_parser() -> argparse.ArgumentParser:
    fmt = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(prog="boilerclean", description=MAIN_HELP, formatter_class=fmt)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument("--version", action=VersionAction, nargs=0, help="show the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.register(sub, fmt)
    return parser


class VersionAction(argparse.Action):
    """argparse's "version" action, with the version looked up only when asked for: importing
    importlib.metadata for every command line delayed `run`'s fork server by ~0.02 s."""

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        print(f"boilerclean {package_version()}")
        parser.exit()


def package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("boilerclean")
    except PackageNotFoundError:  # run from a checkout that is not installed
        return "unknown (not installed)"


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    # Log lines (timestamped) at -v; otherwise a command shows warnings as plain lines and its own output.
    if args.verbose:
        logging.basicConfig(
            level=logging.DEBUG, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
        )
    else:
        level = getattr(args, "log_level", logging.INFO)
        logging.basicConfig(level=level, format="%(name)s: %(message)s", stream=sys.stderr)
        for handler in logging.getLogger().handlers:  # also for loggers of their own level (Prefect's)
            handler.setLevel(level)
    quiet_prefect(args.verbose)  # before anything imports Prefect
    try:
        code = args.func(args)
        sys.stdout.flush()  # in the try: a reader gone early (`| head`) is a broken pipe
        return code
    except SystemExit as exc:
        return int(exc.code or 0)
    except BrokenPipeError:
        # The reader went away (`boilerclean held DIR | head`): stop quietly, as a SIGPIPE'd tool does.
        # stdout goes to /dev/null so the interpreter's last flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except OSError as exc:
        # The last resort (disk full, read-only, permissions ...): one line, never a traceback.
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"boilerclean: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILED_FILES
    except RecursionError:
        print("boilerclean: folders nested too deeply to handle", file=sys.stderr)
        return EXIT_FAILED_FILES
