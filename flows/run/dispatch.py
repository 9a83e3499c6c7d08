"""Spreading batches over workers: in this process, a process pool, Prefect's task runners, or Dask.

Every way runs the same batch function (run/worker.py's clean_and_tally, or clean_and_claim where a
batch can be lost and the run go on: a process pool, Dask; in a Prefect flow run, the clean_batch task
that wraps them) on the same batches; only who runs it changes. Batches
are submitted from a stream with a bounded number in flight, so memory does not grow with the
number of files, and results come back in submission order, so outputs do not depend on the
number of workers.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import shutil
import stat
import sys
import tempfile
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack, contextmanager
from typing import Any

from .handback import ResultLost, handed_back, taken

log = logging.getLogger("boilerclean")

# Batches in flight per worker: enough to keep every worker busy while the next one is read.
IN_FLIGHT_PER_WORKER = 2


def exit_with_parent() -> None:
    """In a pool worker: exit as soon as the run that started it is gone (a SIGKILLed run leaves idle
    workers, and the next run sweeps temporary files only of processes that are gone).

    Waits on the run's sentinel (a pipe that multiprocessing gives every child, which ends when the run
    does), not on the parent process: a worker forked from the run's fork server is the server's child,
    and the server waits for its workers before it exits."""
    run = multiprocessing.parent_process()

    def watch() -> None:
        run.join()
        os._exit(0)

    if run is not None:
        threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


# Files per batch (one task, one records file): one task per file costs ~11 ms in the flow and ~60 ms in
# Prefect's API server (Prefect 3.8), a Dask task ~10 ms of CPU. About BATCHES_PER_RUN batches a run, each
# of MIN_BATCH to BATCH_SIZE files and at most BATCH_BYTES of input (docs/scale.md: why).
BATCH_SIZE = 512
MIN_BATCH = 8
BATCHES_PER_RUN = 64
BATCH_BYTES = 32 << 20


def default_workers() -> int:
    return os.cpu_count() or 1


def fits_one_batch(paths: list[str], files: int = MIN_BATCH, max_bytes: int = BATCH_BYTES) -> bool:
    """Whether the inputs are a few small files, one batch whoever cleans it: then a run with the default
    workers cleans it itself, since starting a pool's workers (~0.3 s) costs more than the cleaning. Looks
    at `files` + 1 paths at most; what it cannot tell says no (the pool, as before)."""
    seen, size, todo = 0, 0, [os.fspath(p) for p in paths]
    for _ in range(8 * files + len(todo)):  # folders and files looked at: a bound, whatever the tree
        if not todo:
            return True
        path = todo.pop()
        try:
            st = os.stat(path)
            if stat.S_ISDIR(st.st_mode):
                with os.scandir(path) as entries:
                    todo.extend(entry.path for _, entry in zip(range(files + 2), entries, strict=False))
            else:
                seen, size = seen + 1, size + st.st_size
        except OSError:
            return False
        if seen + len(todo) > files or size > max_bytes:
            return False
    return False


def task_runner(workers: int, dask_address: str | None = None, dask: bool = False):
    """The task runner for a tracked flow run: Dask when asked, else processes (threads share one GIL)."""
    if dask or dask_address:
        from prefect_dask import DaskTaskRunner

        if dask_address:
            return DaskTaskRunner(address=dask_address)
        return DaskTaskRunner(cluster_kwargs=local_cluster_kwargs(workers))
    if workers > 1:
        from prefect.task_runners import ProcessPoolTaskRunner

        return ProcessPoolTaskRunner(max_workers=workers)
    return None


# For the run's own cluster: the scheduler, nannies and client in this process, and the workers. Their
# periodic chores, which feed a dashboard the run does not have (system monitor), a notebook's view of
# the cluster (scheduler info, cluster repr) or guard memory (every 1 s, not 100 ms), cost an idle cluster
# of two ~0.063 CPU s/s with Dask's defaults, ~0.020 with these (RESULTS.md, 2026-12-02). Work stealing
# moves queued tasks between workers: with queuing on (Dask's default) a 1-thread worker holds at most
# two, so there is nothing to steal, only its bookkeeping per task.
LOCAL_CLUSTER_CONFIG = {
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "10s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.client.scheduler-info-interval": "10s",
    "distributed.deploy.cluster-repr-interval": "10s",
    "distributed.scheduler.work-stealing": False,
}


def local_cluster_kwargs(workers: int, config: str | None = None) -> dict[str, Any]:
    """A local Dask cluster of single-threaded worker processes (the rules are CPU-bound Python), each of
    which imports the batch code and warms the cleaners up with `config`'s cached ruleset as it starts
    (preloads: this module's dask_setup), not at its first batch.

    Its workers' statistical profiler is off: every 10 ms it takes the GIL from the batch to sample its
    stack (~0.6 CPU s per worker on 20,000 files, and the batch slower). Their event loops check their
    own health (a warning when one was blocked for 3 s) every second, not every 20 ms: an idle cluster
    of two then costs ~2% of a core, not ~4%. `config` is the workers' own Dask config (the nannies pass
    it on), so this process's and a user's scheduler's are left as they are.
    """
    return {
        "n_workers": workers,
        "threads_per_worker": 1,
        "processes": True,
        "dashboard_address": None,
        # Its scheduler serves /health even without a dashboard, by default on 8787: a port of the OS's
        # choosing, so that a second run or a user's own cluster there costs no warning.
        "scheduler_kwargs": {"dashboard_address": "127.0.0.1:0"},
        "host": "127.0.0.1",
        "preload": ["flows.run.worker", "flows.run.dispatch"],
        "env": {WARM_UP_CONFIG: config or ""},
        "config": {"distributed.worker.profile.enabled": False, **LOCAL_CLUSTER_CONFIG},
    }


# The environment variable that names the run's config to a local cluster's workers (for dask_setup).
WARM_UP_CONFIG = "BOILERCLEAN_WARM_UP_CONFIG"


def dask_setup(worker: Any) -> None:
    """Dask calls this in each worker of the run's local cluster as it starts (a preload): the cleaners
    warm up there as in a pool worker (start_worker)."""
    run_gc_thresholds()
    warm_up(os.environ.get(WARM_UP_CONFIG) or None)


# Where there is none (Windows), the workers are spawned, as Dask does by default.
FORK_SERVER = "forkserver" in multiprocessing.get_all_start_methods()


@contextmanager
def local_cluster_config() -> Iterator[None]:
    """Dask's config while the run's own local cluster and its client are made (they read it then), put
    back after: this process's config and a user's scheduler (`--dask-address`) are left as they are.

    Besides LOCAL_CLUSTER_CONFIG: the workers are forked from the run's fork server (start_fork_server),
    not spawned; and Dask's nannies would set MALLOC_TRIM_THRESHOLD_=65536 in this process's environment
    for the workers they spawn (so that memory goes back to the system sooner; here that cost ~0.4 s of
    system time per 20,000 files, RESULTS.md): left out, so the workers have the allocator's defaults, as
    the pool's do; a MALLOC_TRIM_THRESHOLD_ of the user's own still applies."""
    import dask

    scoped = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None, **LOCAL_CLUSTER_CONFIG}
    if FORK_SERVER:
        scoped["distributed.worker.multiprocessing-method"] = "forkserver"
    with dask.config.set(scoped):
        yield


def start_fork_server(*preload: str) -> None:
    """Start the process that the run's workers are forked from, now: it imports `preload` (Dask, for a
    local cluster) and the batch code and warms the cleaners up once (flows.run.forkserver) while this
    process plans. Spawned, each worker imported them itself (~0.7 CPU s each with Dask, ~0.3 without);
    forked, it is ready in ~0.08 (RESULTS.md, 2026-12-02). The server holds none of this process's files
    (it is spawned with none open: a forked worker cannot inherit the run's lock) and exits with it."""
    if not FORK_SERVER:
        return
    import multiprocessing.forkserver

    multiprocessing.set_forkserver_preload([*preload, "flows.run.forkserver"])
    multiprocessing.forkserver.ensure_running()


def stop_fork_server() -> None:
    """Stop the fork server once its workers are gone, so that no process outlives the run (a later run in
    this process starts a new one). Through the method the standard library's own tests use: without it
    (another Python), the server stays until this process exits."""
    if not FORK_SERVER:
        return
    import multiprocessing.forkserver

    stop = getattr(multiprocessing.forkserver._forkserver, "_stop", None)
    if stop is not None:
        stop()


class Background:
    """fn() in a thread, started at once; join() waits for it and raises what it raised."""

    def __init__(self, fn: Callable[[], Any], name: str) -> None:
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(fn,), name=name, daemon=True)
        self._thread.start()

    def _run(self, fn: Callable[[], Any]) -> None:
        try:
            fn()
        except BaseException as exc:  # noqa: BLE001 - raised in the caller's thread, by join()
            self._error = exc

    def wait(self) -> None:
        self._thread.join()

    def join(self) -> None:
        self._thread.join()
        if self._error is not None:
            raise self._error


class DaskStartError(Exception):
    """The run's local Dask cluster did not start: one line for the user, no traceback (exit 1)."""


class DaskClient:
    """A Dask client, started in a background thread from its creation: a local cluster's start (~1 s:
    importing distributed, spawning the workers, their imports) then overlaps the run's plan, as the
    process pool's does (start_workers). `get()` waits for it; `close_soon()` starts shutting it down in
    the background, `close()` waits for that."""

    def __init__(self, workers: int, address: str | None = None, config: str | None = None) -> None:
        self.local = address is None
        self._stack = ExitStack()
        self._client: Any = None
        self._started = Background(lambda: self._start(workers, address, config), "dask-start")
        self._closing: Background | None = None

    def _start(self, workers: int, address: str | None, config: str | None) -> None:
        if address is None:
            start_fork_server("distributed")  # first: it works while this thread imports distributed
            self._stack.callback(stop_fork_server)  # last, once its workers are gone
        from distributed import Client, LocalCluster

        # Closed by callbacks (the last registered first), not as context managers: a Client's `with` sets a
        # context variable that only this thread could reset.
        if address is None:
            # Its workers' scratch folders in one of the run's own, not Dask's shared one: another cluster's
            # start purges the folders it finds unlocked there (a worker that died), and two purging at
            # once put Dask's "Failed to remove" line in the run's output (seen with two runs at once).
            scratch = tempfile.mkdtemp(prefix="boilerclean-dask-")
            self._stack.callback(shutil.rmtree, scratch, ignore_errors=True)  # after the cluster is closed
            with local_cluster_config():
                try:
                    cluster = LocalCluster(**local_cluster_kwargs(workers, config), local_directory=scratch)
                except Exception as exc:  # a worker that died as it started (out of memory, killed)
                    raise DaskStartError(f"cannot start the local Dask cluster: {exc}") from None
                self._stack.callback(cluster.close)
                self._client = Client(cluster)
        else:
            self._client = Client(address)
        self._stack.callback(self._client.close)

    def get(self) -> Any:
        self._started.join()
        return self._client

    def _close(self) -> None:
        self._started.wait()  # a client that failed to start has nothing more to close
        self._stack.close()

    def close_soon(self) -> None:
        """Start closing the client and its cluster now (a local cluster's shutdown takes ~0.6 s)."""
        if self._closing is None:
            self._closing = Background(self._close, "dask-close")

    def close(self) -> None:
        self.close_soon()
        assert self._closing is not None
        self._closing.join()


@contextmanager
def dask_client(workers: int, address: str | None, config: str | None = None) -> Iterator[DaskClient]:
    """The run's Dask client, starting in the background; closed on leaving."""
    client = DaskClient(workers, address, config)
    try:
        yield client
    finally:
        client.close()


def bounded(
    submit: Callable[[Any], Any], result: Callable[[Any], Any], jobs: Iterable[Any], window: int
) -> Iterator[tuple[Any, Any]]:
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


# A run's garbage collector thresholds, where higher than CPython's (700, 10, 10). A batch holds its files'
# removals, records and counts (~100,000 objects) until its commit, and a young collection every 700 new
# objects walked them again and again: ~0.35-0.5 of a 20,000-file 1-worker run's ~8.5 CPU s, ~0.1 at
# 50,000, at the same peak memory (gc.callbacks timed, RESULTS.md 2026-12-02). A full collection walked
# every record the run keeps till its end: one per 100 younger ones, not 10. A run makes few cycles.
RUN_GC_THRESHOLDS = (50_000, 10, 100)


def run_gc_thresholds() -> tuple[int, int, int]:
    """Raise this process's collection thresholds to RUN_GC_THRESHOLDS; returns the old ones."""
    old = gc.get_threshold()
    gc.set_threshold(*(max(a, b) for a, b in zip(old, RUN_GC_THRESHOLDS, strict=True)))
    return old


def start_worker(config: str | None = None) -> None:
    """A pool worker's start: exit with the run, import the batch code and warm the cleaners up now, while
    the run plans (forked from the run's fork server, the imports are done already)."""
    exit_with_parent()
    run_gc_thresholds()  # the process is the run's
    from . import worker  # noqa: F401 - the cleaners and the writers, imported before the first batch

    warm_up(config)


# A few lines for the cleaners' first document, which costs ~0.13 s more than the next ones (patterns
# and automata built on first use, once per process: a second ruleset's first document costs ~0.02 s).
WARM_UP_TEXT = (
    "Photo: Jane Doe / Agency\nAdvertisement\nA sentence of an article.\n(c) 2024 All rights reserved.\n"
)


def warm_up(config: str | None) -> None:
    """Clean WARM_UP_TEXT with `config`'s cached ruleset (none cached: nothing; this is no place to
    compile one), so that the worker's first batch does not pay for the first document."""
    from cleaners import clean_text

    from .rulecache import cached_ruleset

    ruleset = cached_ruleset(config)
    if ruleset is not None:
        clean_text(WARM_UP_TEXT, ruleset)


def start_dispatch(
    stack: ExitStack,
    pool: RunPool | None,
    workers: int,
    dask_address: str | None,
    dask: bool,
    config: str | None = None,
) -> DaskClient | None:
    """Start whoever will clean the batches outside a flow run, now, while the run plans: the pool's
    workers (None: none to start), or the Dask client (closed with `stack`), which is returned. `config`:
    the run's, for a local cluster's workers to warm up with."""
    if dask or dask_address:
        return stack.enter_context(dask_client(workers, dask_address, config))
    start_workers(pool, workers)
    return None


def _ready() -> None:
    """A job that does nothing: submitting one per worker starts them all."""


def start_workers(pool: RunPool | None, workers: int) -> None:
    """Start every worker of the pool now (a pool starts one per job submitted, up to its max_workers), so
    that their start overlaps the run's plan, not its first batches. A pool that forks its first workers
    from this process (RunPool.forks) starts them here: the cleaners warmed up first, so that each worker
    has their first-use state. Else from a thread: a worker is forked only once the fork server has
    imported the batch code, and submit() waited for that (~0.27 s at the run's start, RESULTS.md
    2026-12-02)."""
    if pool is None:
        return
    if pool.forks:
        _fork_all(pool, workers)
    else:
        threading.Thread(target=_start_all, args=(pool, workers), name="start-workers", daemon=True).start()


def _fork_all(pool: RunPool, workers: int) -> None:
    """Fork the pool's workers from this process, warm: they copy its imports, its ruleset and the cleaners'
    first-use state. gc.freeze: a worker's collections then skip what it copied, and leave it shared."""
    warm_up(pool.config)
    gc.freeze()
    try:
        _start_all(pool, workers)  # a forking pool starts all its workers at the first submit
    finally:
        gc.unfreeze()


def _start_all(pool: RunPool, workers: int) -> None:
    try:
        for _ in range(workers):
            pool.submit(_ready)
    except Exception:  # noqa: BLE001 - shut down first, broken, or no worker can start: the batches' own
        pass  # submit, in the run's thread, meets the same and says so there


def release_workers(
    stack: ExitStack, started: DaskClient | None, pool: RunPool | None, keep_pool: bool
) -> RunPool | None:
    """Let the batches' workers go now, in the background, while the run writes its summary and index:
    their exit (~0.2 s for a pool of two, ~0.6 s for a local Dask cluster, measured) is then off the run's
    serial end. Returns the pool if kept (the review's pages need it), else None; `stack` waits for them."""
    if started is not None:
        started.close_soon()  # its dask_client context, on `stack`, waits for it
    if pool is None or keep_pool:
        return pool
    stack.callback(Background(pool.shutdown, "pool-shutdown").join)
    return None


class RunPool(Executor):
    """The run's process pool. A worker's death breaks a ProcessPoolExecutor for good: renew() replaces
    it with a new one, made by `later` (the first by `first`), so whoever holds this (the review's pages,
    after the batches) has a working pool; shutdown() ends the current one (renew() has ended the broken
    ones). `forks`: its first workers are forked from this process (start_workers)."""

    def __init__(
        self,
        first: Callable[[], ProcessPoolExecutor],
        later: Callable[[], ProcessPoolExecutor] | None = None,
        forks: bool = False,
        config: str | None = None,
    ) -> None:
        self._make = later or first
        self._pool = first()
        self.forks, self.config = forks, config

    def submit(self, fn: Callable, /, *args: Any, **kwargs: Any) -> Future:
        if self.forks:  # the first submit forks every worker: only from this process's only thread
            self.forks = False
            if threading.active_count() > 1:  # a caller that did not start the workers at once
                self._pool.shutdown(wait=False)  # never started: no worker to wait for
                self._pool = self._make()  # the fork server's instead
        return self._pool.submit(fn, *args, **kwargs)

    def renew(self) -> None:
        self._pool.shutdown(wait=True)  # its workers were terminated as it broke: reaped here
        self._pool = self._make()

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)


def server_preload(dask: bool, dask_address: str | None) -> tuple[str, ...]:
    """What the run's fork server imports first: Dask, when the run's own local cluster forks its workers
    from it (whoever starts the server first decides: a later start_fork_server finds it running)."""
    return ("distributed",) if dask and not dask_address else ()


# Linux: a pool's first workers can be forked from the run itself (process_pool's `fork`). Not where fork
# is unsafe or absent (macOS's system libraries, Windows).
FORK_POOL = sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


def can_fork_pool() -> bool:
    """Whether a pool's workers can be forked from this process now: FORK_POOL, and no other thread (one
    that holds a lock as the process forks leaves it held in the child)."""
    return FORK_POOL and threading.active_count() == 1


@contextmanager
def process_pool(
    workers: int, config: str | None = None, preload: tuple[str, ...] = (), fork: bool = False
) -> Iterator[RunPool | None]:
    """The run's worker processes (None for one worker), started on demand (batches, then review pages);
    each warms up with `config`'s ruleset as it starts. `preload`: server_preload's, for the fork server
    they share with a local Dask cluster.

    `fork`: the caller calls start_workers at once, from this process's only thread, before it takes the
    output folder's lock or opens its manifest: the first workers are then forked from this process
    (FORK_POOL), which has imported the batch code and loaded the ruleset already. A fork server cost a
    run ~0.7 CPU s more (its own imports and warm-up, and a resource tracker), and its workers started
    ~0.3 s later (RESULTS.md, 2026-12-03). A pool renewed after a worker died is forked from the fork
    server, as are the others: by then this process holds the lock and runs threads."""
    if workers <= 1:
        yield None
        return
    # Not forked from this process once it holds files or threads: a worker would inherit the output
    # folder's run lock (flock) and, orphaned by a SIGKILL of the run, keep holding it, so the rerun would
    # wait forever. Forked from the run's fork server (which holds no file of this process's), or spawned
    # where there is none, as Prefect's runners.
    with ExitStack() as stack:
        forks = fork and can_fork_pool()

        def served() -> ProcessPoolExecutor:
            start_fork_server(*preload)
            return _pool_of(workers, config, "forkserver" if FORK_SERVER else "spawn")

        stack.callback(stop_fork_server)  # last, once the pool's workers are gone
        first = (lambda: _pool_of(workers, config, "fork")) if forks else served
        yield stack.enter_context(RunPool(first, served, forks, config))


def _pool_of(workers: int, config: str | None, method: str) -> ProcessPoolExecutor:
    context = multiprocessing.get_context(method)
    return ProcessPoolExecutor(workers, context, initializer=start_worker, initargs=(config,))


def shared_ruleset(ruleset: Any, out: str) -> Any:
    """The ruleset in a file its workers load it from (rulecache.RulesetFile): imported here, not at the top,
    so that this module, and with it the run's fork server, can start before the cleaners are imported."""
    from .rulecache import RulesetFile

    return RulesetFile(ruleset, out)


def dask_batches(
    started: DaskClient,
    batch_fn: Callable,
    batches: Iterable[list],
    out: str,
    ruleset: Any,
    window: int,
    lost: Callable[[list, str], Any] | None = None,
) -> Iterator[tuple[list, Any]]:
    """run_batches on Dask. A local cluster's workers load the ruleset by path, as pool workers do; a
    scheduler's may be on other machines, so it is sent to each of them once (scatter, broadcast).
    lost(batch, why): the result of a batch whose workers kept dying (None: the run stops there)."""
    client = started.get()
    with ExitStack() as stack:
        if started.local:
            shared = shared_ruleset(ruleset, out)
            stack.callback(shared.close)
            rs = shared.ref
        else:
            rs = client.scatter(ruleset, broadcast=True)
        # pure=False: a batch is work with side effects (files written), never to be deduplicated.
        submit = lambda b: client.submit(batch_fn, b, out, rs, pure=False)  # noqa: E731
        yield from bounded_futures(submit, batches, window, lost)


def bounded_futures(
    submit: Callable[[list], Any],
    batches: Iterable[list],
    window: int,
    lost: Callable[[list, str], Any] | None,
) -> Iterator[tuple[list, Any]]:
    """bounded() over futures (Dask's, or a Prefect task runner's): each batch's result, or lost()'s."""
    yield from bounded(lambda b: (b, submit(b)), lambda sent: dask_result(*sent, lost), batches, window)


def dask_result(batch: list, future: Any, lost: Callable[[list, str], Any] | None) -> Any:
    """The batch's result; lost(batch, why) when every worker that ran it died (the scheduler gave up on it:
    KilledWorker; a nanny restarts a worker past its memory limit, the kernel kills one out of memory). The
    other batches go on; a lost batch's files fail, their manifest entries stay the last good ones, and the
    next run cleans them again. Also for a Prefect task runner's futures (Dask's raise the same)."""
    try:
        return future.result()
    except Exception as exc:
        dask = sys.modules.get("distributed")  # not imported: not Dask's error (a process pool's run)
        if lost is None or dask is None or not isinstance(exc, dask.KilledWorker):
            raise
        return lost(batch, died("Dask worker", exc.allowed_failures + 1, "out of memory?"))


# A batch in flight at this many pool breaks is run alone in a new pool; its next death gives it up.
ALONE_AFTER = 2


class _Sent:
    """A batch sent to the pool: its future, and how many worker deaths it was in flight for."""

    __slots__ = ("batch", "deaths", "future")

    def __init__(self, batch: list, future: Future) -> None:
        self.batch, self.future, self.deaths = batch, future, 0


class _NotSent(BrokenProcessPool):
    """The pool was broken when the batch was to be sent: sent once it is renewed, no death counted."""


def pool_batches(
    pool: RunPool,
    submit: Callable[[list], Future],
    batches: Iterable[list],
    window: int,
    lost: Callable[[list, str], Any] | None,
) -> Iterator[tuple[list, Any]]:
    """bounded() over the run's process pool, which a worker's death breaks (the OOM killer, a crash in a
    C library, a signal): the pool is renewed and the batches in flight are sent again, results still in
    order. A batch in flight at ALONE_AFTER breaks runs alone; if its worker dies again, lost(batch, why)
    is its result, as for Dask's KilledWorker (None: the run stops there), and the run goes on."""
    todo = iter(batches)
    pending: deque[_Sent] = deque()
    while True:
        while len(pending) < window and (batch := next(todo, None)) is not None:
            pending.append(_Sent(batch, _send(submit, batch)))
        if not pending:
            return
        try:
            result = pending[0].future.result()
        except BrokenProcessPool:
            _after_break(pool, pending, submit, lost)
            continue
        sent = pending.popleft()
        try:
            result = taken(result)
        except ResultLost as exc:  # its file deleted or cut short
            if lost is None:
                raise
            result = lost(sent.batch, f"its worker's result could not be read back ({exc})")
        yield sent.batch, result


def _send(submit: Callable[[list], Future], batch: list) -> Future:
    try:
        return submit(batch)
    except BrokenProcessPool:  # it broke since the last result came back
        return _done(exc=_NotSent())


def _done(result: Any = None, exc: BaseException | None = None) -> Future:
    future: Future = Future()
    if exc is not None:
        future.set_exception(exc)
    else:
        future.set_result(result)
    return future


def _after_break(pool: RunPool, pending: deque[_Sent], submit: Callable, lost: Callable | None) -> None:
    """Renew the pool and send the batches it failed again: first, each alone, those it failed twice."""
    pool.renew()  # waits for the broken pool's end: every batch in flight has failed by then
    hit = [s for s in pending if isinstance(s.future.exception(), BrokenProcessPool)]
    log.warning("a worker process died (out of memory? a crash?); batches sent again: %d", len(hit))
    for s in hit:
        s.deaths += not isinstance(s.future.exception(), _NotSent)
    for s in sorted(hit, key=lambda s: s.deaths < ALONE_AFTER):  # stable: in order, those alone first
        s.future = _alone(pool, submit, s, lost) if s.deaths >= ALONE_AFTER else _send(submit, s.batch)


def _alone(pool: RunPool, submit: Callable, sent: _Sent, lost: Callable | None) -> Future:
    """Run the batch with nothing else in flight: a death now is its own, and gives it up."""
    try:
        return _done(submit(sent.batch).result())
    except BrokenProcessPool:
        pool.renew()
        if lost is None:
            raise
        return _done(lost(sent.batch, died("worker process", sent.deaths + 1, "out of memory? a crash?")))


def died(worker: str, times: int, guess: str) -> str:
    """Why a lost batch's files fail (lost_batch adds what became of them)."""
    return f"the {worker} cleaning its batch died {times} times ({guess})"


def run_batches(
    batch_fn: Callable[[list, str, Any], list[dict]],
    batches: Iterable[list],
    out: str,
    ruleset: Any,
    workers: int = 1,
    dask_address: str | None = None,
    dask: bool = False,
    submit_task: Callable[..., Any] | None = None,
    pool: RunPool | None = None,
    dask_started: DaskClient | None = None,
    lost: Callable[[list, str], Any] | None = None,
) -> Iterator[tuple[list, list[dict]]]:
    """(batch, its records) for every batch, in order.

    `submit_task` is clean_batch.submit inside a Prefect flow run (its task runner does the
    spreading); without it, batches run here (1 worker), in a process pool (`pool`, or one of
    `workers` processes started here), or on Dask (`dask_started`, or a client started here). `lost`:
    see pool_batches and dask_batches.
    """
    window = max(1, workers) * IN_FLIGHT_PER_WORKER
    if submit_task is not None:
        yield from bounded_futures(lambda b: submit_task(b, out, ruleset), batches, window, lost)
        return
    if dask or dask_address:
        with ExitStack() as stack:
            started = dask_started or stack.enter_context(dask_client(workers, dask_address))
            yield from dask_batches(started, batch_fn, batches, out, ruleset, window, lost)
        return
    if workers <= 1:
        for b in batches:
            yield b, batch_fn(b, out, ruleset)
        return
    with ExitStack() as stack:
        pool = pool or stack.enter_context(process_pool(workers))
        # The ruleset goes to each worker once, through a file, rather than pickled with every batch.
        shared = shared_ruleset(ruleset, out)
        stack.callback(shared.close)
        # Each batch's result comes back through a file (run/handback.py), in the folder of its claims.
        from .lost import claims_folder

        results = claims_folder(out)
        submit = lambda b: pool.submit(handed_back, results, batch_fn, b, out, shared.ref)  # noqa: E731
        yield from pool_batches(pool, submit, batches, window, lost)
