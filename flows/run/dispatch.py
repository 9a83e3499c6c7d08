"""Spreading batches over workers: in this process, a process pool, Prefect's task runners, or Dask.

Every way runs the same clean_batch task on the same batches; only who runs it changes. Batches
are submitted from a stream with a bounded number in flight, so memory does not grow with the
number of files, and results come back in submission order, so outputs do not depend on the
number of workers.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
import threading
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack, contextmanager
from typing import Any, Callable, Iterable, Iterator

log = logging.getLogger("boilerclean")

# Batches in flight per worker: enough to keep every worker busy while the next one is read.
IN_FLIGHT_PER_WORKER = 2


def exit_with_parent(parent: int) -> None:
    """In a pool worker: exit when the run that started it is gone (a SIGKILLed run would leave its workers idle forever)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def default_workers() -> int:
    return os.cpu_count() or 1


def task_runner(workers: int, dask_address: str | None = None, dask: bool = False):
    """The Prefect task runner for a tracked flow run: Dask when asked, else processes (threads would share one GIL)."""
    if dask or dask_address:
        from prefect_dask import DaskTaskRunner

        if dask_address:
            return DaskTaskRunner(address=dask_address)
        return DaskTaskRunner(cluster_kwargs=local_cluster_kwargs(workers))
    if workers > 1:
        from prefect.task_runners import ProcessPoolTaskRunner

        return ProcessPoolTaskRunner(max_workers=workers)
    return None


def local_cluster_kwargs(workers: int) -> dict[str, Any]:
    """A local Dask cluster of single-threaded worker processes (the rules are CPU-bound Python)."""
    return dict(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None, host="127.0.0.1")


def bounded(submit: Callable[[Any], Any], result: Callable[[Any], Any], jobs: Iterable[Any], window: int) -> Iterator[tuple[Any, Any]]:
    """(job, result) for every job, in order, with at most `window` submitted and not yet collected."""
    pending: deque = deque()
    for job in jobs:
        pending.append((job, submit(job)))
        if len(pending) >= window:
            j, fut = pending.popleft()
            yield j, result(fut)
    while pending:
        j, fut = pending.popleft()
        yield j, result(fut)


@contextmanager
def process_pool(workers: int) -> Iterator[ProcessPoolExecutor | None]:
    """The run's worker processes (None for one worker), started as work is submitted: batches, then review pages."""
    if workers <= 1:
        yield None
        return
    # spawn, not fork: a forked worker would inherit the output folder's run lock (flock) and, orphaned by
    # a SIGKILL of the run, keep holding it, so the rerun would wait forever. Prefect's and Dask's runners spawn too.
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=exit_with_parent,
        initargs=(os.getpid(),),
    ) as pool:
        yield pool


def run_batches(
    batch_fn: Callable[[list, str, Any], list[dict]],
    batches: Iterable[list],
    out: str,
    ruleset: Any,
    workers: int = 1,
    dask_address: str | None = None,
    dask: bool = False,
    submit_task: Callable[..., Any] | None = None,
    pool: ProcessPoolExecutor | None = None,
) -> Iterator[tuple[list, list[dict]]]:
    """(batch, its records) for every batch, in order.

    `submit_task` is clean_batch.submit inside a Prefect flow run (its task runner does the
    spreading); without it, batches run here (1 worker), in a process pool (`pool`, or one of
    `workers` processes started here), or on Dask.
    """
    window = max(1, workers) * IN_FLIGHT_PER_WORKER
    if submit_task is not None:
        yield from bounded(lambda b: submit_task(b, out, ruleset), lambda f: f.result(), batches, window)
        return
    if dask or dask_address:
        from distributed import Client, LocalCluster

        with ExitStack() as stack:
            if dask_address:
                client = stack.enter_context(Client(dask_address))
            else:
                cluster = stack.enter_context(LocalCluster(**local_cluster_kwargs(workers)))
                client = stack.enter_context(Client(cluster))
            # Sent once to every worker rather than with every batch.
            rs = client.scatter(ruleset, broadcast=True)
            # pure=False: a batch is work with side effects (files written), never to be deduplicated.
            yield from bounded(lambda b: client.submit(batch_fn, b, out, rs, pure=False), lambda f: f.result(), batches, window)
        return
    if workers <= 1:
        for b in batches:
            yield b, batch_fn(b, out, ruleset)
        return
    with ExitStack() as stack:
        pool = pool or stack.enter_context(process_pool(workers))
        yield from bounded(lambda b: pool.submit(batch_fn, b, out, ruleset), lambda f: f.result(), batches, window)


class Progress:
    """Files done, MB/s, ETA and errors so far: a rich bar on a terminal, a log line every few seconds otherwise."""

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
            from rich.progress import BarColumn, MofNCompleteColumn, Progress as Bar, TextColumn, TimeRemainingColumn

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
            self.bar.update(self.task, completed=self.files, rate=f"{self.rate():.1f} MB/s", errors=self.errors)
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
