"""A run killed part-way leaves summary.json as it was (the previous run's, or none) while the manifest
already records the batches it put in place: `review`, the review server and `held` say so in one line,
with what to run, instead of showing a mix of two runs (or, for `held`, a stale answer with exit 0)."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, SEEDS, cli_env, run_cli

from flows.outputs.manifest import recorded_entries, unsummarised
from flows.review.data import ReviewError
from flows.review.server import ReviewApp

FILES = 24  # three batches of 8: a run can be stopped between two of them


def _make_inputs(inp: Path) -> None:
    lines = [line for s in sorted(SEEDS.glob("*.txt")) for line in s.read_text(encoding="utf-8").splitlines()]
    rnd = random.Random(7)
    inp.mkdir()
    for i in range(FILES):
        (inp / f"doc{i:02d}.txt").write_text("\n".join(rnd.sample(lines, 6)) + "\n", encoding="utf-8")


def _killed_midway(args: list[str], entered, check_running=None) -> None:
    """Start a run held 4 s after each batch (the test hook), wait until `entered()` says a batch is in the
    manifest, call check_running() while the run still holds, then SIGKILL it."""
    env = cli_env(BOILERCLEAN_TEST_HOLD="middle:4")
    proc = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", *args], cwd=ROOT, env=env, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 120
        while not entered():
            assert proc.poll() is None, "the run ended before a batch was entered: nothing was killed"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        if check_running:
            check_running()
        assert proc.poll() is None, "the run finished before it was killed"
        proc.send_signal(signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def _says(res: subprocess.CompletedProcess, *words: str) -> str:
    """The one stderr line of a refused review (exit 2, nothing on stdout)."""
    err = res.stderr.decode()
    assert res.returncode == 2 and res.stdout == b"" and len(err.splitlines()) == 1, (res.returncode, err)
    assert all(w in err for w in words), err
    return err


@pytest.mark.slow
def test_review_server_and_held_after_a_killed_run(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    _make_inputs(inp)
    run = ["run", str(inp), "--out", str(out), "--no-prefect", "--no-progress", "--workers", "1"]

    # The first run into the folder, killed after its first batch: no summary.json at all.
    _killed_midway(run, lambda: bool(recorded_entries(out)))
    assert not (out / "summary.json").exists()
    _says(run_cli("review", str(out)), "no summary.json: the run writing this folder stopped after 8 files")
    _says(run_cli("held", str(out)), "no summary.json", f"boilerclean run ... --out {out}")
    assert run_cli(*run).returncode == 0
    finished = json.loads((out / "summary.json").read_text())
    assert run_cli("review", str(out)).returncode == 0

    # Every input changed, the next run killed after one batch: summary.json is the previous run's.
    for p in inp.glob("*.txt"):
        p.write_bytes(p.read_bytes() + b"Advertisement\n")

    def while_it_runs():
        _says(run_cli("held", str(out)), "a run is writing to this folder now")

    _killed_midway(run, lambda: bool(unsummarised(out, finished)), while_it_runs)
    assert json.loads((out / "summary.json").read_text()) == finished
    stale = ("summary.json is stale: a later run cleaned 8 files", f"`boilerclean run ... --out {out}` again")
    _says(run_cli("review", str(out)), *stale)
    _says(run_cli("review", str(out), "--cleaner", "advertisement"), *stale)
    _says(run_cli("held", str(out), "--json"), *stale)
    _says(run_cli("review", str(out), "--serve"), *stale)  # before any port is opened
    with pytest.raises(ReviewError, match="summary.json is stale"):
        ReviewApp(out)

    # The advised rerun finishes the job: only the rest is cleaned, and the review shows it all.
    res = run_cli(*run)
    assert res.returncode == 0 and b"cleaned 16 files, 8 unchanged" in res.stdout, res.stdout
    res = run_cli("review", str(out))
    assert res.returncode == 0 and f"{FILES} files, {FILES} cleaned".encode() in res.stdout
    assert len(ReviewApp(out).ix.files) == FILES


@pytest.mark.slow
def test_a_finished_run_is_never_called_stale(tmp_path):
    # Summary and manifest may differ by design: an input that failed unread keeps its older entry while
    # the summary names its newer error report; a gone input stays in the manifest until pruned.
    inp, out = tmp_path / "in", tmp_path / "out"
    _make_inputs(inp)
    os.mkfifo(inp / "fifo.txt")
    run = ["run", str(inp), "--out", str(out), "--no-prefect", "--no-progress", "--workers", "1"]
    assert run_cli(*run).returncode == 1  # the FIFO fails
    (inp / "doc00.txt").unlink()
    (inp / "doc01.txt").write_bytes(b"Advertisement\nA changed article line.\n")
    assert run_cli(*run).returncode == 1  # the FIFO fails again
    summary = json.loads((out / "summary.json").read_text())
    fifo = next(r for r in summary["file_records"] if r["input"] == "fifo.txt")
    assert fifo["records"] != recorded_entries(out)["fifo.txt"]  # the case the check must let through
    assert unsummarised(out, summary) == []
    assert run_cli("review", str(out)).returncode == 0
    assert run_cli("held", str(out)).returncode == 0


@pytest.mark.slow
def test_a_run_killed_before_it_records_a_batch_leaves_the_index_and_review_saying_so(tmp_path):
    # Workers put a batch's outputs in place before the run enters it in the manifest: killed in between,
    # the manifest still matches summary.json, yet doc00.txt is newer than both.
    inp, out = tmp_path / "in", tmp_path / "out"
    _make_inputs(inp)
    run = ["run", str(inp), "--out", str(out), "--no-prefect", "--no-progress", "--workers", "1"]
    assert run_cli(*run).returncode == 0
    finished = json.loads((out / "summary.json").read_text())
    page = (out / "index.html").read_text()
    for p in inp.glob("*.txt"):
        p.write_bytes(p.read_bytes() + b"A new closing line.\n")

    _killed_midway(run, lambda: b"A new closing line." in (out / "doc00.txt").read_bytes())
    assert unsummarised(out, finished) == []  # what review checked so far: nothing to see
    assert json.loads((out / "summary.json").read_text()) == finished
    err = _says(run_cli("review", str(out)), "summary.json is stale: a later run started at", "UTC")
    _says(run_cli("held", str(out)), "summary.json is stale")
    with pytest.raises(ReviewError, match="summary.json is stale"):
        ReviewApp(out)

    # The index says which run it shows and that a later one did not finish; the rest of it is as it was.
    marked = (out / "index.html").read_text()
    start, end = (
        marked.index('<p id="unfinished-run"'),
        marked.index("</p>\n", marked.index("unfinished-run")),
    )
    banner = marked[start : end + 5]
    assert marked.replace(banner, "") == page
    started = err.split("started at ")[1].split(" and ")[0]
    assert "this page shows the run that finished at " in banner and f"started at {started}" in banner

    # The rerun finishes the job: a fresh index, no marker, and review works.
    assert run_cli(*run).returncode == 0
    assert "unfinished-run" not in (out / "index.html").read_text()
    assert not (out / ".boilerclean" / "unfinished").exists()
    assert run_cli("review", str(out)).returncode == 0


def test_the_index_is_marked_once_and_any_bytes_it_holds_are_kept(tmp_path):
    from flows.review.write import mark_index_unfinished

    mark_index_unfinished(tmp_path, "2026-12-02 06:00:00 UTC")
    assert not (tmp_path / "index.html").exists()  # none: nothing to mark
    page = (
        b"<!doctype html>\n<head><title>caf\xe9</title></head>\n<body>\n<h1>run</h1>\n</body>\n"  # not UTF-8
    )
    (tmp_path / "index.html").write_bytes(page)
    mark_index_unfinished(tmp_path, "2026-12-02 06:00:00 UTC")
    marked = (tmp_path / "index.html").read_bytes()
    head, _, rest = marked.partition(b'<p id="unfinished-run"')
    assert (
        head == page[: page.index(b"<body>\n") + 7]
        and rest.split(b"</p>\n", 1)[1] == b"<h1>run</h1>\n</body>\n"
    )
    assert b"A later run started at 2026-12-02 06:00:00 UTC" in marked
    mark_index_unfinished(tmp_path, "2026-12-02 07:00:00 UTC")  # a second unfinished run: marked already
    assert (tmp_path / "index.html").read_bytes() == marked
