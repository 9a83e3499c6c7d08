"""`boilerclean serve`: a scheduled Prefect deployment of the cleaning flow, with its own server if none is configured."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Iterator

from .history import add_alert_options, alert_settings_from_args

log = logging.getLogger("boilerclean")

DEFAULT_DEPLOYMENT = "scheduled"
# Measured here: `prefect server start` takes 16-18 s to answer /api/health on 2 busy cores.
SERVER_START_TIMEOUT = 120.0
SERVER_STOP_TIMEOUT = 20.0

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


def register(subparsers: argparse._SubParsersAction, formatter_class: type) -> None:
    p = subparsers.add_parser("serve", help="run the cleaning on a schedule (Prefect deployment)", description=SERVE_HELP, formatter_class=formatter_class)
    p.add_argument("paths", nargs="+", metavar="PATH", help="input files or folders (searched recursively)")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument("--config", metavar="FILE", help="YAML ruleset overriding the packaged defaults")
    when = p.add_mutually_exclusive_group(required=True)
    when.add_argument("--cron", metavar="EXPR", help='cron schedule, e.g. "*/15 * * * *"')
    when.add_argument("--interval", type=float, metavar="SECONDS", help="run every SECONDS seconds")
    p.add_argument("--prune", action="store_true", help="delete the outputs of inputs that are gone (kept by default)")
    p.add_argument("--name", default=DEFAULT_DEPLOYMENT, help=f"deployment name (default {DEFAULT_DEPLOYMENT!r}; flow name is 'boilerclean')")
    p.add_argument("--port", type=int, default=0, help="port for the server serve starts itself (default: a free one)")
    add_alert_options(p)
    p.set_defaults(func=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    from .cli import EXIT_USAGE, _load_ruleset_or_exit, _prefect_api_configured

    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per API poll otherwise

    try:
        alerts = alert_settings_from_args(args)
    except ValueError as exc:
        print(f"boilerclean: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.interval is not None and args.interval <= 0:
        print("boilerclean: --interval must be > 0 seconds", file=sys.stderr)
        return EXIT_USAGE
    _load_ruleset_or_exit(args.config)
    for p in args.paths:
        if not os.path.exists(p):
            print(f"boilerclean: {p}: no such file or folder", file=sys.stderr)
            return EXIT_USAGE
    # Flow runs start in a subprocess, maybe elsewhere: absolute paths only.
    parameters = {
        "paths": [os.path.abspath(p) for p in args.paths],
        "out": os.path.abspath(args.out),
        "config": os.path.abspath(args.config) if args.config else None,
        "prune": args.prune,
        "alerts": alerts,
    }
    schedule = {"cron": args.cron} if args.cron else {"interval": args.interval}
    # SIGTERM must unwind through the finally blocks below (the server is stopped there);
    # once serving, Prefect's runner installs its own handler, which also exits via SystemExit.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    if _prefect_api_configured():
        serve_deployment(args.name, parameters, schedule)
        return 0
    with local_server(args.port) as api_url:
        from prefect.settings import PREFECT_API_URL, temporary_settings

        # Environment for the flow-run subprocesses, settings for this process (already imported).
        os.environ["PREFECT_API_URL"] = api_url
        with temporary_settings(updates={PREFECT_API_URL: api_url}):
            serve_deployment(args.name, parameters, schedule)
    return 0


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def serve_deployment(name: str, parameters: dict, schedule: dict) -> None:
    """Create (or update) the deployment boilerclean/<name> with this schedule and run its flow runs until stopped."""
    from prefect.deployments.runner import EntrypointType

    from .clean_flow import clean_flow

    log.info("serving deployment boilerclean/%s (%s) for %s -> %s", name, _describe(schedule), ", ".join(parameters["paths"]), parameters["out"])
    clean_flow.serve(
        name=name,
        parameters=parameters,
        limit=1,  # runs of one output folder never overlap (the folder's lock would serialise them anyway)
        pause_on_shutdown=True,
        # A module path works from any working directory where the package is importable.
        entrypoint_type=EntrypointType.MODULE_PATH,
        **schedule,
    )


def _describe(schedule: dict) -> str:
    return f"cron {schedule['cron']!r}" if "cron" in schedule else f"every {schedule['interval']:g} s"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(api_url: str, proc: subprocess.Popen | None = None, timeout: float = SERVER_START_TIMEOUT) -> float:
    """Poll <api_url>/health until it answers 200; returns the seconds waited. Raises if the process dies or time runs out."""
    start = time.monotonic()
    while True:
        try:
            with urllib.request.urlopen(f"{api_url}/health", timeout=2) as resp:
                if resp.status == 200:
                    return time.monotonic() - start
        except (urllib.error.URLError, OSError):
            pass
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"prefect server exited with code {proc.returncode} before it was healthy")
        if time.monotonic() - start > timeout:
            raise TimeoutError(f"prefect server at {api_url} not healthy after {timeout:.0f} s")
        time.sleep(0.5)


def start_server(port: int = 0, log_path: Path | None = None, env: dict | None = None) -> tuple[subprocess.Popen, str]:
    """Start `prefect server start` on 127.0.0.1 in its own process group; returns the process and its API URL."""
    port = port or free_port()
    env = dict(os.environ if env is None else env)
    env.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")  # no telemetry calls from a local server
    out = open(log_path, "ab") if log_path else subprocess.DEVNULL
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,  # Ctrl-C in the terminal reaches serve, which then stops the server
        )
    finally:
        if log_path:
            out.close()
    return proc, f"http://127.0.0.1:{port}/api"


def stop_server(proc: subprocess.Popen, timeout: float = SERVER_STOP_TIMEOUT) -> None:
    """SIGTERM the server's process group (uvicorn and its services), SIGKILL what is left after `timeout`."""
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(wait)
            break
        except subprocess.TimeoutExpired:
            continue
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # children that outlived their parent


@contextlib.contextmanager
def local_server(port: int = 0) -> Iterator[str]:
    """A Prefect server on 127.0.0.1 for as long as the block runs; yields its API URL."""
    from prefect.settings import get_current_settings

    home = Path(get_current_settings().home)
    home.mkdir(parents=True, exist_ok=True)
    log_path = home / "boilerclean-server.log"
    proc, api_url = start_server(port, log_path)
    try:
        log.info("starting prefect server (database under %s, log %s) ...", home, log_path)
        waited = wait_healthy(api_url, proc)
        ui = api_url.removesuffix("/api")
        log.info("prefect server healthy after %.1f s: dashboard %s, API %s", waited, ui, api_url)
        yield api_url
    finally:
        log.info("stopping prefect server (pid %d)", proc.pid)
        stop_server(proc)
