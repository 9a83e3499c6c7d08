"""A run's progress: files done, MB/s, ETA and errors, as a bar on a terminal or log lines otherwise."""

from __future__ import annotations

import logging
import os
import sys
import time

log = logging.getLogger("boilerclean")


class Progress:
    """Files done, MB/s, ETA and errors so far: a rich bar on a terminal, else a log line every few s."""

    LOG_EVERY = 10.0  # seconds between plain progress lines

    def __init__(self, total_files: int, total_bytes: int, enabled: bool = True, stream=None):
        self.total_files, self.total_bytes = total_files, total_bytes
        self.files = self.bytes = self.errors = 0
        self.start = self.last_log = time.monotonic()
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.bar = None
        if enabled and self.stream.isatty():
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TextColumn,
                TimeRemainingColumn,
            )
            from rich.progress import Progress as Bar

            self.bar = Bar(
                TextColumn("cleaning"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]}"),
                TextColumn("errors {task.fields[errors]}"),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                console=Console(file=self.stream),
                transient=False,
            )
            self.task = self.bar.add_task("clean", total=total_files, rate="", errors=0)
            self.bar.start()

    def rate(self) -> float:
        elapsed = max(time.monotonic() - self.start, 1e-9)
        return self.bytes / 1e6 / elapsed

    def advance(self, files: int, nbytes: int, errors: int) -> None:
        self.files += files
        self.bytes += nbytes
        self.errors += errors
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.update(
                self.task, completed=self.files, rate=f"{self.rate():.1f} MB/s", errors=self.errors
            )
            return
        now = time.monotonic()
        if now - self.last_log >= self.LOG_EVERY:
            self.last_log = now
            log.info("%s", self.line())

    def line(self) -> str:
        rate = self.rate()
        left = max(self.total_bytes - self.bytes, 0)
        eta = f"{left / 1e6 / rate:.0f}s" if rate > 0 else "?"
        return (
            f"progress: {self.files}/{self.total_files} files, {self.bytes / 1e6:.1f} MB, "
            f"{rate:.1f} MB/s, ETA {eta}, {self.errors} errors"
        )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
        elif self.enabled:
            log.info("%s", self.line())


def file_size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0
