"""A run's progress: phase, files and MB done, MB/s, ETA, errors; a bar on a terminal, else log lines."""

from __future__ import annotations

import logging
import sys
import time

log = logging.getLogger("boilerclean")

# The phases of a run, in order: counting lines and hashing inputs, cleaning and writing each file's
# outputs, writing summary.json and the history, rendering the review pages and the index.
PHASES = ("reading", "cleaning", "writing", "index")


class Progress:
    """Phase, files done, MB/s, ETA and errors: a rich bar on a terminal, else a log line now and then."""

    LOG_EVERY = 10.0  # seconds between plain progress lines

    def __init__(self, total_files: int | None, total_bytes: int = 0, enabled: bool = True, stream=None):
        self.name = "cleaning"
        self.total_files, self.total_bytes = total_files, total_bytes
        self.files = self.bytes = self.errors = 0
        self.start = self.last_log = time.monotonic()
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.bar = None
        if enabled and self.stream.isatty():
            self.bar = _rich_bar(self.stream)
            self.task = self.bar.add_task(self.name, total=total_files, mb="", rate="", errors=0)
            self.bar.start()

    def phase(self, name: str, total_files: int | None = None, total_bytes: int = 0) -> None:
        """Start the next phase (one of PHASES): counts start from zero against its own total."""
        if self.bar is not None:
            self.bar.refresh()  # the finished phase's last count is drawn before the next one starts
        self.name, self.total_files, self.total_bytes = name, total_files, total_bytes
        self.files = self.bytes = 0
        self.start = time.monotonic()
        if self.bar is not None:
            self.bar.reset(self.task, total=total_files, description=name, mb="", rate="", errors=self.errors)

    def rate(self) -> float:
        elapsed = max(time.monotonic() - self.start, 1e-9)
        return self.bytes / 1e6 / elapsed

    def advance(self, files: int, nbytes: int = 0, errors: int = 0) -> None:
        self.files += files
        self.bytes += nbytes
        self.errors += errors
        if not self.enabled:
            return
        if self.bar is not None:
            mb = f"{self.bytes / 1e6:.1f} MB" if self.total_bytes else ""
            rate = f"{self.rate():.1f} MB/s" if self.total_bytes else ""
            self.bar.update(self.task, completed=self.files, mb=mb, rate=rate, errors=self.errors)
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
            f"progress ({self.name}): {self.files}/{self.total_files} files, {self.bytes / 1e6:.1f} MB, "
            f"{rate:.1f} MB/s, ETA {eta}, {self.errors} errors"
        )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
        elif self.enabled:
            log.info("%s", self.line())


def _rich_bar(stream):
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
    from rich.progress import Progress as Bar

    return Bar(
        TextColumn("{task.description:<8}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[mb]}"),
        TextColumn("{task.fields[rate]}"),
        TextColumn("errors {task.fields[errors]}"),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=Console(file=stream),
        transient=True,  # the run's final lines replace it
    )
