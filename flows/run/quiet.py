"""Prefect without noise: no usage telemetry from boilerclean's processes, no per-request httpx lines.

Prefect 3.8.8 sends SDK telemetry (and prints a first-run notice on a terminal) on `import prefect`
unless DO_NOT_TRACK is set, and its server reports usage unless PREFECT_SERVER_ANALYTICS_ENABLED is
false. Both are set only where the user has not set them: DO_NOT_TRACK=0 and
PREFECT_SERVER_ANALYTICS_ENABLED=true turn them back on (docs/scheduling.md).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

QUIET_DEFAULTS = {"DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}

# For `run --prefect` without -v: Prefect's console lines (flow and task runs, in every worker process)
# at warnings only. Its logs still go to the API and the UI; the run's final lines say what happened.
QUIET_CONSOLE = {"PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "WARNING"}

# Loggers that write one INFO line per HTTP request (Prefect's client polls its API often).
CHATTY_LOGGERS = ("httpx", "httpcore")


def quiet_prefect_env(env: Mapping[str, str], settings: Mapping[str, str] = QUIET_DEFAULTS) -> dict[str, str]:
    """The settings to add to `env` (telemetry off by default): those the user did not set."""
    return {k: v for k, v in settings.items() if k not in env}


def quiet_prefect(verbose: bool = False) -> None:
    """In this process and those it starts: telemetry off unless asked for, httpx lines at -v only."""
    os.environ.update(quiet_prefect_env(os.environ))
    if not verbose:
        for name in CHATTY_LOGGERS:
            logging.getLogger(name).setLevel(logging.WARNING)


def quiet_prefect_console() -> None:
    """Prefect's console lines at warnings only, in this process's children (unless the user set it)."""
    os.environ.update(quiet_prefect_env(os.environ, QUIET_CONSOLE))
