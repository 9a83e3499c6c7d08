"""A 1-worker run puts each batch in place in a thread while it cleans the next one (worker.clean_in_turn).

The promises hold with two batches in flight: a report present means its text and diff are complete, no
half-written file is under a final name, a failed commit fails its own batch only (its files are retried by
the next run), and the manifest never records a file whose outputs are not in place.
"""

from __future__ import annotations

import errno
import json
import signal
import threading
from pathlib import Path

import pytest
from bchelp import WAYS, run_script, write_way
from conftest import records_files
from relcorpus import BANNER
from test_incremental import output_tree

from flows.outputs import atomic as files
from flows.run import pipeline
from flows.run import worker as cleaning
from flows.run.prefect_flow import clean_flow

FILES, BATCH = 12, 4  # three batches of four


def _inputs(src: Path) -> list[str]:
    src.mkdir(parents=True, exist_ok=True)
    names = [f"{i:02d}" for i in range(FILES)]
    for name in names:
        (src / f"{name}.txt").write_text(f"{BANNER}\nline of {name}\n")
    return names


@pytest.fixture(params=WAYS)
def way(request, monkeypatch):
    write_way(monkeypatch, request.param)
    return request.param


def _outputs(out: Path) -> dict[str, bytes]:
    """Texts, diffs and reports (by input) in place."""
    found = {p.name: p.read_bytes() for p in out.glob("*") if p.name.endswith((".txt", ".diff"))}
    for records in records_files(out):
        for line in records.read_bytes().splitlines():
            found[json.loads(line)["input"] + " report"] = line
    return found


def test_a_failed_commit_overlapping_the_next_batch_fails_its_own_batch_only(tmp_path, monkeypatch, way):
    src, out, reference = tmp_path / "in", tmp_path / "out", tmp_path / "reference"
    names = _inputs(src)
    monkeypatch.setattr(pipeline, "BATCH_SIZE", BATCH)
    clean_flow.fn([str(src)], str(reference))
    third_started, calls = threading.Event(), []
    real_clean, real_sync = cleaning.clean_text, files._syncfs

    def clean_text(text, *args, **kwargs):
        if f"line of {names[2 * BATCH]}" in text:  # the third batch's first file
            third_started.set()
        return real_clean(text, *args, **kwargs)

    def syncfs(fd):
        calls.append(threading.current_thread().name)
        if len(calls) == 2:  # the second batch's: it fails once the third batch is being cleaned
            assert third_started.wait(10), "the second batch's commit did not overlap the third's cleaning"
            raise OSError(errno.EIO, "syncfs: Input/output error")
        if real_sync is not None:
            real_sync(fd)

    monkeypatch.setattr(cleaning, "clean_text", clean_text)
    monkeypatch.setattr(files, "_syncfs", syncfs)
    summary = clean_flow.fn([str(src)], str(out), workers=1)
    monkeypatch.setattr(files, "_syncfs", real_sync)
    assert calls[:3] == ["commit-batch"] * 3  # in a thread, one per batch, in order
    failed = {e["input"] for e in summary["errors"]}
    assert failed == {f"{n}.txt" for n in names[BATCH : 2 * BATCH]}
    assert all("Input/output error" in e["error"] for e in summary["errors"])
    records = {r["input"]: r for r in summary["file_records"]}
    assert all("records" not in records[name] for name in failed)  # no report named: none in place
    got, want = _outputs(out), _outputs(reference)
    assert not [name for name in got if name.split(".")[0] in {n[:-4] for n in failed}]
    assert got == {k: v for k, v in want.items() if k.split(".")[0] not in {n[:-4] for n in failed}}
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    # Not recorded as done: the next run cleans them again (and only them), and ends as if nothing failed.
    again = clean_flow.fn([str(src)], str(out), workers=1)
    assert again["run"]["unchanged"] == FILES - BATCH and not again["errors"]
    assert output_tree(out) == output_tree(reference)


# Twelve files in batches of four, one worker: the run is SIGKILLed in the second batch's commit, just
# before its records file goes in place, once the third batch is being cleaned beside it.
KILL_IN_OVERLAPPED_COMMIT = """
import os, signal, sys, threading
import flows.run.pipeline, flows.outputs.atomic, flows.run.worker as cleaning
from flows.run.prefect_flow import clean_flow
flows.run.pipeline.BATCH_SIZE = 4
flows.outputs.atomic.ANONYMOUS &= sys.argv[3] == "anonymous"
third, placed = threading.Event(), []
real_clean = cleaning.clean_text
def clean_text(text, *args, **kwargs):
    if "line of 08" in text:
        third.set()
    return real_clean(text, *args, **kwargs)
cleaning.clean_text = clean_text
def stopping(real):
    def put(src, dst, *args, **kwargs):
        if str(dst).endswith(".jsonl"):
            placed.append(threading.current_thread().name)
            if len(placed) == 2:
                if not third.wait(10):
                    os._exit(3)  # not overlapped: the test fails
                os.kill(os.getpid(), signal.SIGKILL)
        return real(src, dst, *args, **kwargs)
    return put
os.replace, os.link = stopping(os.replace), stopping(os.link)
clean_flow.fn([sys.argv[1]], sys.argv[2], workers=1)
"""


def test_killed_in_a_commit_overlapping_the_next_batch_then_rerun(tmp_path, monkeypatch, way):
    src, out, reference = tmp_path / "in", tmp_path / "out", tmp_path / "reference"
    names = _inputs(src)
    clean_flow.fn([str(src)], str(reference))
    proc = run_script(KILL_IN_OVERLAPPED_COMMIT, src, out, way)
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-2000:]
    got, want = _outputs(out), _outputs(reference)
    # The first batch whole; the second's texts and diffs in place, not its reports; nothing of the third.
    first, second = names[:BATCH], names[BATCH : 2 * BATCH]
    assert sorted(k for k in got if k.endswith(" report")) == [f"{n}.txt report" for n in first]
    assert all(got[k] == want[k] for k in got)  # no half-written file under a final name
    assert sorted(got) == sorted(
        [f"{n}.txt report" for n in first] + [f"{n}{s}" for n in first + second for s in (".txt", ".diff")]
    )
    # The manifest holds the first batch only: the rerun keeps it and cleans the other eight.
    monkeypatch.setattr(pipeline, "BATCH_SIZE", BATCH)
    again = clean_flow.fn([str(src)], str(out), workers=1)
    assert (again["run"]["new"], again["run"]["unchanged"]) == (FILES - BATCH, BATCH)
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    assert output_tree(out) == output_tree(reference)
