"""A `--dask` batch that Dask gives up on (KilledWorker) after its worker put the batch in place: its files
are taken from the records file it left (reported cleaned, in the manifest), not failed while their new
outputs are in place. Deterministic: the futures are fakes that run the batch here (or not) and then raise
KilledWorker, so no worker is killed and nothing depends on timing (test_rel_workers kills real ones)."""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path

import pytest
from conftest import run_cli

import flows.run.dispatch as dispatch
import flows.run.pipeline as pipeline
import flows.run.worker as worker
from cleaners import load_ruleset
from flows.cli import main as cli_main
from flows.inputs.discover import InputFile
from flows.run.lost import write_claim
from flows.run.worker import clean_and_claim

distributed = pytest.importorskip("distributed")

FILES = 32  # four batches of 8
COMMITTED = "doc10.txt"  # its batch is put in place, then its worker dies before it reports
UNSTARTED = "doc17.txt"  # its batch's worker dies before it writes anything
COMMITTING = "doc26.txt"  # its batch's worker dies after its claim, before its records file is in place
BATCH = {
    name: {f"doc{i:02d}.txt" for i in range(first, first + 8)}
    for name, first in ((COMMITTED, 8), (UNSTARTED, 16), (COMMITTING, 24))
}


class _Started:
    """In place of the run's Dask client (pipeline.start_dispatch's)."""

    local = True

    def close_soon(self) -> None:
        pass


class _Future:
    """A Dask future whose batch is run here when its result is asked for; lost as the batch says."""

    def __init__(self, batch: list, run) -> None:
        self.batch, self.run = batch, run

    def result(self):
        rels = {item.rel for item in self.batch}
        if COMMITTED in rels:
            self.run()  # every output and the records file in place; then the worker dies
        elif COMMITTING in rels:  # it claimed a records file, then died before putting it in place
            write_claim(self.out, self.batch, "removals/" + "0" * 32 + ".jsonl")
        if rels & {COMMITTED, UNSTARTED, COMMITTING}:
            raise distributed.KilledWorker("clean_and_tally-1", None, 0)
        return self.run()


@pytest.fixture
def fake_dask(monkeypatch):
    def batches(started, batch_fn, jobs, out, ruleset, window, lost):
        def submit(batch):
            future = _Future(batch, lambda: batch_fn(batch, out, ruleset))
            future.out = out
            return future

        return dispatch.bounded_futures(submit, jobs, window, lost)

    monkeypatch.setattr(pipeline, "start_dispatch", lambda *a, **k: _Started())
    monkeypatch.setattr(dispatch, "dask_batches", batches)


def _inputs(inp: Path, extra: str = "") -> dict[str, bytes]:
    inp.mkdir(exist_ok=True)
    for i in range(FILES):
        text = f"Article {i} first line.\nAdvertisement\nArticle {i} second line.\n{extra}"
        (inp / f"doc{i:02d}.txt").write_text(text, encoding="utf-8")
    return {p.name: p.read_bytes() for p in inp.iterdir()}


def _entry(out: Path, rel: str) -> tuple[int, dict]:
    with sqlite3.connect(out / ".boilerclean" / "manifest.sqlite") as db:
        failed, record = db.execute("SELECT failed, record FROM files WHERE rel = ?", (rel,)).fetchone()
    return failed, json.loads(record)


def _restored(out: Path, to: Path) -> dict[str, bytes]:
    res = run_cli("restore", str(out), "--to", str(to))
    assert res.returncode == 0, res.stderr
    return {p.name: p.read_bytes() for p in to.iterdir()}


def test_a_batch_put_in_place_before_its_worker_died_is_read_back(tmp_path, fake_dask, caplog):
    inp, out = tmp_path / "in", tmp_path / "out"
    old = _inputs(inp)
    args = ["run", str(inp), "--out", str(out), "--no-prefect", "--no-progress"]
    assert run_cli(*args, "--workers", "1").returncode == 0
    old_entry = _entry(out, UNSTARTED)[1]
    new = _inputs(inp, extra="A new closing line of the article.\n")

    with caplog.at_level(logging.WARNING, logger="boilerclean"):
        assert cli_main([*args, "--dask", "--workers", "2"]) == 1  # two batches still failed

    summary = json.loads((out / "summary.json").read_text())
    records = {r["input"]: r for r in summary["file_records"]}
    lost = BATCH[UNSTARTED] | BATCH[COMMITTING]
    assert {e["input"] for e in summary["errors"]} == lost
    assert summary["cleaned"] == FILES - len(lost)
    why = "the Dask worker cleaning its batch died 1 times (out of memory?); not cleaned"
    assert {records[rel]["error"] for rel in BATCH[UNSTARTED]} == {why}
    assert {records[rel]["error"] for rel in BATCH[COMMITTING]} == {why + " (its outputs may be new)"}
    assert "doc08.txt and 7 more files: the Dask worker cleaning its batch died" in caplog.text

    # The read-back files: cleaned, their entries the new records (the next run leaves them alone).
    for rel in BATCH[COMMITTED]:
        failed, entry = _entry(out, rel)
        assert records[rel]["error"] is None and not failed and entry == records[rel]
        assert (out / records[rel]["records"]).is_file()
    assert _entry(out, UNSTARTED) == (1, old_entry)  # the last good entry, marked to be retried
    assert not (out / ".boilerclean" / "batches").exists(), "every claim served and deleted"

    review = run_cli("review", str(out))
    assert review.returncode == 0, review.stderr
    assert f"{FILES} files, {FILES - len(lost)} cleaned, {len(lost)} failed".encode() in review.stdout
    assert run_cli("held", str(out)).returncode == 0
    restored = _restored(out, tmp_path / "restored")
    # Nothing lost: each input as its outputs in place describe it (the lost batches': the last version).
    assert restored == {name: old[name] if name in lost else new[name] for name in new}

    res = run_cli(*args, "--workers", "1")
    assert res.returncode == 0, res.stderr
    assert f"cleaned {len(lost)} files, {FILES - len(lost)} unchanged, 0 failed".encode() in res.stdout
    assert _restored(out, tmp_path / "again") == new


def test_a_lost_batch_that_put_nothing_in_place_fails_as_before(tmp_path, fake_dask):
    """A claim left by a run that was killed is swept: it never stands for this run's batch."""
    inp, out = tmp_path / "in", tmp_path / "out"
    _inputs(inp)
    args = ["run", str(inp), "--out", str(out), "--no-prefect", "--no-progress"]
    assert run_cli(*args, "--workers", "1").returncode == 0
    # It names the records file that describes the batch's outputs in place: believed, the files' old
    # reports would pass for this run's (and their new content never be cleaned).
    stale = _entry(out, UNSTARTED)[1]["records"]
    write_claim(str(out), [InputFile("", rel) for rel in sorted(BATCH[UNSTARTED])], stale)
    _inputs(inp, extra="A new closing line of the article.\n")
    assert cli_main([*args, "--dask", "--workers", "2"]) == 1
    records = {r["input"]: r for r in json.loads((out / "summary.json").read_text())["file_records"]}
    why = "the Dask worker cleaning its batch died 1 times (out of memory?); not cleaned"
    assert {records[rel]["error"] for rel in BATCH[UNSTARTED]} == {why}


def _lost_after_commit(tmp_path: Path, names: list[str]) -> tuple[Path, list[InputFile], str]:
    """A batch of `names` cleaned, claimed and put in place by clean_and_claim, whose result never came (its
    claim is left, as by a worker that died then): the output folder, the batch and the ruleset's hash."""
    inp, out = tmp_path / "in", tmp_path / "out"
    inp.mkdir()
    for name in names:
        (inp / name).write_text(f"{name} first line.\nAdvertisement\n{name} second line.\n", encoding="utf-8")
    items = [InputFile(str(inp / name), name) for name in names]
    ruleset = load_ruleset()
    clean_and_claim(items, str(out), ruleset)
    return out, items, ruleset.hash


@pytest.mark.parametrize("diff", ["older", "missing"])
def test_a_file_whose_diff_in_place_is_not_its_reports_is_not_read_back(tmp_path, diff):
    """A worker killed between renaming a file's .txt and its .diff leaves a new text beside an old diff (or
    none): that file is not taken as cleaned; the batch's other files are."""
    out, items, ruleset_hash = _lost_after_commit(tmp_path, ["a.txt", "b.txt"])
    if diff == "older":
        older = "--- a/a.txt\n+++ b/a.txt\n@@ -1,2 +1 @@\n-Advertisement\n a.txt first line.\n"
        (out / "a.diff").write_text(older, encoding="utf-8")
    else:
        (out / "a.diff").unlink()
    results, _ = worker.lost_batch(items, "the worker died", ruleset_hash, str(out))
    errors = {r["input"]: r["error"] for r in results}
    assert errors == {"a.txt": "the worker died; not cleaned (its outputs may be new)", "b.txt": None}


def test_one_file_read_back_is_named_alone(tmp_path, caplog):
    out, items, ruleset_hash = _lost_after_commit(tmp_path, ["a.txt"])
    with caplog.at_level(logging.WARNING, logger="boilerclean"):
        results, _ = worker.lost_batch(items, "the worker died", ruleset_hash, str(out))
    assert results[0]["error"] is None
    said = "a.txt: the worker died after putting its outputs in place; its results read back"
    assert [r.getMessage() for r in caplog.records] == [said]


def test_a_run_in_this_process_claims_no_batch(tmp_path):
    """In this process no batch is lost while the run goes on: no batch's records file is claimed."""
    inp, out = tmp_path / "in", tmp_path / "out"
    _inputs(inp)
    args = ["run", str(inp), "--out", str(out), "--no-prefect", "--no-progress", "--workers", "1"]
    assert cli_main(args) == 0
    assert (out / "removals").is_dir()
    assert not (out / ".boilerclean" / "batches").exists()


def test_a_process_pool_run_claims_its_batches_and_leaves_no_claim(tmp_path, monkeypatch):
    """A process pool can give a batch up (its worker kept dying): its batches claim their records file (as
    Dask's do), and a claim goes once the run has its batch's result."""
    inp, out = tmp_path / "in", tmp_path / "out"
    _inputs(inp)
    used = []
    run_batches = pipeline.run_batches
    monkeypatch.setattr(
        pipeline, "run_batches", lambda fn, *a, **kw: used.append(fn) or run_batches(fn, *a, **kw)
    )
    args = ["run", str(inp), "--out", str(out), "--no-prefect", "--no-progress", "--workers", "2"]
    assert cli_main(args) == 0
    assert used == [clean_and_claim]
    assert (out / "removals").is_dir()
    assert not (out / ".boilerclean" / "batches").exists()
