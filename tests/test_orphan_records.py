"""Batch records files (removals/<digest>.jsonl) that no manifest entry and no summary record names:
they could pile up (a batch whose every input failed unread, a rebuilt manifest); a finished run deletes
them, and nothing else in removals/."""

from __future__ import annotations

import json
import os
from pathlib import Path

from conftest import SEEDS, records_files, run_cli

from flows.outputs.manifest import MANIFEST_NAME, STATE_DIR, recorded_records
from flows.outputs.restore import restore_run
from flows.run.prefect_flow import clean_flow


def run(inp: Path, out: Path, config: Path | None = None) -> dict:
    return clean_flow.fn([str(inp)], str(out), config=str(config) if config else None)


def named(out: Path) -> set[str]:
    """Every records file the summary or the manifest names."""
    summary = json.loads((out / "summary.json").read_text())
    pointers = {r.get("records") for r in summary["file_records"]} | set(recorded_records(out).values())
    return {out / p for p in pointers if p}


def test_failed_batches_under_changing_rules_leave_no_orphans(tmp_path):
    # 8 articles, then 8 FIFOs (unreadable): the second batch fails whole. Each new ruleset cleans every
    # input again; a FIFO's entry keeps its first records file, its summary record names the newest.
    inp, out = tmp_path / "in", tmp_path / "out"
    inp.mkdir()
    seeds = sorted(SEEDS.glob("*.txt"))
    for i in range(8):
        (inp / f"a{i}.txt").write_bytes(seeds[i % len(seeds)].read_bytes())
        os.mkfifo(inp / f"z{i}.txt")
    (out / "removals").mkdir(parents=True)
    (out / "removals" / "notes.txt").write_text("a user's file")  # not the records pattern: never touched
    for n, cleaner in enumerate(("advertisement", "cookie_banner", "image_caption", "site_chrome")):
        config = tmp_path / f"rules{n}.yaml"
        config.write_text(f"cleaners:\n  {cleaner}:\n    enabled: false\n")
        summary = run(inp, out, config)
        assert summary["failed"] == 8 and summary["run"]["new" if n == 0 else "recleaned"] == 16
        assert set(records_files(out)) == named(out), f"orphaned records files after run {n + 1}"
    assert len(records_files(out)) == 3  # the articles' batch, the FIFOs' first and their newest
    assert (out / "removals" / "notes.txt").read_text() == "a user's file"
    done, failed = restore_run(out, tmp_path / "back")
    assert len(done) == 8 and len(failed) == 8  # every article; no FIFO was ever read
    assert run_cli("review", str(out)).returncode == 0


def test_a_rebuilt_manifest_leaves_no_orphans(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    inp.mkdir()
    for seed in sorted(SEEDS.glob("*.txt")):
        (inp / seed.name).write_bytes(seed.read_bytes())
    run(inp, out)
    for round_ in range(2):
        changed = sorted(inp.glob("*.txt"))[round_]
        changed.write_bytes(changed.read_bytes() + b"Advertisement\n")
        (out / STATE_DIR / MANIFEST_NAME).write_bytes(b"damaged" * 100)  # moved aside and rebuilt
        summary = run(inp, out)
        assert summary["run"]["new"] == len(summary["file_records"])  # every input cleaned again
        assert set(records_files(out)) == named(out), f"orphaned records files after rebuild {round_ + 1}"
    (records,) = records_files(out)
    assert len(records.read_bytes().splitlines()) == len(summary["file_records"])
