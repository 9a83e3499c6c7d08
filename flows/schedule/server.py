"""A local Prefect server for `boilerclean serve`: started on 127.0.0.1, waited for, then stopped."""

from __future__ import annotations

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
from collections.abc import Iterator
from pathlib import Path

from ..run.quiet import quiet_prefect_env

log = logging.getLogger("boilerclean")

# Measured here: `prefect server start` takes 16-18 s to answer /api/health on 2 busy cores.
SERVER_START_TIMEOUT = 120.0
SERVER_STOP_TIMEOUT = 8.0  # serve must exit within 20 s of SIGTERM; uvicorn stops in ~1 s


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(
    api_url: str, proc: subprocess.Popen | None = None, timeout: float = SERVER_START_TIMEOUT
) -> float:
    """Poll <api_url>/health until 200; returns the seconds waited. Raises if the server dies or times out."""
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


def start_server(
    port: int = 0, log_path: Path | None = None, env: dict | None = None
) -> tuple[subprocess.Popen, str]:
    """Start `prefect server start` on 127.0.0.1 in its own process group; returns process and API URL."""
    port = port or free_port()
    env = dict(os.environ if env is None else env)
    env.update(quiet_prefect_env(env))
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(open(log_path, "ab")) if log_path else subprocess.DEVNULL
        proc = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,  # Ctrl-C in the terminal reaches serve, which then stops the server
        )
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
def local_server(port: int = 0) -> Iterator[tuple[str, int]]:
    """A Prefect server on 127.0.0.1 for as long as the block runs; yields its API URL and process id."""
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
        yield api_url, proc.pid
    finally:
        log.info("stopping prefect server (pid %d)", proc.pid)
        stop_server(proc)


@contextlib.contextmanager
def local_api(port: int = 0) -> Iterator[tuple[str, int]]:
    """local_server as the Prefect API of this process and of every process it starts (one server for all)."""
    with local_server(port) as (api_url, pid):
        from prefect.context import refresh_global_settings_context

        # The environment for subprocesses (flow runs, task-runner workers); Prefect's global settings for
        # every thread of this one (its task runner forwards the workers' logs and events from a thread).
        os.environ["PREFECT_API_URL"] = api_url
        refresh_global_settings_context()
        try:
            yield api_url, pid
        finally:
            drain_prefect_workers()
            os.environ.pop("PREFECT_API_URL", None)
            refresh_global_settings_context()


def drain_prefect_workers() -> None:
    """Send Prefect's queued logs and events while its server is still up.

    Left for the interpreter's exit, they would find no API configured any more, and Prefect would
    start a temporary server of its own just to take them.
    """
    import sys

    if "prefect" not in sys.modules:
        return
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (APILogWorker, EventsWorker):
        try:
            worker.drain_all()
        except Exception as exc:  # noqa: BLE001 - lost log lines must not fail a finished run
            log.debug("draining %s: %s", worker.__name__, exc)
