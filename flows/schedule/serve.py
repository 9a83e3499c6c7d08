"""Serving the cleaning flow as a scheduled Prefect deployment, on a configured server or a local one."""

from __future__ import annotations

import logging
import os
import signal

from .server import local_server

log = logging.getLogger("boilerclean")


def serve(name: str, parameters: dict, schedule: dict, api_configured: bool, port: int = 0) -> None:
    """Serve boilerclean/<name> until stopped: on the configured Prefect API, else on a local server."""
    # SIGTERM must unwind through the finally blocks below (the server is stopped there);
    # once serving, Prefect's runner installs its own handler, which also exits via SystemExit.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    if api_configured:
        serve_deployment(name, parameters, schedule)
        return
    with local_server(port) as api_url:
        from prefect.settings import PREFECT_API_URL, temporary_settings

        # Environment for the flow-run subprocesses, settings for this process (already imported).
        os.environ["PREFECT_API_URL"] = api_url
        with temporary_settings(updates={PREFECT_API_URL: api_url}):
            serve_deployment(name, parameters, schedule)


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def serve_deployment(name: str, parameters: dict, schedule: dict) -> None:
    """Create (or update) deployment boilerclean/<name> with this schedule; run flow runs until stopped."""
    from prefect.deployments.runner import EntrypointType

    from ..run.prefect_flow import clean_flow

    log.info(
        "serving deployment boilerclean/%s (%s) for %s -> %s",
        name,
        _describe(schedule),
        ", ".join(parameters["paths"]),
        parameters["out"],
    )
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
