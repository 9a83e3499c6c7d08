"""`boilerclean run`: clean files and folders into an output folder."""

from __future__ import annotations

import argparse
import gc
import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from .common import (
    EXIT_FAILED_FILES,
    EXIT_OK,
    EXIT_USAGE,
    add_alert_options,
    add_config,
    checked_run_args,
    prefect_api_configured,
)
from .outcome import final_lines

log = logging.getLogger("boilerclean")

RUN_HELP = """\
Inputs are .txt documents and .html, .htm or .html.gz pages (article text extracted with
trafilatura first; the report's "extraction" entry says how). For an input at relative path
a/b.txt (or a/b.html), writes DIR/a/b.txt (cleaned text), DIR/a/b.diff (unified diff,
original -> cleaned), its report (every removal with its cleaner and rule: one line of its batch's
DIR/removals/<digest>.jsonl) and
DIR/summary.json for the run, and DIR/index.html (open it in a browser; see `boilerclean review DIR`
for the terminal). With --pages, also a review page per input: DIR/a/b.html (the original with every
removal marked).
Inputs are never modified. --dry-run puts every rule in shadow mode: matches are reported, nothing is removed.

Runs as a tracked Prefect flow run when a Prefect API is configured (PREFECT_API_URL), and
in-process otherwise (no server needed); --prefect / --no-prefect override.

exit codes: 0 every file cleaned, 1 some files failed (the others are done), 2 usage or config error

examples:
  boilerclean run seeds --out out/seeds
  boilerclean run scraped/ more.txt --out cleaned/ --config rules.yaml
  boilerclean run big/ --out out/ --workers 8
  boilerclean run big/ --out out/ --dask-address tcp://scheduler:8786
  PREFECT_API_URL=http://127.0.0.1:4200/api boilerclean run in/ --out out/
"""


def register(subparsers, formatter_class) -> None:
    short = "clean files and folders into an output folder"
    run = subparsers.add_parser("run", help=short, description=RUN_HELP, formatter_class=formatter_class)
    run.add_argument("paths", nargs="+", metavar="PATH", help="input files or folders (searched recursively)")
    run.add_argument("--out", required=True, metavar="DIR", help="output folder")
    add_config(run)
    run.add_argument("--dry-run", action="store_true", help="report what would be removed, remove nothing")
    run.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="worker processes (default: the machine's cores; 1 for up to 8 small files)",
    )
    run.add_argument(
        "--dask", action="store_true", help="run the batches on a local Dask cluster of --workers processes"
    )
    run.add_argument(
        "--dask-address",
        metavar="ADDR",
        help="run the batches on a running Dask scheduler, e.g. tcp://10.0.0.5:8786",
    )
    run.add_argument(
        "--no-progress", dest="progress", action="store_false", help="no progress bar or progress lines"
    )
    run.add_argument("--pages", action="store_true", help="also write a review page per input (DIR/a/b.html)")
    run.add_argument(
        "--prune", action="store_true", help="delete the outputs of inputs that are gone (kept by default)"
    )
    add_alert_options(run)
    mode = run.add_mutually_exclusive_group()
    mode.add_argument(
        "--prefect", dest="prefect", action="store_true", default=None, help="run as a Prefect flow run"
    )
    mode.add_argument(
        "--no-prefect", dest="prefect", action="store_false", help="run in-process, without Prefect's API"
    )
    run.set_defaults(func=cmd_run, log_level=logging.WARNING)  # its final lines say what happened; -v logs


def cmd_run(args: argparse.Namespace) -> int:
    from ..run.dispatch import (
        can_fork_pool,
        default_workers,
        fits_one_batch,
        server_preload,
        start_fork_server,
        stop_fork_server,
    )

    workers = args.workers
    if workers is None:  # by default, one process for a batch's worth of small files: no pool to start
        workers = 1 if fits_one_batch(args.paths) else default_workers()
    if workers < 1:
        print("boilerclean: --workers must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    use_prefect = args.prefect if args.prefect is not None else prefect_api_configured()
    if use_prefect or not (workers > 1 or args.dask) or args.dask_address:
        return _cmd_run(args, workers, use_prefect)
    if can_fork_pool() and not args.dask:  # the pool's workers are forked from this process (run_in_process)
        return _cmd_run(args, workers, use_prefect)
    # The run's fork server (its local cluster's workers are forked from it, or the pool's where this process
    # cannot fork them) starts now, before this process imports the cleaners and loads the config: the
    # server's own imports and warm-up (~0.25 s) overlap them and the run's plan.
    start_fork_server(*server_preload(args.dask, args.dask_address))
    try:
        return _cmd_run(args, workers, use_prefect)
    finally:
        stop_fork_server()  # a bad config ends the run before its pool or cluster (which stop it too)


def _cmd_run(args: argparse.Namespace, workers: int, use_prefect: bool) -> int:
    from ..inputs.discover import UsageError
    from ..outputs.manifest import ManifestError
    from ..run.dispatch import DaskStartError

    checked = checked_run_args(args)
    if checked is None:
        return EXIT_USAGE
    alerts, ruleset = checked
    kwargs = {"paths": [str(p) for p in args.paths], "out": str(args.out), "config": args.config}
    kwargs.update(dry_run=args.dry_run, prune=args.prune, alerts=alerts, progress=args.progress)
    kwargs.update(pages=args.pages)
    kwargs.update(workers=workers, dask_address=args.dask_address, dask=args.dask)
    start = time.monotonic()
    try:
        with run_collections():
            summary = run_tracked(kwargs, args.verbose) if use_prefect else run_in_process(kwargs, ruleset)
    except UsageError as exc:
        print(f"boilerclean: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (
        ManifestError,
        DaskStartError,
    ) as exc:  # the outputs written so far are in place; a rerun redoes the rest
        print(f"boilerclean: {exc}", file=sys.stderr)
        return EXIT_FAILED_FILES
    summary.setdefault("this_run", {})["seconds"] = time.monotonic() - start  # what the user waited
    print("\n".join(final_lines(summary, args.out)), flush=True)
    return EXIT_FAILED_FILES if summary["failed"] or summary.get("output_errors") else EXIT_OK


@contextmanager
def run_collections() -> Iterator[None]:
    """The run's garbage collector thresholds (dispatch.run_gc_thresholds) while it lasts, put back after."""
    from ..run.dispatch import run_gc_thresholds

    old = run_gc_thresholds()
    try:
        yield
    finally:
        gc.set_threshold(*old)


def run_tracked(kwargs: dict, verbose: bool = False) -> dict:
    """The run as a Prefect flow run: on the configured API, else on one local server (workers too)."""
    from ..run.prefect_flow import flow_for
    from ..run.quiet import quiet_prefect_console

    if not verbose:
        quiet_prefect_console()
    flow = flow_for(kwargs["workers"], kwargs["dask_address"], kwargs["dask"])
    if prefect_api_configured():
        return flow(**kwargs)
    from ..schedule.server import local_api

    # Prefect would start a temporary server here, and each task-runner worker one more of its own.
    with local_api():
        return flow(**kwargs)


def run_in_process(kwargs: dict, ruleset) -> dict:
    from ..run.dispatch import process_pool, server_preload, start_workers

    log.info("no Prefect API configured: running the flow in-process (use --prefect for a tracked flow run)")
    # The pool's workers start as soon as they can (the config is good): forked from this process once it has
    # the batch code, else from the fork server now, while this process imports it.
    preload = server_preload(kwargs["dask"], kwargs["dask_address"])
    batches = not (kwargs["dask"] or kwargs["dask_address"])  # else the pool is only for review pages
    with process_pool(kwargs["workers"], kwargs["config"], preload, fork=batches) as pool:
        forks = pool is not None and pool.forks
        if batches and not forks:  # from the fork server: while this process imports
            start_workers(pool, kwargs["workers"])
        from ..run.pipeline import run_clean  # the flow's body, without importing Prefect

        if forks:  # from this process, now that it has the batch code: before the run's lock
            start_workers(pool, kwargs["workers"])
        return run_clean(**kwargs, ruleset=ruleset, pool=pool)
