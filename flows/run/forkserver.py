"""Imported by a run's fork server, the process its pool's or local Dask cluster's workers are forked from
(dispatch.start_fork_server): the batch code and the cleaners' first-use patterns (and Dask, for a
cluster: the server imports it first), once, so that each worker starts from a copy instead of
importing and warming up again."""

from __future__ import annotations

import atexit
import os
import sys

from . import worker  # noqa: F401 - the cleaners and the writers
from .dispatch import warm_up


def in_fork_server() -> bool:
    """Whether this is the fork server's own import of this module (its main function is on the stack)."""
    server = sys.modules.get("multiprocessing.forkserver")
    frame = sys._getframe()
    while server is not None and frame is not None:
        if frame.f_code is server.main.__code__:
            return True
        frame = frame.f_back
    return False


if in_fork_server():
    # The server writes nothing and its workers are gone when it exits (the run's end waits for that):
    # tearing down an interpreter that holds Dask and a compiled ruleset took 0.2-0.9 s, for nothing.
    atexit.register(os._exit, 0)
    try:
        # The default ruleset's cache entry: most of what a first document builds is shared by every ruleset
        # (each worker's own warm-up, dispatch.dask_setup, then finishes with the run's in ~0.02 s).
        warm_up(None)
    except Exception:  # noqa: BLE001 - a warm-up only saves time: without it the workers start cold
        pass
