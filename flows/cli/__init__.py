"""The `boilerclean` command line."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from importlib import import_module
from pathlib import Path

from .history import add_alert_options, alert_settings_from_args

EXIT_OK, EXIT_FAILED_FILES, EXIT_USAGE = 0, 1, 2

log = logging.getLogger("boilerclean")

# Modules under flows/ that add a subcommand (one line each).
COMMAND_MODULES: tuple[str, ...] = (
    "mine",
    "held",
    "review",
    "serve",
    "history",
    "restore",
)

MAIN_HELP = """\
Strip boilerplate (cookie banners, licence lines, advertisement markers, image captions)
from scraped article text, and record exactly what was removed and why.

examples:
  boilerclean run seeds --out clean             clean every document under seeds/ into clean/
  boilerclean run in/ --out out/ --config my.yaml
  boilerclean clean article.txt                 cleaned text of one document on stdout
  cat article.txt | boilerclean clean -         the same from a pipe
"""

RUN_HELP = """\
Inputs are .txt documents and .html, .htm or .html.gz pages (article text extracted with
trafilatura first; the report's "extraction" entry says how). For an input at relative path
a/b.txt (or a/b.html), writes DIR/a/b.txt (cleaned text), DIR/a/b.diff (unified diff,
original -> cleaned), DIR/a/b.report.json (every removal with its cleaner and rule) and
DIR/summary.json for the run, and review pages: DIR/a/b.html (the original with every removal
marked) and DIR/index.html (open it in a browser; see `boilerclean review DIR` for the terminal).
Inputs are never modified. --dry-run puts every rule in shadow mode: matches are reported, nothing is removed.

Runs as a tracked Prefect flow run when a Prefect API is configured (PREFECT_API_URL), and
in-process otherwise (no server needed); --prefect / --no-prefect override.

exit codes: 0 every file cleaned, 1 some files failed (the others are done), 2 usage or config error

examples:
  boilerclean run seeds --out clean
  boilerclean run scraped/ more.txt --out cleaned/ --config rules.yaml
  boilerclean run big/ --out out/ --workers 8
  boilerclean run big/ --out out/ --dask-address tcp://scheduler:8786
  PREFECT_API_URL=http://127.0.0.1:4200/api boilerclean run in/ --out out/
"""

CLEAN_HELP = """\
Print the cleaned text of one document on stdout (no Prefect, no files written).

examples:
  boilerclean clean article.txt > article.clean.txt
  boilerclean clean page.html                   article text extracted with trafilatura, then cleaned
  curl -s https://example.org/a.txt | boilerclean clean - --config rules.yaml
"""


def _prefect_api_configured() -> bool:
    if os.environ.get("PREFECT_API_URL"):
        return True
    from prefect.settings import get_current_settings

    return bool(get_current_settings().api.url)


def _add_config(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", metavar="FILE", help="YAML ruleset overriding the packaged defaults")


def build_parser() -> argparse.ArgumentParser:
    fmt = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(prog="boilerclean", description=MAIN_HELP, formatter_class=fmt)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="clean files and folders into an output folder", description=RUN_HELP, formatter_class=fmt)
    run.add_argument("paths", nargs="+", metavar="PATH", help="input files or folders (searched recursively)")
    run.add_argument("--out", required=True, metavar="DIR", help="output folder")
    _add_config(run)
    run.add_argument("--dry-run", action="store_true", help="report what would be removed, remove nothing")
    run.add_argument("--workers", type=int, default=None, metavar="N", help="worker processes (default: the machine's cores)")
    run.add_argument("--dask", action="store_true", help="run the batches on a local Dask cluster of --workers processes")
    run.add_argument("--dask-address", metavar="ADDR", help="run the batches on a running Dask scheduler, e.g. tcp://10.0.0.5:8786")
    run.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar or progress lines")
    run.add_argument("--prune", action="store_true", help="delete the outputs of inputs that are gone (kept by default)")
    add_alert_options(run)
    mode = run.add_mutually_exclusive_group()
    mode.add_argument("--prefect", dest="prefect", action="store_true", default=None, help="run as a Prefect flow run")
    mode.add_argument("--no-prefect", dest="prefect", action="store_false", help="run in-process, without Prefect's API")
    run.set_defaults(func=cmd_run)

    clean = sub.add_parser("clean", help="clean one document to stdout", description=CLEAN_HELP, formatter_class=fmt)
    clean.add_argument("file", nargs="?", default="-", metavar="FILE|-", help="document to clean; - or nothing for stdin")
    _add_config(clean)
    clean.set_defaults(func=cmd_clean)

    # Further commands live in their own modules; each has register(subparsers, formatter_class).
    for module in COMMAND_MODULES:
        import_module(f"{__package__}.{module}").register(sub, fmt)
    return parser


def _load_ruleset_or_exit(config: str | None):
    from cleaners import ConfigError, load_ruleset

    try:
        return load_ruleset(config)
    except ConfigError as exc:
        print(f"boilerclean: config error: {exc}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE) from None


def cmd_run(args: argparse.Namespace) -> int:
    from .files import UsageError

    try:
        alert_settings_from_args(args)
    except ValueError as exc:
        print(f"boilerclean: {exc}", file=sys.stderr)
        return EXIT_USAGE
    ruleset = _load_ruleset_or_exit(args.config)  # fail on a bad config before any file is touched
    for p in args.paths:
        if not os.path.exists(p):
            print(f"boilerclean: {p}: no such file or folder", file=sys.stderr)
            return EXIT_USAGE
    use_prefect = args.prefect if args.prefect is not None else _prefect_api_configured()
    from .dispatch import default_workers

    workers = args.workers if args.workers is not None else default_workers()
    if workers < 1:
        print("boilerclean: --workers must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    kwargs = dict(paths=[str(p) for p in args.paths], out=str(args.out), config=args.config, dry_run=args.dry_run)
    kwargs.update(workers=workers, dask_address=args.dask_address, dask=args.dask, progress=args.progress)
    kwargs.update(prune=args.prune, alerts=alert_settings_from_args(args))
    try:
        if use_prefect:
            from .clean_flow import flow_for

            summary = flow_for(workers, args.dask_address, args.dask)(**kwargs)
        else:
            from .run import run_clean  # the flow's body, without importing Prefect

            log.info("no Prefect API configured: running the flow in-process (use --prefect for a tracked flow run)")
            summary = run_clean(**kwargs, ruleset=ruleset)
    except UsageError as exc:
        print(f"boilerclean: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_FAILED_FILES if summary["failed"] else EXIT_OK


def cmd_clean(args: argparse.Namespace) -> int:
    from cleaners import clean_text

    from .extract import extract_html, is_html
    from .files import decode_text

    ruleset = _load_ruleset_or_exit(args.config)
    name = "<stdin>" if args.file == "-" else args.file
    titles: tuple[str, ...] = ()
    try:
        data = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
        if args.file != "-" and is_html(name):  # a page: its extracted article text is what gets cleaned
            extraction = extract_html(data, name)
            text, titles = extraction.text, extraction.titles
        else:
            text, _ = decode_text(data)
    except (OSError, ValueError) as exc:
        print(f"boilerclean: {name}: {getattr(exc, 'strerror', None) or exc}", file=sys.stderr)
        return EXIT_FAILED_FILES
    sys.stdout.buffer.write(clean_text(text, ruleset, source=name, titles=titles).cleaned.encode("utf-8"))
    sys.stdout.flush()
    return EXIT_OK


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


if __name__ == "__main__":
    sys.exit(main())
