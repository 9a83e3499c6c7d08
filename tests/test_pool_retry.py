"""A pool worker that dies (a segfault, the OOM killer) breaks the pool: the run renews it and goes on.

The batch function here runs in real pool workers (forked from the run's fork server, which imports this
module by name): a batch holding POISON kills its worker every time, as a C library crashing on one
malformed page would.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from types import SimpleNamespace

import psutil
import pytest

from flows.inputs.discover import InputFile
from flows.review.data import over_pool
from flows.run.dispatch import process_pool, run_batches
from flows.run.worker import lost_batch

POISON = "poison.txt"


def clean_or_die(items: list[InputFile], out: str, ruleset) -> tuple[list[dict], list[int]]:
    """A batch's records, its worker's pid and the fork server's; a batch holding POISON notes its death and
    dies of SIGKILL."""
    if any(item.rel == POISON for item in items):
        with open(os.path.join(out, "deaths"), "a", encoding="utf-8") as fh:
            fh.write(f"{os.getpid()}\n")
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(0.1)  # still in flight when the poison's worker dies
    return [{"input": item.rel, "error": ""} for item in items], [os.getpid(), os.getppid()]


def run_poisoned(out: Path, batches: list[list[InputFile]]) -> tuple[list, list, list[int]]:
    """Run the batches through run_batches on a 2-worker process_pool: (batches in the order they came
    back, their records, the pids of the workers that cleaned them and of the fork server)."""
    seen, order, records = [], [], []
    lost = lambda items, why: lost_batch(items, why, "hash", str(out))  # noqa: E731
    with process_pool(2) as pool:
        for batch, (result, pids) in run_batches(
            clean_or_die, batches, str(out), SimpleNamespace(hash="0" * 64), workers=2, pool=pool, lost=lost
        ):
            order.append(batch)
            records.append(result)
            seen.extend(pids if isinstance(pids, list) else [])  # a lost batch's: its Tally
    return order, records, seen


@pytest.mark.slow
def test_a_batch_that_kills_its_worker_every_time_is_given_up_and_the_others_are_cleaned(tmp_path):
    out = tmp_path / "out"
    (out / ".boilerclean").mkdir(parents=True)
    names = [f"doc{i:02d}.txt" for i in range(15)] + [POISON]
    names = names[:5] + [POISON] + names[5:15]  # the poison in the third batch of eight
    batches = [[InputFile(n, n) for n in names[i : i + 2]] for i in range(0, len(names), 2)]

    order, records, seen = run_poisoned(out, batches)

    assert order == batches  # every batch, in order, the lost one in its place
    poisoned = next(i for i, b in enumerate(batches) if any(item.rel == POISON for item in b))
    for i, result in enumerate(records):
        if i != poisoned:
            assert [r["error"] for r in result] == ["", ""], result
    why = "the worker process cleaning its batch died 3 times (out of memory? a crash?); not cleaned"
    assert {r["input"]: r["error"] for r in records[poisoned]} == {n.rel: why for n in batches[poisoned]}
    # Two deaths beside other batches, then one alone: given up at the third, never cleaned a fourth time.
    assert len((out / "deaths").read_text().splitlines()) == 3
    # The workers of every pool started (the first and three renewals) and the fork server are gone.
    assert len(set(seen)) > 3, seen
    assert not [pid for pid in set(seen) if _alive(pid)]


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def double_or_die(run_pid: int, n: int) -> int:
    """2n; in a pool worker, for n == 3, the worker dies of SIGKILL (as one killed out of memory would)."""
    if n == 3 and os.getpid() != run_pid:
        os.kill(os.getpid(), signal.SIGKILL)
    return 2 * n


@pytest.mark.slow
def test_review_jobs_whose_worker_died_are_run_in_the_run_itself():
    with process_pool(2) as pool:
        jobs = [(os.getpid(), n) for n in range(8)]
        assert list(over_pool(pool, double_or_die, jobs)) == [2 * n for n in range(8)]
        # The pool is broken now: jobs are not even sent, and run here all the same.
        assert list(over_pool(pool, double_or_die, jobs[:2])) == [0, 2]


def big_result(n: int) -> bytes:
    return b"x" * n


def test_a_batchs_result_goes_back_through_a_file_so_the_pipe_message_is_written_whole(tmp_path):
    import pickle
    import select

    from flows.run.handback import HandedBack, ResultLost, handed_back, taken

    back = handed_back(str(tmp_path), big_result, 1 << 20)
    assert isinstance(back, HandedBack) and len(list(tmp_path.iterdir())) == 1
    # What the pool's pipe carries: under PIPE_BUF, so a write of it is whole or nothing.
    assert len(pickle.dumps(back, protocol=pickle.HIGHEST_PROTOCOL)) < select.PIPE_BUF
    assert taken(pickle.loads(pickle.dumps(back))) == b"x" * (1 << 20)
    assert not list(tmp_path.iterdir()), "its file is deleted once read"
    with pytest.raises(ResultLost):  # read once only: its file is gone
        taken(back)
    cut = handed_back(str(tmp_path), big_result, 1 << 16)
    with open(cut.path, "r+b") as fh:  # a worker killed while it wrote the file
        fh.truncate(100)
    with pytest.raises(ResultLost):
        taken(cut)
    assert taken([1, 2]) == [1, 2]  # a result not handed back is itself
    # A folder that cannot take the file (gone, a full disk): the result itself, through the pipe.
    assert handed_back(str(tmp_path / "missing"), big_result, 3) == b"xxx"


@pytest.mark.slow
def test_a_worker_killed_while_it_hands_back_a_big_result_breaks_the_pool_and_nothing_hangs(tmp_path):
    """A result of 300 MB written through the pool's pipe: a worker killed in the middle of it left half a
    message, and the pool's reader waited for the rest for ever (no BrokenProcessPool: the run hung). Through
    a file, the pool breaks at once and the run renews it."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    from flows.run.handback import handed_back, taken

    for delay in (0.0, 0.005):
        with ProcessPoolExecutor(1, multiprocessing.get_context("fork")) as pool:
            pid = pool.submit(os.getpid).result()
            future = pool.submit(handed_back, str(tmp_path), big_result, 300_000_000)
            deadline = time.monotonic() + 60
            while not list(tmp_path.iterdir()) and time.monotonic() < deadline:
                time.sleep(0.0005)
            time.sleep(delay)
            os.kill(pid, signal.SIGKILL)
            with pytest.raises(BrokenProcessPool):
                taken(future.result(timeout=30))
        for leftover in tmp_path.iterdir():  # cut short by the kill: swept by the next run (sweep_claims)
            leftover.unlink()
