"""A `--dask` run whose workers keep dying on one batch (a real local cluster, a real SIGKILL): that batch's
files fail one line each, the other batches are cleaned, the exit code is 1, no traceback, and the files of
the lost batch keep their last good outputs until a later run cleans them. A cluster whose workers die as
they start is one line too."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, cli_env, run_cli

pytestmark = pytest.mark.slow  # local clusters, worker restarts (spawned): ~5 s a test

FILES = 40  # five batches of 8
POISON = "doc10.txt"  # in the second batch

# `boilerclean run` with the batch function replaced, in this driver process only, by one that SIGKILLs its
# worker when the batch holds POISON. A local function is sent to the workers by value (cloudpickle), so
# nothing of the test is in the shipped code.
DRIVER = f"""
import os, signal, sys
import flows.run.pipeline as pipeline
from flows.cli import main

def install():
    clean_and_claim = pipeline.clean_and_claim  # what a Dask run's batches run

    def dies_on_poison(items, out, ruleset):
        if any(item.rel == {POISON!r} for item in items):
            os.kill(os.getpid(), signal.SIGKILL)  # as the kernel's OOM killer does
        return clean_and_claim(items, out, ruleset)

    pipeline.clean_and_claim = dies_on_poison

install()
sys.exit(main(sys.argv[1:]))
"""


def _inputs(inp: Path, extra: str = "") -> None:
    inp.mkdir(exist_ok=True)
    for i in range(FILES):
        text = f"Article {i} first line.\nAdvertisement\nArticle {i} second line.\n{extra}"
        (inp / f"doc{i:02d}.txt").write_text(text, encoding="utf-8")


def _outputs(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.glob("doc*.*"))}


def test_a_batch_whose_dask_workers_keep_dying_fails_alone_and_the_run_goes_on(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    _inputs(inp)
    args = ["run", str(inp), "--out", str(out), "--no-prefect", "--no-progress"]
    assert run_cli(*args, "--workers", "1").returncode == 0
    before = _outputs(out)
    _inputs(
        inp, extra="A new closing line of the article.\n"
    )  # every input changed: every file is cleaned again

    cmd = [sys.executable, "-c", DRIVER, *args, "--dask", "--workers", "2"]
    # Dask gives a task up after allowed-failures + 1 deaths (3 + 1 by default): 1 + 1 here, fewer restarts.
    env = cli_env(DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES="1")
    res = subprocess.run(cmd, capture_output=True, env=env, cwd=ROOT, timeout=300, text=True)

    assert res.returncode == 1, res.stderr[-3000:]
    assert "Traceback" not in res.stderr, res.stderr[-3000:]
    summary = json.loads((out / "summary.json").read_text())
    failed = {e["input"]: e["error"] for e in summary["errors"]}
    assert {f"doc{i:02d}.txt" for i in range(8, 16)} <= set(failed)  # the batch holding POISON
    why = "the Dask worker cleaning its batch died 2 times (out of memory?); not cleaned"
    assert set(failed.values()) == {why}
    # A batch lost beside it whose worker had put it in place is read back (test_rel_lost_batch): one line.
    lines = [ln for ln in res.stderr.splitlines() if ln.startswith("boilerclean: ") and "read back" not in ln]
    assert sorted(lines) == sorted(f"boilerclean: {rel}: {why}" for rel in failed)
    assert summary["failed"] == len(failed) and summary["cleaned"] == FILES - len(failed)
    assert summary["cleaned"] >= 8, "the run went on with the other batches"  # one worker never died
    assert f"{len(failed)} failed" in res.stdout
    after = _outputs(out)

    # Nothing kills the workers now: the rerun cleans exactly the files that failed.
    res = run_cli(*args, "--workers", "1")
    assert res.returncode == 0, res.stderr
    assert f"cleaned {len(failed)} files, {FILES - len(failed)} unchanged, 0 failed".encode() in res.stdout
    final = _outputs(out)
    for name in before:
        if f"{name.rsplit('.', 1)[0]}.txt" not in failed:
            assert after[name] == final[name] != before[name], name
        else:  # the last good outputs, or new ones (a worker committed them, then died before it reported)
            assert after[name] in (before[name], final[name]), name
    assert any(after[n] == before[n] for n in before), "the poisoned batch's files kept their old outputs"


# `boilerclean run` whose local cluster's workers are SIGKILLed as they start (a preload added in this driver
# process only, where the cluster is made).
DIES_AT_START = """
import sys
import flows.run.dispatch as dispatch
from flows.cli import main

real = dispatch.local_cluster_kwargs

def dying(workers, config=None):
    kw = real(workers, config)
    kw["preload"] = [*kw["preload"], "import os, signal\\nos.kill(os.getpid(), signal.SIGKILL)\\n"]
    return kw

dispatch.local_cluster_kwargs = dying
sys.exit(main(sys.argv[1:]))
"""


def test_a_local_cluster_whose_workers_die_as_they_start_is_one_line(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    _inputs(inp)
    args = ["run", str(inp), "--out", str(out), "--no-prefect", "--no-progress", "--dask", "--workers", "2"]
    cmd = [sys.executable, "-c", DIES_AT_START, *args]
    res = subprocess.run(cmd, capture_output=True, env=cli_env(), cwd=ROOT, timeout=300, text=True)
    assert res.returncode == 1, res.stderr[-3000:]
    assert len(res.stderr.splitlines()) == 1, res.stderr[-3000:]
    assert res.stderr.startswith("boilerclean: cannot start the local Dask cluster: "), res.stderr
    assert not (out / "summary.json").exists() and not list(out.glob("doc*"))


def test_a_dask_run_beside_a_busy_port_8787_says_nothing_of_it(tmp_path):
    # Dask's scheduler serves its /health page on 8787 unless told otherwise; a user's own cluster, or a
    # second run, holding that port must not put Dask's warning in this run's output.
    import socket

    inp, out = tmp_path / "in", tmp_path / "out"
    _inputs(inp)
    args = ["run", str(inp), "--out", str(out), "--no-prefect", "--no-progress", "--dask", "--workers", "2"]
    held = socket.socket()
    try:
        held.bind(("127.0.0.1", 8787))
        held.listen()
    except OSError:
        pass  # someone already holds it: the same situation
    try:
        res = run_cli(*args, env=cli_env(), timeout=300)
    finally:
        held.close()
    err = res.stderr.decode()
    assert res.returncode == 0, err[-3000:]
    assert "already in use" not in err and "Warning" not in err, err[-3000:]
    assert (out / "summary.json").exists()
