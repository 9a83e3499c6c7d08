"""A run SIGKILLed part-way leaves no partial output; the next run ends exactly like an uninterrupted one."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from conftest import ROOT, SEEDS, cli_env, records_files, run_cli
from test_incremental import output_tree

from flows.run.dispatch import IN_FLIGHT_PER_WORKER, default_workers
from flows.run.pipeline import batch_size

FILES = 1500


def make_inputs(inp: Path) -> None:
    """Small documents mixing seed lines (so every cleaner fires somewhere), in 20 folders."""
    lines = [
        line for seed in sorted(SEEDS.glob("*.txt")) for line in seed.read_text(encoding="utf-8").splitlines()
    ]
    rnd = random.Random(5)
    for i in range(FILES):
        folder = inp / f"batch{i % 20:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"doc{i:05d}.txt").write_text("\n".join(rnd.sample(lines, 6)) + "\n", encoding="utf-8")


def kill_when(out: Path, reports: int, args: list[str]) -> int:
    """Start a run, SIGKILL it once `reports` reports exist; returns how many there were at the kill."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", *args], cwd=ROOT, env=cli_env(), stderr=subprocess.DEVNULL
    )
    try:
        while proc.poll() is None:
            done = _reports(out)
            if done >= reports:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                return done
            time.sleep(0.05)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    raise AssertionError(
        f"the run finished (exit {proc.returncode}) before {reports} reports existed: nothing was killed"
    )


def _reports(out: Path) -> int:
    """Reports in place: lines of the batch records files (each renamed into place whole)."""
    return sum(len(p.read_bytes().splitlines()) for p in records_files(out)) if out.exists() else 0


@pytest.mark.slow
def test_sigkill_then_rerun_equals_uninterrupted_run(tmp_path):
    inp = tmp_path / "in"
    make_inputs(inp)
    reference, out = tmp_path / "reference", tmp_path / "out"
    assert run_cli("run", str(inp), "--out", str(reference), "--no-prefect").returncode == 0

    args = ["run", str(inp), "--out", str(out), "--no-prefect"]
    first_kill = kill_when(out, 200, args)
    assert not (out / "summary.json").exists()
    # Killed again while redoing the rest, so a resumed run is itself interrupted.
    second_kill = kill_when(out, first_kill + 300, args)
    assert second_kill < FILES

    # No half-written file under a final name: every records file present is whole JSON Lines.
    for records in records_files(out):
        assert all(json.loads(line)["input"] for line in records.read_text(encoding="utf-8").splitlines())

    res = run_cli(*args)
    assert res.returncode == 0, res.stderr.decode()[-2000:]
    summary_run = json.loads((out / "summary.json").read_text())["run"]
    # The finished batches were kept, not redone: only the batches in flight at a kill (done or not, not yet
    # recorded by the run) are cleaned again. second_kill counted the first kill's in-flight batches twice
    # (their records files from the first run, not yet swept, and again from the second), and the second
    # kill's once; the run's default workers are os.cpu_count().
    in_flight = IN_FLIGHT_PER_WORKER * default_workers() * batch_size(FILES)
    assert (
        summary_run["unchanged"] >= second_kill - 2 * in_flight
        and summary_run["new"] + summary_run["unchanged"] == FILES
    )
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    assert output_tree(out) == output_tree(reference)


@pytest.mark.slow
def test_pool_workers_exit_when_their_run_is_killed(tmp_path):
    # A killed run's pool workers must not linger (and must never hold the output folder's lock).
    inp = tmp_path / "in"
    make_inputs(inp)
    out = tmp_path / "out"
    args = ["run", str(inp), "--out", str(out), "--no-prefect", "--workers", "2"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", *args], cwd=ROOT, env=cli_env(), stderr=subprocess.DEVNULL
    )
    try:
        while not _reports(out):
            assert proc.poll() is None, "the run ended before it could be killed"
            time.sleep(0.05)
        # The pool's workers, and the fork server they are forked from (or spawned workers where none).
        children = [p.pid for p in psutil.Process(proc.pid).children(recursive=True)]
        assert len(children) >= 2, "no pool workers found"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in children):
        time.sleep(0.2)
    assert not [pid for pid in children if Path(f"/proc/{pid}").exists()], "pool workers outlived their run"


@pytest.mark.slow
def test_a_pool_worker_killed_mid_run_is_replaced_and_the_run_finishes(tmp_path):
    """A worker killed (the kernel's out-of-memory killer, a user) breaks the pool: the run starts a new one,
    sends the batches in flight again and ends as an uninterrupted run would; no process outlives it."""
    inp = tmp_path / "in"
    make_inputs(inp)
    reference, out = tmp_path / "reference", tmp_path / "out"
    args = ["run", str(inp), "--out", str(out), "--no-prefect", "--no-progress", "--workers", "2"]
    tag = str(tmp_path)  # in every process of the run's environment: found if one outlives it
    env = cli_env(BOILERCLEAN_TEST_HOLD="middle:0.1", BOILERCLEAN_TEST_RUN=tag)  # waits after each batch
    proc = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", *args], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        while not _reports(out):
            assert proc.poll() is None, "the run ended before a worker could be killed"
            time.sleep(0.05)
        run = psutil.Process(proc.pid)
        # Forked from the run (its command line), from its fork server (the server's children), or spawned.
        workers = [
            p
            for p in run.children(recursive=True)
            if p.ppid() != proc.pid or p.cmdline() == run.cmdline() or "spawn_main" in p.cmdline()[-1]
        ]
        assert workers, [p.cmdline() for p in run.children(recursive=True)]
        assert len(_tagged(tag)) > len(workers)  # the run's processes are found by their tag
        workers[0].kill()
        _, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert "a worker process died" in err, err
    assert run_cli("run", str(inp), "--out", str(reference), "--no-prefect").returncode == 0
    assert output_tree(out) == output_tree(reference)
    deadline = time.monotonic() + 30
    while _tagged(tag) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _tagged(tag), "processes outlived the run"


def _tagged(tag: str) -> list[list[str]]:
    """The command lines of the processes whose environment has BOILERCLEAN_TEST_RUN=tag."""
    found = []
    for p in psutil.process_iter():
        try:
            if p.environ().get("BOILERCLEAN_TEST_RUN") == tag and p.status() != psutil.STATUS_ZOMBIE:
                found.append(p.cmdline())
        except psutil.Error:
            pass
    return found
