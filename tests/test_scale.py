"""Parallel and distributed runs give the same outputs as one worker; memory is flat in the file count."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import pytest
from conftest import ROOT, cli_env

from benchmarks.corpus import write_corpus
from cleaners.core import Removal
from flows.outputs.records import _LINE_BREAK, _line_starts, _nonblank_lines, removal_records
from flows.run import dispatch
from flows.run import pipeline as run_module
from flows.run.dispatch import bounded
from flows.run.prefect_flow import clean_flow
from flows.run.progress import Progress

# fsync on a tmpfs costs nothing; the point here is memory and outputs, not the disk.
FAST_TMP = "/dev/shm" if os.path.isdir("/dev/shm") else None


def tree(root: Path) -> dict[str, bytes]:
    """Every output file's bytes; the hidden bookkeeping of incremental runs (times, mtimes) is left out."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".boilerclean" not in p.relative_to(root).parts
    }


@pytest.fixture(scope="module")
def small_corpus():
    with tempfile.TemporaryDirectory(dir=FAST_TMP) as d:
        corpus = Path(d) / "corpus"
        write_corpus(corpus, 120, seed=11)
        (corpus / "000" / "bad.txt").write_bytes(
            b"bin\x00ary\n"
        )  # a per-file error must come out the same too
        yield corpus


@pytest.mark.slow
def test_outputs_identical_for_one_worker_a_process_pool_and_dask(small_corpus, tmp_path, monkeypatch):
    from distributed import LocalCluster

    from flows.review import data as review_data
    from flows.review import write as review_write

    monkeypatch.setattr(run_module, "BATCH_SIZE", 7)  # many batches, finishing out of order
    monkeypatch.setattr(review_write, "PAGES_PER_JOB", 10)  # review pages in slices too: links across slices
    # The index's reports read and counted in slices by the pool, the counts added in the parent.
    monkeypatch.setattr(review_data, "TALLY_CHUNK", 13)
    outs = {}
    outs["one"] = tmp_path / "one"
    clean_flow.fn([str(small_corpus)], str(outs["one"]), workers=1)
    outs["pool"] = tmp_path / "pool"
    clean_flow.fn([str(small_corpus)], str(outs["pool"]), workers=2)
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, host="127.0.0.1"
    ) as cluster:
        outs["dask"] = tmp_path / "dask"
        clean_flow.fn(
            [str(small_corpus)], str(outs["dask"]), workers=2, dask_address=cluster.scheduler_address
        )
    # --dask: the run's own local cluster, started in the background, its workers given the ruleset by path.
    outs["dask-local"] = tmp_path / "dask-local"
    clean_flow.fn([str(small_corpus)], str(outs["dask-local"]), workers=2, dask=True)
    assert not list((outs["dask-local"] / ".boilerclean").glob("ruleset-*.pickle"))  # removed at the end
    trees = {k: tree(v) for k, v in outs.items()}
    summary = json.loads(trees["one"]["summary.json"])
    assert summary["files"] == 121 and summary["failed"] == 1 and summary["removals"] > 100
    assert len([k for k in trees["one"] if k.startswith("removals/")]) == 18  # 121 files, batches of 7
    assert trees["pool"] == trees["one"]
    assert trees["dask"] == trees["one"]
    assert trees["dask-local"] == trees["one"]


@pytest.mark.parametrize("dask", [False, True])
def test_a_run_starts_its_fork_server_first_with_dask_for_its_own_cluster(
    small_corpus, tmp_path, monkeypatch, dask
):
    """`run` starts its fork server before it loads the config (the server's imports overlap the run's),
    and whoever starts it first decides what it imports: for --dask, Dask first (each forked worker then
    has it; the pool for review pages, made before the cluster, once started it without). A pool's
    workers, where they can be forked from the run itself (Linux), need no server."""
    import multiprocessing.forkserver as mf

    import flows.cli.run as cli_run
    from flows.cli import main
    from flows.run.dispatch import FORK_POOL

    calls = []
    real, real_checked = mf.ensure_running, cli_run.checked_run_args

    def ensure_running():
        calls.append(list(mf._forkserver._preload_modules or []))
        real()

    def checked_run_args(args):
        calls.append("config")
        return real_checked(args)

    monkeypatch.setattr(mf, "ensure_running", ensure_running)
    monkeypatch.setattr(cli_run, "checked_run_args", checked_run_args)
    more = ["--no-prefect", "--no-progress"] + (["--dask"] if dask else [])
    out = str(tmp_path / "out")
    # Threads left by earlier tests in this process: the pool's workers come from the fork server then.
    alone = threading.active_count() == 1
    assert main(["run", str(small_corpus), "--out", out, "--workers", "2", *more]) == 1
    # 1: small_corpus holds one binary file
    if FORK_POOL and not dask and alone:
        assert calls == ["config"]
    else:
        assert calls[0] == (["distributed"] if dask else []) + ["flows.run.forkserver"]
        assert calls[1] == "config"
    assert (tmp_path / "out" / "summary.json").is_file()


def test_a_pool_made_to_fork_takes_the_fork_server_once_another_thread_runs(monkeypatch):
    # Forking with a second thread running could leave one of its locks held in the workers: a pool made to
    # fork whose first job comes after a thread started is made from the fork server instead.
    monkeypatch.setattr(dispatch, "can_fork_pool", lambda: True)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        with dispatch.process_pool(2, fork=True) as pool:
            assert pool.forks
            assert pool.submit(os.getppid).result(timeout=60) != os.getpid()  # the fork server's child
            assert not pool.forks
    finally:
        stop.set()
        other.join()


@pytest.mark.skipif(not dispatch.FORK_POOL, reason="workers are forked from the run on Linux only")
@pytest.mark.slow
def test_pool_workers_forked_from_the_run_hold_none_of_its_files(tmp_path):
    """The pool's workers are the run's own children, forked warm (the batch code imported, the run's
    ruleset loaded, the cleaners' first-use state built) before the run took its output folder's lock or
    opened its manifest: no worker holds either (an orphaned one would keep the lock from the next run)."""
    inp = tmp_path / "in"
    for i in range(40):
        (inp / f"d{i // 8}").mkdir(parents=True, exist_ok=True)
        (inp / f"d{i // 8}" / f"{i}.txt").write_text(f"Article {i}.\nAdvertisement\nPhoto: A / B\n" * 20)
    out = tmp_path / "out"
    env = cli_env(BOILERCLEAN_TEST_HOLD="middle:3")  # after the first batch: the run holds its lock
    args = ["run", str(inp), "--out", str(out), "--no-prefect", "--no-progress", "--workers", "2"]
    proc = subprocess.Popen([sys.executable, "-m", "flows.cli", *args], cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 60
        while not (out / "removals").is_dir() and time.monotonic() < deadline:
            assert proc.poll() is None
            time.sleep(0.05)
        run = psutil.Process(proc.pid)
        workers = run.children()
        assert len(workers) == 2 and all(w.ppid() == proc.pid for w in workers)  # no fork server between
        held = {os.path.realpath(f.path) for f in run.open_files()}
        bookkeeping = out.resolve() / ".boilerclean"
        assert {str(bookkeeping / "lock"), str(bookkeeping / "manifest.sqlite")} <= held
        for w in workers:
            assert not {os.path.realpath(f.path) for f in w.open_files()} & held, w.open_files()
        assert proc.wait(60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()


def test_local_dask_workers_start_with_the_batch_code_no_profiler_and_the_pools_allocator(monkeypatch):
    import dask

    from flows.run.dispatch import dask_client

    # An earlier cluster's nannies (Dask's defaults) may have put it in this process's environment.
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)

    def worker_state():
        get = dask.config.get
        profiling, tick = get("distributed.worker.profile.enabled"), get("distributed.admin.tick.interval")
        trim = os.environ.get("MALLOC_TRIM_THRESHOLD_")
        warm = os.environ.get("BOILERCLEAN_WARM_UP_CONFIG")  # dask_setup warmed the cleaners up with it
        return "flows.run.worker" in sys.modules, profiling, tick, trim, warm

    def scheduler_state(dask_scheduler):
        return dask_scheduler._tick_interval, "stealing" in dask_scheduler.extensions

    with dask_client(1, None, "rules.yaml") as started:  # no such file: nothing cached, no warm-up
        client = started.get()
        assert list(client.run(worker_state).values()) == [(True, False, "1s", None, "rules.yaml")]
        assert client.run_on_scheduler(scheduler_state) == (1.0, False)
        # Forked from the run's fork server, a child of this process that imported the batch code first.
        server = [
            p for p in psutil.Process().children() if "multiprocessing.forkserver" in " ".join(p.cmdline())
        ]
        assert len(server) == 1 and "flows.run.forkserver" in " ".join(server[0].cmdline())
        assert list(client.run(os.getppid).values()) == [server[0].pid]
        # Its scratch folder is the run's own (not Dask's shared one, which other clusters purge).
        where = client.run(lambda dask_worker: dask_worker.local_directory).values()
        scratch = {Path(d).parent for d in where}
        assert len(scratch) == 1 and next(iter(scratch)).parent.name.startswith("boilerclean-dask-")
    assert not server[0].is_running()  # stopped with the cluster: no process outlives the run
    assert not next(iter(scratch)).parent.exists()  # removed with it
    # This process's config is left as it was.
    assert dask.config.get("distributed.worker.profile.enabled")
    assert dask.config.get("distributed.admin.tick.interval") == "20ms"
    assert dask.config.get("distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_") == 65536
    assert dask.config.get("distributed.worker.multiprocessing-method") == "spawn"
    assert dask.config.get("distributed.scheduler.work-stealing")


@pytest.mark.slow
def test_a_killed_dask_runs_workers_and_fork_server_exit(tmp_path):
    """SIGKILL of a `--dask` run: its fork server and workers go too (they hold none of the run's files, and
    a worker still running would write outputs nobody records)."""
    corpus = tmp_path / "in"
    write_corpus(corpus, 2000, seed=3)
    out = tmp_path / "out"
    args = ["run", str(corpus), "--out", str(out), *"--no-prefect --no-progress --workers 2 --dask".split()]
    proc = subprocess.Popen([sys.executable, "-m", "flows.cli", *args], cwd=ROOT, env=cli_env())
    try:
        while not list(out.glob("removals/*.jsonl")):  # batches are being cleaned
            assert proc.poll() is None, "the run ended before it could be killed"
            time.sleep(0.05)
        family = psutil.Process(proc.pid).children(recursive=True)
        assert len(family) >= 3  # the fork server and two workers at least
        proc.kill()
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
    gone, alive = psutil.wait_procs(family, timeout=30)
    assert not alive, [p.cmdline() for p in alive]


def test_a_dask_scheduler_that_cannot_be_reached_fails_where_the_batches_start():
    import dask

    from flows.run.dispatch import dask_client

    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        with dask_client(1, "tcp://127.0.0.1:9") as started:
            with pytest.raises(OSError):
                started.get()


# The streaming part of a run (discovery, batching, dispatch, cleaning, writing) with the records
# dropped: the run summary keeps one record per file on purpose (summary.json lists every file),
# so it is measured separately (docs/readme-i6-scale.md), not here.
MEMORY_SCRIPT = """
import os, resource, sys
from cleaners import load_ruleset
from flows.run.worker import clean_files
from flows.run.pipeline import BATCH_BYTES, BATCH_SIZE, batched_by_bytes, iter_planned
from flows.run.dispatch import run_batches
corpus, out = sys.argv[1], sys.argv[2]
items = (item for item, clash in iter_planned([corpus], out) if clash is None)
size = lambda rel: os.path.getsize(os.path.join(corpus, rel))
batches = batched_by_bytes(items, BATCH_SIZE, size, BATCH_BYTES)
for batch, records in run_batches(clean_files, batches, out, load_ruleset(), workers=1):
    pass
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _peak_rss_kb(n_files: int, root: Path) -> int:
    corpus = root / f"c{n_files}"
    corpus.mkdir()
    # ~2 KB each: holding the documents (or their outputs) would add ~18 MB for 9,000 more files.
    # Paragraphs longer than any rule's max_chars, so the test measures memory, not the engine's
    # per-line cost (about 20 ms for a document of 48 short lines: see the throughput benchmark).
    paragraph = "A long article paragraph that stays in the text, " * 14  # 700 characters
    text = (paragraph + "\n") * 3 + "Advertisement\nPhoto: Reuters\nThe end of it.\n"
    for i in range(n_files):
        sub = corpus / f"{i // 500:03d}"
        sub.mkdir(exist_ok=True)
        (sub / f"d{i:05d}.txt").write_text(text, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-c", MEMORY_SCRIPT, str(corpus), str(root / f"o{n_files}")],
        capture_output=True,
        text=True,
        env=cli_env(),
        cwd=ROOT,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return int(proc.stdout.split()[-1])


@pytest.mark.slow
def test_memory_does_not_grow_with_the_number_of_files():
    with tempfile.TemporaryDirectory(dir=FAST_TMP) as d:
        small = _peak_rss_kb(1000, Path(d))
        large = _peak_rss_kb(10000, Path(d))
    # Generous: allocator noise and the output folder's directory entries; holding the inputs,
    # the batches or their records would add well over this for 9,000 more files.
    assert large - small < 10_000, f"peak RSS {small} kB for 1,000 files, {large} kB for 10,000"


def test_bounded_keeps_order_and_window():
    in_flight = []
    submitted = []

    def submit(job):
        submitted.append(job)
        in_flight.append(len(submitted) - len(done))
        return job * 10

    done = []
    for job, res in bounded(submit, lambda f: f, range(10), window=3):
        done.append((job, res))
    assert done == [(j, j * 10) for j in range(10)]
    assert max(in_flight) <= 3


def test_progress_logs_plain_lines_when_not_on_a_terminal(caplog):
    stream = io.StringIO()  # not a tty
    meter = Progress(10, 1_000_000, enabled=True, stream=stream)
    meter.LOG_EVERY = 0
    with caplog.at_level(logging.INFO, logger="boilerclean"):
        meter.advance(4, 400_000, 1)
        meter.close()
    assert stream.getvalue() == ""
    lines = [r.getMessage() for r in caplog.records]
    assert lines and lines[0].startswith("progress (cleaning): 4/10 files, 0.4 MB") and "1 errors" in lines[0]


def test_progress_names_its_phase_and_counts_from_zero_in_each(caplog):
    meter = Progress(None, enabled=True, stream=io.StringIO())
    meter.LOG_EVERY = 0
    with caplog.at_level(logging.INFO, logger="boilerclean"):
        meter.phase("cleaning", 3, 3_000_000)
        meter.advance(1, 1_000_000)
        meter.phase("index", 3)
        meter.advance(2)
        meter.close()
    lines = [r.getMessage() for r in caplog.records]
    assert lines[0].startswith("progress (cleaning): 1/3 files, 1.0 MB")
    assert lines[1].startswith("progress (index): 2/3 files, 0.0 MB")


def test_small_runs_get_smaller_batches_whatever_the_workers():
    from flows.run.pipeline import BATCH_SIZE, MIN_BATCH, batch_size

    assert batch_size(5) == MIN_BATCH and batch_size(1280) == 20 and batch_size(20_000) == 312
    assert batch_size(1_000_000) == BATCH_SIZE and batch_size(0) == MIN_BATCH


def test_batches_are_cut_short_by_their_inputs_bytes():
    from flows.run.pipeline import batched_by_bytes

    class Item:
        def __init__(self, rel):
            self.rel = rel

    sizes = {"a": 3, "b": 3, "c": 5, "d": 20, "e": 1, "f": 1, "g": 1, "h": 1}
    items = [Item(rel) for rel in sizes]
    got = [[i.rel for i in b] for b in batched_by_bytes(items, 3, sizes.get, 10)]
    # c would take a+b+c to 11 bytes; d alone is over the cap (a batch holds one input at least);
    # e, f, g fill a batch by count.
    assert got == [["a", "b"], ["c"], ["d"], ["e", "f", "g"], ["h"]]


def test_a_runs_last_inputs_go_in_quarter_batches_so_its_workers_finish_together():
    from flows.run.pipeline import TAIL_BATCHES, batch_size, batched_by_bytes, tail_size

    class Item:
        def __init__(self, rel):
            self.rel = rel

    items = [Item(f"{i:05d}") for i in range(20_000)]
    size = batch_size(len(items))
    got = [len(b) for b in batched_by_bytes(items, size, lambda rel: 100, 1 << 30, len(items))]
    assert sum(got) == len(items) and tail_size(size) == size // 4 == 78
    # Whole batches up to the last TAIL_BATCHES * size inputs, then quarter batches (the one that crosses
    # into the tail ends at a quarter too).
    whole = (len(items) - TAIL_BATCHES * size) // size
    assert got[:whole] == [size] * whole and max(got[whole:]) == tail_size(size)
    assert len(got) > whole + 2 * TAIL_BATCHES
    # No taper without the count (a stream of inputs), for fewer inputs than the tail, or for batches of
    # MIN_BATCH (no smaller batch).
    streamed = [len(b) for b in batched_by_bytes(iter(items), size, lambda rel: 100, 1 << 30)]
    assert streamed == [size] * (len(items) // size) + [len(items) % size]
    few = items[:100]
    assert [len(b) for b in batched_by_bytes(few, 64, lambda rel: 1, 1 << 30, len(few))] == [64, 36]
    few = items[:30]
    assert [len(b) for b in batched_by_bytes(few, 8, lambda rel: 1, 1 << 30, len(few))] == [8, 8, 8, 6]


def test_line_starts_match_a_character_scan():
    def scan(text):
        starts, i = [0], 0
        while i < len(text):
            if text[i] == "\r":
                if text[i + 1 : i + 2] == "\n":
                    i += 1
                starts.append(i + 1)
            elif text[i] == "\n":
                starts.append(i + 1)
            i += 1
        return starts

    for text in ["", "a", "a\n", "a\r\nb\rc\n\r\n", "\r\r\n\n", "x\ry"]:
        assert _line_starts(text) == scan(text)


def test_nonblank_lines_quick_ways_match_the_split():
    # Its one-line and LF-only ways against splitting on every line break, for every short text of these.
    pieces = ["a", " ", "\n", "\r", "\u2028", "\x0b", "\t"]
    texts = [""]
    for _ in range(5):
        texts = [t + p for t in texts for p in pieces]
        for text in texts:
            assert _nonblank_lines(text) == sum(1 for ln in _LINE_BREAK.split(text) if ln.strip()), repr(text)


def test_removal_lines_counted_on_lf_text_match_the_line_starts():
    # removal_records counts LFs from one removal to the next when a text has no CR; it must give the line
    # numbers that bisecting the line starts gives (the path a text with CR takes).
    import bisect
    import random

    rng = random.Random(7)
    for _ in range(300):
        text = "".join(rng.choice(["a", "b c", "\n", "\n\n", "xyz"]) for _ in range(rng.randint(0, 40)))
        spans = [sorted(rng.sample(range(len(text) + 1), 2)) if len(text) > 1 else [0, len(text)]]
        spans += [[p, p] for p in rng.sample(range(len(text) + 1), min(3, len(text) + 1))]
        removals = [Removal(a, b, "c", "r", text[a:b], shadow=bool(a % 2)) for a, b in spans]
        starts = _line_starts(text)
        expected = [
            (
                r.start,
                bisect.bisect_right(starts, r.start),
                bisect.bisect_right(starts, max(r.start, r.end - 1)),
            )
            for r in sorted(removals, key=lambda r: r.start)
        ]
        got = [(d["start"], d["line"], d["end_line"]) for d in removal_records(text, removals)]
        assert got == expected, text


def test_workers_must_be_positive(cli, tmp_path):
    proc = cli("run", "seeds", "--out", str(tmp_path / "o"), "--workers", "0")
    assert proc.returncode == 2 and b"--workers" in proc.stderr


def test_a_run_without_prefect_does_not_import_it(tmp_path):
    # Importing Prefect costs ~1.5 s; a run that does not use it (--no-prefect, or no API set) should not pay
    # it.
    script = (
        "import sys\nfrom flows.cli import main\nrc = main(sys.argv[1:])\nprint(rc, 'prefect' in "
        "sys.modules)\n"
    )
    args = ["run", "seeds", "--out", str(tmp_path / "o"), "--no-prefect", "--workers", "2"]
    proc = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        env=cli_env(),
        cwd=ROOT,
        timeout=300,
    )
    assert proc.stdout.split()[-2:] == ["0", "False"], proc.stderr[-2000:]  # after the run's final lines
    assert (tmp_path / "o" / "index.html").exists()


def test_the_command_line_starts_without_the_rules():
    # `run` starts its workers' fork server before it loads the rules, so that the server's imports
    # overlap the run's own (~0.1 s): parsing a command line must not import the engine or the config.
    heavy = {"cleaners.config", "cleaners.engine", "cleaners.ruleset"}
    script = f"import sys, flows.cli\nflows.cli.build_parser()\nprint(sorted(set(sys.modules) & {heavy}))"
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=cli_env(), cwd=ROOT
    )
    assert proc.stdout.strip() == "[]", proc.stdout + proc.stderr[-2000:]


@pytest.mark.parametrize("windowed", [False, True])
@pytest.mark.slow
def test_run_index_counted_from_the_batches_as_read_back(small_corpus, tmp_path, monkeypatch, windowed):
    """The run's review index is counted from each batch's reports in memory (no read back of every
    report); it is byte for byte the index made by reading the reports back, and an incremental run
    (some files unchanged, whose reports are not in memory) reads them back."""
    import shutil

    from flows.review import data as review_data
    from flows.review.write import write_review

    if windowed:  # every text input cleaned in windows: its report is added to the batch as a line
        monkeypatch.setenv("BOILERCLEAN_BIG_FILE_BYTES", "1")
    monkeypatch.setattr(run_module, "BATCH_SIZE", 7)
    corpus, out = tmp_path / "in", tmp_path / "out"
    shutil.copytree(small_corpus, corpus)
    read_back = review_data._read_tally
    monkeypatch.setattr(review_data, "_read_tally", lambda *a: pytest.fail("reports read back"))
    clean_flow.fn([str(corpus)], str(out), workers=1)

    def index_as_read_back(folder: Path) -> bytes:
        copy = tmp_path / "copy"
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(folder, copy)
        (copy / "index-data.js").unlink()
        write_review(copy, pages=False)
        return (copy / "index-data.js").read_bytes()

    monkeypatch.setattr(review_data, "_read_tally", read_back)
    assert (out / "index-data.js").read_bytes() == index_as_read_back(out)
    changed = sorted(corpus.rglob("*.txt"))[5]
    changed.write_text(changed.read_text(encoding="utf-8") + "\nPhoto: AP\n", encoding="utf-8")
    called = []
    monkeypatch.setattr(review_data, "_read_tally", lambda *a: called.append(1) or read_back(*a))
    summary = clean_flow.fn([str(corpus)], str(out), workers=1)
    # bad.txt failed, so it is cleaned again too
    assert called and summary["run"]["changed"] == 1 and summary["run"]["unchanged"] == 119
    assert (out / "index-data.js").read_bytes() == index_as_read_back(out)


def test_index_counted_from_the_batches_when_files_sit_beside_folders(tmp_path, monkeypatch):
    """The walk lists a folder's files before its sub-folders ("z.txt" before "a/x.txt"), summary.json
    sorts by path: the batches go in the summary's order, so their counts are the index, nothing read back."""
    from flows.review import data as review_data

    corpus, out = tmp_path / "in", tmp_path / "out"
    for rel in ("z.txt", "m.txt", "a/x.txt", "a/b/y.txt", "a/0.txt"):
        (corpus / rel).parent.mkdir(parents=True, exist_ok=True)
        (corpus / rel).write_text(f"News from {rel}.\nAdvertisement\nThe end.\n", encoding="utf-8")
    monkeypatch.setattr(run_module, "BATCH_SIZE", 2)
    monkeypatch.setattr(review_data, "_read_tally", lambda *a: pytest.fail("reports read back"))
    summary = clean_flow.fn([str(corpus)], str(out), workers=1)
    inputs = [r["input"] for r in summary["file_records"]]
    assert inputs == ["a/0.txt", "a/b/y.txt", "a/x.txt", "m.txt", "z.txt"]


def test_the_cli_starts_the_pools_workers_once(small_corpus, tmp_path, monkeypatch):
    """`boilerclean run` starts the pool's workers before its own imports; the run it hands the pool to does
    not start them again."""
    from flows.cli import main
    from flows.run import dispatch

    calls, start = [], dispatch.start_workers
    monkeypatch.setattr(dispatch, "start_workers", lambda pool, n: calls.append(pool) or start(pool, n))
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    args = ["run", str(small_corpus), "--out", str(tmp_path / "o"), "--no-prefect", "--no-progress"]
    assert main([*args, "--workers", "2"]) in (0, 1)  # small_corpus holds a file that fails on purpose
    assert len([p for p in calls if p is not None]) == 1


@pytest.mark.slow
def test_the_pool_goes_before_the_runs_end_unless_the_review_needs_it(small_corpus, tmp_path, monkeypatch):
    """Once the batches are done, the pool's workers exit in the background while the run writes its
    summary and index (their exit is ~0.2 s); with --pages the review still renders its pages there. Either
    way no worker outlives the run."""
    import multiprocessing

    real, calls = run_module.release_workers, []

    def spy(stack, started, pool, keep_pool):
        calls.append((pool is not None, keep_pool))
        return real(stack, started, pool, keep_pool)

    monkeypatch.setattr(run_module, "release_workers", spy)
    corpus = tmp_path / "in"
    for i, src in enumerate(sorted(small_corpus.rglob("*.txt"))[:40]):  # one folder: the batches' order
        (corpus / f"{i:03d}.txt").parent.mkdir(exist_ok=True)
        (corpus / f"{i:03d}.txt").write_bytes(src.read_bytes())
    clean_flow.fn([str(corpus)], str(tmp_path / "a"), workers=2)
    assert calls == [(True, False)]  # let go: the batches' counts are the whole index
    assert not multiprocessing.active_children()
    clean_flow.fn([str(corpus)], str(tmp_path / "b"), workers=2, pages=True)
    assert calls[-1] == (True, True) and len(list((tmp_path / "b").glob("*.html"))) == 41  # and index.html
    assert not multiprocessing.active_children()
    a, b = tree(tmp_path / "a"), tree(tmp_path / "b")
    assert {k: v for k, v in b.items() if not k.endswith(".html") and k != "index-data.js"} == {
        k: v for k, v in a.items() if not k.endswith(".html") and k != "index-data.js"
    }


def test_summary_totals_added_batch_by_batch_are_the_summarys_own():
    """The run adds each batch's sums to the summary's totals as it comes; the summary is the same as one
    made from all records at the end (runaway rules, held and risk counts, errors, characters)."""
    import random
    from collections import Counter

    from flows.outputs.records import to_json_bytes
    from flows.outputs.summary import Totals, summarize

    rng = random.Random(5)
    records = []
    for i in range(400):
        records.append(
            {
                "input": f"{rng.randrange(10**6):06d}/{i}.txt",
                "error": "cannot read" if i % 17 == 0 else None,
                "chars_in": 100 + i,
                "chars_out": 60,
                "by_cleaner": {"a": rng.randrange(3)},
                "by_rule": {"a/x": rng.randrange(3), "a/y": 0},
                "shadow_by_rule": {"a/z": 1} if i % 3 else {},
                "by_risk": {"likely": 2, "risky": i % 2},
                **({"held_by_reason": {"share": 1}, "held": ["too much"]} if i % 5 == 0 else {}),
                **({"heavy_rules": {f"a/r{rng.randrange(4)}": [rng.randrange(1, 9), 10]}} if i % 2 else {}),
                **({"timed_out": ["a/x"]} if i % 11 == 0 else {}),
            }
        )
    totals = Totals(records[:7])
    for start in range(7, 400, 50):
        totals.add(records[start : start + 50])
    ruleset = type("R", (), {"hash": "h", "files": ()})()
    whole = summarize(records, ruleset)
    assert len(whole["runaway_rules"]) == 4 and whole["held"] and whole["errors"] and whole["timeouts"]
    by_rule, removed = Counter(), sum(r["chars_in"] - r["chars_out"] for r in records if not r["error"])
    for r in records:
        by_rule.update(r["by_rule"])
    assert whole["by_rule"] == dict(sorted(by_rule.items())) and whole["chars_removed"] == removed
    assert to_json_bytes(summarize(records, ruleset, totals=totals)) == to_json_bytes(whole)


def test_run_history_counts_from_the_totals_match_a_pass_over_the_records():
    """The run history's counts (files cleaned, removals per rule) come from the run's totals: the same as a
    pass over the records, failed files (whose counts are left out) included."""
    import random

    from flows.outputs.summary import Totals

    def run_counts(records):  # the pass over every record that the totals replace
        files, by_rule = 0, {}
        for r in records:
            if r.get("error"):
                continue
            files += 1
            for rule, n in r.get("by_rule", {}).items():
                by_rule[rule] = by_rule.get(rule, 0) + n
        return files, dict(sorted(by_rule.items()))

    rng = random.Random(7)
    records = []
    for i in range(300):
        rules = {f"a/r{k}": rng.randrange(1, 4) for k in range(5) if rng.random() < 0.4}
        if i % 13 == 0:  # failed after counting (a write error): its counts are not the run's
            rules["only/failed"] = 2
        error = "cannot write outputs" if i % 13 == 0 or i % 29 == 0 else None
        records.append({"input": f"{i}.txt", "error": error, "chars_in": 9, "chars_out": 9, "by_cleaner": {}})
        records[-1].update(by_rule=rules, shadow_by_rule={})
    totals = Totals(records[:5])
    for start in range(5, 300, 40):
        totals.add(records[start : start + 40])
    expected = run_counts(records)
    assert expected[0] == 300 - sum(1 for r in records if r["error"]) and "only/failed" not in expected[1]
    assert totals.run_counts(records) == expected


def test_a_few_small_files_fit_one_batch_and_anything_more_or_unclear_does_not(tmp_path):
    from flows.run.dispatch import MIN_BATCH, fits_one_batch

    deep = tmp_path / "in" / "a" / "b"
    deep.mkdir(parents=True)
    files = [tmp_path / "in" / f"d{i}.txt" for i in range(MIN_BATCH - 2)]
    files += [deep / "x.txt", tmp_path / "one.txt"]
    for f in files:
        f.write_text("Advertisement\nText.\n")
    assert fits_one_batch([tmp_path / "in", tmp_path / "one.txt"])  # 8 files in nested folders and alone
    (deep / "y.txt").write_text("one file more\n")
    assert not fits_one_batch([tmp_path / "in", tmp_path / "one.txt"])
    assert fits_one_batch([tmp_path / "one.txt"])
    assert not fits_one_batch([tmp_path / "one.txt"], max_bytes=10)  # a batch is cut at its bytes too
    assert not fits_one_batch([tmp_path / "missing"])  # the run says what is wrong, not this check
    many = tmp_path / "many"
    for i in range(1000):  # empty folders only: the walk is bounded all the same
        (many / f"f{i:04d}").mkdir(parents=True)
    assert not fits_one_batch([many])


def test_a_pool_batchs_result_goes_back_through_marshal_and_arrives_as_plain_lists(tmp_path):
    # What a pool or Dask worker returns pickles its records and review rows through marshal: the run gets
    # the same plain lists, equal to the batch's own; a value marshal cannot take falls back to pickle.
    import pickle

    from cleaners import load_ruleset
    from flows.inputs.discover import discover_inputs
    from flows.run.worker import Marshalled, clean_and_claim

    items = sorted(discover_inputs([str(ROOT / "seeds")]), key=lambda i: i.rel)
    results, tally = clean_and_claim(items, str(tmp_path / "out"), load_ruleset())
    assert isinstance(results, Marshalled) and isinstance(tally.rows, Marshalled)
    got_results, got_tally = pickle.loads(pickle.dumps((results, tally)))
    assert type(got_results) is list and got_results == list(results) and len(got_results) == len(items)
    assert type(got_tally.rows) is list and got_tally.rows == list(tally.rows)
    assert b"marshal" in pickle.dumps(results)
    odd = Marshalled([{"path": Path("a")}])
    assert pickle.loads(pickle.dumps(odd)) == [{"path": Path("a")}]
