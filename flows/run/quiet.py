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

# Loggers that write one INFO line per HTTP request (Prefect's client polls its API often).
CHATTY_LOGGERS = ("httpx", "httpcore")


def quiet_prefect_env(env: Mapping[str, str]) -> dict[str, str]:
    """The telemetry settings to add to `env`: those the user did not set."""
    return {k: v for k, v in QUIET_DEFAULTS.items() if k not in env}


def quiet_prefect(verbose: bool = False) -> None:
    """In this process and those it starts: telemetry off unless asked for, httpx lines at -v only."""
    os.environ.update(quiet_prefect_env(os.environ))
    if not verbose:
        for name in CHATTY_LOGGERS:
            logging.getLogger(name).setLevel(logging.WARNING)
