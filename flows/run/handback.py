"""A pool job's result handed back through a file: only the file's name goes through the pool's pipe.

A ProcessPoolExecutor worker killed while it writes a result larger than the pipe holds (64 KB; a batch's
records and review counts are more) leaves half a message in the pipe. The pool's result reader then
waits for the rest for ever, the pool never breaks, and the run hangs instead of renewing it (CPython
3.11, reproduced 2026-12-03: RESULTS.md). A message shorter than PIPE_BUF (4 KB) is written whole or
not at all, so a worker killed at any moment leaves either its whole result or none.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from collections.abc import Callable
from typing import Any


class ResultLost(Exception):
    """A handed-back result that cannot be read back: its file deleted, or cut short (its message: why)."""


class HandedBack:
    """The name of a file that holds a job's pickled result (HandedBack.take reads it once)."""

    __slots__ = ("path",)

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self) -> tuple:
        return (HandedBack, (self.path,))

    def take(self) -> Any:
        """The result, its file deleted. Raises ResultLost when it cannot be read."""
        try:
            with open(self.path, "rb") as fh:
                return pickle.loads(fh.read())
        except (OSError, pickle.UnpicklingError, EOFError) as exc:
            raise ResultLost(str(exc)) from exc
        finally:
            _unlink(self.path)


def handed_back(folder: str, fn: Callable[..., Any], /, *args: Any) -> Any:
    """fn(*args), run in a pool worker, its result pickled to a new file in `folder`: a HandedBack.
    Where that file cannot be written (a full disk), the result itself, through the pipe as before."""
    result = fn(*args)
    path = None
    try:
        fd, path = tempfile.mkstemp(prefix="result-", dir=folder)
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(result, fh, protocol=pickle.HIGHEST_PROTOCOL)
    except OSError:
        if path is not None:
            _unlink(path)
        return result
    return HandedBack(path)


def taken(result: Any) -> Any:
    """A pool job's result as fn returned it (read from its file, when it was handed back); raises
    ResultLost."""
    return result.take() if isinstance(result, HandedBack) else result


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass  # left in the caller's folder (a run's claims folder is swept by the next run)
