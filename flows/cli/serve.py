"""`boilerclean serve`: a scheduled Prefect deployment of the cleaning flow, with its own server if needed."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from .common import (
    EXIT_USAGE,
    add_alert_options,
    add_config,
    checked_run_args,
    prefect_api_configured,
)

DEFAULT_DEPLOYMENT = "scheduled"

SERVE_HELP = """\
Serve a Prefect deployment that runs `boilerclean run PATH... --out DIR` on a schedule, until
stopped (Ctrl-C or SIGTERM). Each run cleans only what is new or changed since the last one
(see DIR/summary.json "run" and `boilerclean history DIR`).

With PREFECT_API_URL set, the deployment goes to that server. Without it, serve starts
`prefect server start` on 127.0.0.1 (a free port, its SQLite database under PREFECT_HOME),
prints the dashboard's address, and stops the server when it exits.

examples:
  boilerclean serve incoming/ --out cleaned/ --interval 300
  boilerclean serve incoming/ --out cleaned/ --cron "*/15 * * * *" --config rules.yaml
  PREFECT_API_URL=http://127.0.0.1:4200/api boilerclean serve incoming/ --out cleaned/ --interval 60
"""


def register(subparsers, formatter_class) -> None:
    p = subparsers.add_parser(
        "serve",
        help="run the cleaning on a schedule (Prefect deployment)",
        description=SERVE_HELP,
        formatter_class=formatter_class,
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="input files or folders (searched recursively)")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    add_config(p)
    when = p.add_mutually_exclusive_group(required=True)
    when.add_argument("--cron", metavar="EXPR", help='cron schedule, e.g. "*/15 * * * *"')
    when.add_argument("--interval", type=float, metavar="SECONDS", help="run every SECONDS seconds")
    p.add_argument(
        "--prune", action="store_true", help="delete the outputs of inputs that are gone (kept by default)"
    )
    p.add_argument(
        "--name",
        default=DEFAULT_DEPLOYMENT,
        help=f"deployment name (default {DEFAULT_DEPLOYMENT!r}; flow name is 'boilerclean')",
    )
    p.add_argument(
        "--port", type=int, default=0, help="port for the server serve starts itself (default: a free one)"
    )
    add_alert_options(p)
    p.set_defaults(func=cmd_serve, log_level=logging.INFO)  # a long-running service: its log is its output


def cmd_serve(args: argparse.Namespace) -> int:
    from ..schedule.serve import serve

    if args.interval is not None and args.interval <= 0:
        print("boilerclean: --interval must be > 0 seconds", file=sys.stderr)
        return EXIT_USAGE
    checked = checked_run_args(args)
    if checked is None:
        return EXIT_USAGE
    alerts, _ = checked
    # Flow runs start in a subprocess, maybe elsewhere: absolute paths only.
    parameters = {
        "paths": [os.path.abspath(p) for p in args.paths],
        "out": os.path.abspath(args.out),
        "config": os.path.abspath(args.config) if args.config else None,
        "prune": args.prune,
        "alerts": alerts,
    }
    schedule = {"cron": args.cron} if args.cron else {"interval": args.interval}
    return serve(args.name, parameters, schedule, prefect_api_configured(), args.port)
