"""A run that started writing an output folder and has not finished: DIR/.boilerclean/unfinished.

Written (under the folder's lock) before a run puts any output in place, removed once its summary.json is
written. Left behind, it says that the outputs may be newer than summary.json and the review pages: the run
was killed, interrupted, or failed before its summary (a batch that workers had put in place but the run
never recorded in the manifest leaves no other trace).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from .atomic import atomic_write
from .manifest import state_dir

MARKER = "unfinished"


def utc_time(seconds: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(seconds))


def mark_started(out: str | os.PathLike) -> str:
    """Record that a run starts writing `out` now; returns its start time as shown to people."""
    started = utc_time(time.time())
    atomic_write(state_dir(out) / MARKER, f"{started}\n{os.getpid()}\n")
    return started


def mark_finished(out: str | os.PathLike) -> None:
    """The run's summary.json is written: it describes the outputs again."""
    (state_dir(out) / MARKER).unlink(missing_ok=True)


def unfinished_since(out: str | os.PathLike) -> str | None:
    """The start time of a run that began writing `out` and did not finish (or is running now), or None."""
    try:
        text = (Path(state_dir(out)) / MARKER).read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return None
    except OSError:
        return "an unknown time"  # the marker is there, unreadable: still a run that did not finish
    return text.partition("\n")[0].strip() or "an unknown time"
