"""clean/ is the committed output of `boilerclean run seeds --out clean`; rerunning gives the same bytes."""

from __future__ import annotations

import filecmp
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import CLEAN, SEEDS, records_files, run_cli


def _files(root: Path) -> set[str]:
    # Hidden bookkeeping (e.g. an incremental-run manifest) is not part of the reviewed output.
    return {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    }


def test_regenerated_clean_matches_committed(tmp_path):
    out = tmp_path / "clean"
    proc = run_cli("run", "seeds", "--out", str(out))
    assert proc.returncode == 0, proc.stderr.decode()
    committed, fresh = _files(CLEAN), _files(out)
    assert committed == fresh, f"missing: {sorted(committed - fresh)}; extra: {sorted(fresh - committed)}"
    different = [f for f in sorted(fresh) if not filecmp.cmp(CLEAN / f, out / f, shallow=False)]
    assert not different, f"clean/ is stale for {different}; regenerate it with `make clean-golden`"


def test_seeds_are_not_modified(tmp_path):
    before = {p.name: p.read_bytes() for p in SEEDS.iterdir()}
    run_cli("run", "seeds", "--out", str(tmp_path / "o"))
    assert {p.name: p.read_bytes() for p in SEEDS.iterdir()} == before


@pytest.mark.skipif(shutil.which("patch") is None, reason="GNU patch is not installed")
def test_reverse_patch_restores_every_seed(tmp_path):
    for diff in sorted(CLEAN.glob("*.diff")):
        seed = SEEDS / (diff.stem + ".txt")
        work = tmp_path / seed.name
        shutil.copyfile(CLEAN / (diff.stem + ".txt"), work)
        if diff.stat().st_size:
            subprocess.run(["patch", "-s", "-R", str(work), str(diff)], check=True)
        assert work.read_bytes() == seed.read_bytes(), diff.name


def test_outputs_written_in_tiny_pieces_are_the_same(tmp_path, monkeypatch):
    # Big documents are written as they are rendered (text, diff, report, review page): pieces of
    # a few characters must give the same bytes as the committed outputs.
    from flows.outputs import atomic as files
    from flows.outputs import diff as reports
    from flows.review import pages as html_report
    from flows.run.pipeline import run_clean

    monkeypatch.setattr(files, "WRITE_CHUNK", 7)
    monkeypatch.setattr(reports, "_PIECE", 5)
    monkeypatch.setattr(html_report, "_ESCAPE_CHUNK", 3)
    out = tmp_path / "clean"
    run_clean([str(SEEDS)], str(out), workers=1, pages=True)  # pages too: they are written in pieces
    # The index links the pages when there are some: it alone differs from the committed one.
    same = sorted(_files(CLEAN) - {"index.html", "index-data.js"})
    different = [f for f in same if not filecmp.cmp(CLEAN / f, out / f, shallow=False)]
    pages = {f"{p.stem}.html" for p in SEEDS.glob("*.txt")}
    assert _files(CLEAN) | pages == _files(out), sorted(_files(out) ^ (_files(CLEAN) | pages))
    assert not different


def test_committed_layout_is_text_and_diff_per_input_and_records_per_batch():
    # Issue 15's layout: per input its cleaned text and diff, per batch one records file holding each
    # input's report (one batch here); review pages only with --pages.
    stems = sorted(p.stem for p in SEEDS.glob("*.txt"))
    per_input = {f"{s}{ext}" for s in stems for ext in (".txt", ".diff")}
    (records,) = records_files(CLEAN)
    assert _files(CLEAN) == per_input | {
        "summary.json",
        "index.html",
        "index-data.js",
        f"removals/{records.name}",
    }
    assert sorted(json.loads(line)["input"] for line in records.read_text(encoding="utf-8").splitlines()) == [
        f"{s}.txt" for s in stems
    ]
