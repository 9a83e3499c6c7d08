"""Issue 15's output layout end to end, through the CLI with a process pool: per input a text and a diff,
per batch one records file holding each input's report (no review page without --pages); restore, an
incremental rerun and --prune over it, and output folders of the layout before."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import SEEDS, cli_env, records_files, report_of, run_cli

from flows.outputs import restore as restore_module
from flows.outputs.manifest import recorded_records
from flows.outputs.records import is_records_name
from flows.outputs.restore import restore_run


def _inputs(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.txt"))}


def _outputs(out: Path) -> set[str]:
    return {
        p.relative_to(out).as_posix()
        for p in out.rglob("*")
        if p.is_file() and not p.relative_to(out).parts[0].startswith(".")
    }


@pytest.mark.slow
def test_layout_restore_incremental_and_prune(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    (inp / "sub").mkdir(parents=True)
    for i, seed in enumerate(sorted(SEEDS.glob("*.txt"))):
        (inp / ("sub" if i % 2 else "") / seed.name).write_bytes(seed.read_bytes())
    env = {**cli_env(), "BOILERCLEAN_CACHE_DIR": str(tmp_path / "cache")}
    run = ["run", str(inp), "--out", str(out), "--no-prefect", "--no-progress", "--workers", "2"]
    assert run_cli(*run, env=env).returncode == 0
    stems = [rel[: -len(".txt")] for rel in _inputs(inp)]
    per_input = {f"{s}{ext}" for s in stems for ext in (".txt", ".diff")}
    (first,) = records_files(out)  # one batch: one records file, named by its content
    assert is_records_name(first.relative_to(out).as_posix())
    assert _outputs(out) == per_input | {"summary.json", "index.html", "index-data.js", _rel(first, out)}
    assert len(first.read_bytes().splitlines()) == len(stems)
    assert list((tmp_path / "cache").glob("ruleset-*.pickle"))  # the ruleset was cached for the next run
    assert not list((out / ".boilerclean").glob("ruleset-*"))  # the workers' copy went with the run

    # An incremental rerun: one input changed, one gone; only the changed one is cleaned again.
    changed, gone = sorted(_inputs(inp))[:2]
    (inp / changed).write_bytes((inp / changed).read_bytes() + b"Advertisement\nOne more article line.\n")
    (inp / gone).unlink()
    res = run_cli(*run, "--prune", env=env)
    assert res.returncode == 0 and b"cleaned 1 file, 3 unchanged" in res.stdout
    # The gone input's text and diff go; its report is a line of the first records file, which the
    # unchanged inputs still use; the changed input's report is in a new one.
    assert b"1 input gone since the last run (pruned 2 outputs)" in res.stdout
    gone_stem = gone[: -len(".txt")]
    assert not any(o.startswith(gone_stem + ".") for o in _outputs(out))
    assert b"One more article line." in (out / changed).read_bytes()
    assert first in records_files(out) and len(records_files(out)) == 2
    assert "One more article line." not in json.dumps(report_of(out, changed[:-4])["removals"])

    # restore rebuilds every remaining input byte for byte from the outputs alone.
    res = run_cli("restore", str(out), "--to", str(tmp_path / "back"), env=env)
    assert res.returncode == 0, res.stderr.decode()
    assert _inputs(tmp_path / "back") == _inputs(inp)


def _one_worker_run(tmp_path: Path, seeds: int | None) -> tuple[Path, Path, list[str]]:
    """Input and output folders with the first `seeds` seeds, and the run command (1 worker)."""
    inp, out = tmp_path / "in", tmp_path / "out"
    inp.mkdir()
    for seed in sorted(SEEDS.glob("*.txt"))[:seeds]:
        (inp / seed.name).write_bytes(seed.read_bytes())
    return inp, out, ["run", str(inp), "--out", str(out), "--no-prefect", "--no-progress", "--workers", "1"]


def _rel(p: Path, root: Path) -> str:
    return p.relative_to(root).as_posix()


@pytest.mark.slow
def test_records_file_goes_with_its_last_input(tmp_path):
    inp, out, run = _one_worker_run(tmp_path, 2)
    assert run_cli(*run).returncode == 0
    (first,) = records_files(out)
    for p in inp.glob("*.txt"):  # both changed: both cleaned again, into a new records file
        p.write_bytes(p.read_bytes() + b"Advertisement\n")
    assert run_cli(*run).returncode == 0
    (second,) = records_files(out)
    assert second != first  # the first went once no entry used it
    for p in inp.glob("*.txt"):
        p.unlink()
    res = run_cli(*run, "--prune")
    assert res.returncode == 0 and b"pruned 5 outputs" in res.stdout  # 2 texts, 2 diffs, 1 records file
    assert records_files(out) == []


@pytest.mark.slow
def test_output_folder_of_the_layout_before_is_still_read(tmp_path):
    """A folder written before the batch layout (a report per input, no "records" in summary.json):
    restore, held and an incremental run still work, and a changed input moves to the new layout."""
    inp, out, run = _one_worker_run(tmp_path, None)
    assert run_cli(*run).returncode == 0
    _to_layout_before(out)
    res = run_cli("restore", str(out), "--to", str(tmp_path / "back"))
    assert res.returncode == 0, res.stderr.decode()
    assert _inputs(tmp_path / "back") == _inputs(inp)
    assert run_cli("held", str(out)).returncode == 0
    changed = sorted(inp.glob("*.txt"))[0]
    changed.write_bytes(changed.read_bytes() + b"Advertisement\n")
    res = run_cli(*run)
    assert res.returncode == 0 and b"cleaned 1 file, 4 unchanged" in res.stdout
    assert not (out / f"{changed.stem}.report.json").exists()  # its report moved to a records file
    assert len(records_files(out)) == 1 and len(list(out.glob("*.report.json"))) == 4
    res = run_cli("restore", str(out), "--to", str(tmp_path / "back2"))
    assert res.returncode == 0, res.stderr.decode()
    assert _inputs(tmp_path / "back2") == _inputs(inp)


def _to_layout_before(out: Path) -> None:
    """Rewrite a run's folder (and its manifest) as the layout before wrote it."""
    import sqlite3

    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    for rec in summary["file_records"]:
        stem = rec["input"][: -len(".txt")]
        (out / f"{stem}.report.json").write_text(json.dumps(report_of(out, stem)), encoding="utf-8")
    for rec in summary["file_records"]:
        rec.pop("records")
    for held in summary["held"]:
        held["report"] = held["input"][: -len(".txt")] + ".report.json"
    (out / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    for p in records_files(out):
        p.unlink()
    db = sqlite3.connect(out / ".boilerclean" / "manifest.sqlite")
    with db:
        for rel, outputs, record in db.execute("SELECT rel, outputs, record FROM files").fetchall():
            record = json.loads(record)
            record.pop("records")
            outputs = sorted(json.loads(outputs) + [rel[: -len(".txt")] + ".report.json"])
            db.execute(
                "UPDATE files SET outputs = ?, record = ? WHERE rel = ?",
                (json.dumps(outputs), json.dumps(record, sort_keys=True), rel),
            )
        db.execute("DROP TABLE records")
    db.close()


@pytest.mark.slow
def test_restore_follows_the_manifest_when_summary_json_is_stale(tmp_path):
    # A run whose outputs are in place but whose summary.json could not be rewritten (disk full at the
    # end) leaves the older summary naming older records files: restore finds the current report through
    # the manifest, which learns every batch as it is put in place.
    inp, out, run = _one_worker_run(tmp_path, 3)
    assert run_cli(*run).returncode == 0
    stale = (out / "summary.json").read_bytes()
    changed = sorted(inp.glob("*.txt"))[0]
    changed.write_bytes(changed.read_bytes() + b"Advertisement\nOne more article line.\n")
    assert run_cli(*run).returncode == 0
    (out / "summary.json").write_bytes(stale)
    res = run_cli("restore", str(out), "--to", str(tmp_path / "back"))
    assert res.returncode == 0, res.stderr.decode()
    assert _inputs(tmp_path / "back") == _inputs(inp)


def test_restore_reads_the_manifest_once_and_only_on_a_mismatch(tmp_path, monkeypatch):
    inp, out, run = _one_worker_run(tmp_path, 3)
    assert run_cli(*run).returncode == 0
    stale = json.loads((out / "summary.json").read_bytes())
    for p in sorted(inp.glob("*.txt"))[:2]:  # two inputs cleaned again: two stale pointers below
        p.write_bytes(p.read_bytes() + b"Advertisement\n")
    assert run_cli(*run).returncode == 0
    reads = []

    def counted(out_dir):
        reads.append(out_dir)
        return recorded_records(out_dir)

    monkeypatch.setattr(restore_module, "recorded_records", counted)
    done, failed = restore_run(out, tmp_path / "back")  # summary.json is current: never read
    assert (len(done), failed, reads) == (3, [], [])
    done, failed = restore_run(out, tmp_path / "back2", stale)
    assert (len(done), failed, len(reads)) == (3, [], 1)
    assert _inputs(tmp_path / "back2") == _inputs(inp)
