"""Serving the cleaning flow as a scheduled Prefect deployment, on a configured server or a local one.

Shutdown on SIGTERM or Ctrl-C goes in order: stop taking new runs, cancel the running flow run,
wait for its process (with a deadline), and only then stop the server. A flow run left alive
after its server is gone keeps retrying it, and the interpreter waits for that process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
import time

from .server import local_api
from .stop import cancel_unfinished_runs, end_processes, own_processes

log = logging.getLogger("boilerclean")

# Prefect's runner ends once its flow-run process has exited (it looks every 3 s after its SIGTERM) and it
# has recorded the cancellation and paused the schedule. It is waited for while that process winds down, and
# RUNNER_AFTER_PROCESSES seconds after; never more than RUNNER_STOP_LIMIT in all (a loaded machine slows
# every step: a fixed 8 s failed once at a load of ~9).
RUNNER_AFTER_PROCESSES = 5.0
RUNNER_STOP_LIMIT = 14.0
CALL_TIMEOUT = 60.0  # seconds for one call to the Prefect API while setting up


class StopRequested(Exception):
    """SIGTERM or Ctrl-C before the deployment was served: nothing to wind down but the server."""


class StopSignal:
    """SIGTERM and SIGINT set an event; before serving they also abort the start-up (server wait)."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.serving = False
        self.previous = {s: signal.signal(s, self.handle) for s in (signal.SIGTERM, signal.SIGINT)}

    def handle(self, signum: int, frame: object) -> None:
        if self.event.is_set():
            return  # a second signal while stopping: the ordered shutdown is already under way
        self.event.set()
        log.info("%s received: stopping", signal.Signals(signum).name)
        if not self.serving:
            raise StopRequested

    def restore(self) -> None:
        for s, handler in self.previous.items():
            signal.signal(s, handler)


def serve(name: str, parameters: dict, schedule: dict, api_configured: bool, port: int = 0) -> int:
    """Serve boilerclean/<name> until stopped, on the configured Prefect API or a local server.

    Returns 0 after an orderly stop, 1 when the shutdown had to kill a process or failed.
    """
    stop = StopSignal()
    try:
        if api_configured:
            return serve_deployment(name, parameters, schedule, stop)
        with local_api(port) as (_, server_pid):
            return serve_deployment(name, parameters, schedule, stop, keep_pids={server_pid})
    except StopRequested:
        return 0
    finally:
        stop.restore()


def serve_deployment(
    name: str, parameters: dict, schedule: dict, stop: StopSignal, keep_pids: set[int] = frozenset()
) -> int:
    """Create (or update) boilerclean/<name> with this schedule and run its flow runs until `stop` is set."""
    from prefect.runner import Runner

    log.info(
        "serving deployment boilerclean/%s (%s) for %s -> %s",
        name,
        _describe(schedule),
        ", ".join(parameters["paths"]),
        parameters["out"],
    )
    # limit=1: runs of one output folder never overlap (the folder's lock would serialise them anyway).
    runner = Runner(name=f"boilerclean-{name}", limit=1, pause_on_shutdown=True)
    # The runner's loop runs in a thread of its own: it then installs no signal handler of its own
    # (Prefect's calls a coroutine without awaiting it), and this thread decides the shutdown order.
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="prefect-runner", daemon=True)
    thread.start()
    try:
        deployment_id = _call(loop, _add_flow(runner, name, parameters, schedule), CALL_TIMEOUT)
        started = asyncio.run_coroutine_threadsafe(runner.start(webserver=False), loop)
        stop.serving = True
        log.info("serving: Ctrl-C or SIGTERM stops after cancelling a running flow run")
        runner_ended = False
        while not stop.event.wait(0.5):
            if started.done():  # the runner ended by itself (e.g. its server went away): still wind down
                log.error("Prefect's runner stopped: %s", started.exception() or "without an error")
                stop.event.set()
                runner_ended = True
                break
        return shut_down(runner, loop, started, deployment_id, keep_pids) or int(runner_ended)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)


async def _add_flow(runner, name: str, parameters: dict, schedule: dict):
    from prefect.deployments.runner import EntrypointType

    from ..run.prefect_flow import clean_flow

    # A module path works from any working directory where the package is importable.
    return await runner.aadd_flow(
        clean_flow, name=name, parameters=parameters, entrypoint_type=EntrypointType.MODULE_PATH, **schedule
    )


def shut_down(runner, loop, started, deployment_id, keep_pids: set[int]) -> int:
    """Stop polling, cancel the running flow run, wait for its process; the caller then stops the server."""
    t0 = time.monotonic()
    stopping = asyncio.run_coroutine_threadsafe(runner.astop(), loop)  # cancels the running flow run first
    ok = wait_for_runner(runner, loop, started, stopping, keep_pids, t0)
    failed = stopping.exception(0) if stopping.done() and not stopping.cancelled() else None
    if failed is not None:
        log.warning("stopping Prefect's runner: %s", failed or type(failed).__name__)
    ok &= end_processes(keep_pids)
    ok &= cancel_unfinished_runs(deployment_id)
    log.info("stopped serving after %.1f s%s", time.monotonic() - t0, "" if ok else " (with problems)")
    return 0 if ok else 1


def wait_for_runner(runner, loop, started, stopping, keep_pids: set[int], t0: float) -> bool:
    """Wait until the runner has ended (`started` done): while a flow-run process of ours is still winding
    down, and RUNNER_AFTER_PROCESSES seconds after the last one is gone; at most RUNNER_STOP_LIMIT. False
    (and the runner cancelled) if it has not ended by then. `stopping`: its astop(), which cancels first."""
    last_alive, cancelling = t0, stopping
    while not started.done():
        now = time.monotonic()
        if own_processes(keep_pids):
            last_alive = now
        if now - t0 > RUNNER_STOP_LIMIT or now - last_alive > RUNNER_AFTER_PROCESSES:
            break
        # A run claimed as the signal came is registered only after astop's cancel: cancel again (one call
        # at a time: each waits for the runs it cancels to exit).
        if cancelling.done():
            cancelling = asyncio.run_coroutine_threadsafe(runner.cancel_all(), loop)
        started_wait(started, 0.2)
    if started.done():
        return True
    log.warning("Prefect's runner did not stop within %.0f s", time.monotonic() - t0)
    started.cancel()
    return False


def started_wait(future, timeout: float) -> None:
    with contextlib.suppress(Exception):
        future.result(timeout)


def _call(loop, coro, timeout: float):
    return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout)


def _describe(schedule: dict) -> str:
    return f"cron {schedule['cron']!r}" if "cron" in schedule else f"every {schedule['interval']:g} s"
