"""Incremental runs: the manifest decides what is new, changed, unchanged or gone; reruns match fresh runs."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from conftest import SEEDS, records_files, report_of, run_cli

from cleaners import load_ruleset
from flows.inputs import extract
from flows.outputs.manifest import MANIFEST_NAME, STATE_DIR
from flows.outputs.records import RECORDS_DIR, ReportReader
from flows.run.prefect_flow import clean_flow

ARTICLE = "A council vote on the new bridge is expected on Tuesday.\nThe mayor said costs had doubled.\n"
WITH_AD = "Advertisement\nThe harbour reopened after repairs.\nFishing boats returned at dawn.\n"
WITH_CAPTION = "The festival drew record crowds.\nPhoto: Jane Doe/Reuters\nOrganisers plan a second stage.\n"


def run(inp: Path, out: Path, **kw) -> dict:
    return clean_flow.fn([str(inp)], str(out), **kw)


def output_tree(out: Path) -> dict[str, bytes]:
    """Every output file's bytes, the state folder left out and summary.json without its per-run section;
    reports by input: an incremental run puts them in other batches' records files than a fresh run."""
    tree = {}
    for p in sorted(out.rglob("*")):
        rel = p.relative_to(out).as_posix()
        if p.is_dir() or rel.startswith((STATE_DIR + "/", RECORDS_DIR + "/")):
            continue
        data = p.read_bytes()
        if rel == "summary.json":
            summary = json.loads(data)
            summary.pop("run")
            for rec in summary["file_records"]:
                pointer = rec.pop("records", None)
                report = ReportReader(out).report(rec["input"], pointer)
                tree[f"report of {rec['input']}"] = json.dumps(report, sort_keys=True).encode()
            for held in summary["held"]:
                held.pop("report")
            data = json.dumps(summary, sort_keys=True).encode()
        tree[rel] = data
    return tree


def mtimes(out: Path) -> dict[str, int]:
    return {
        p.relative_to(out).as_posix(): p.stat().st_mtime_ns
        for p in out.rglob("*")
        if p.is_file() and STATE_DIR not in p.parts
    }


def manifest_rows(out: Path) -> dict[str, tuple]:
    with sqlite3.connect(out / STATE_DIR / MANIFEST_NAME) as db:
        return {
            r[0]: r[1:]
            for r in db.execute("SELECT rel, size, mtime_ns, sha256, ruleset_hash, failed FROM files")
        }


def write_inputs(inp: Path) -> None:
    inp.mkdir(parents=True, exist_ok=True)
    (inp / "a.txt").write_text(ARTICLE)
    (inp / "b.txt").write_text(WITH_AD)
    (inp / "sub").mkdir(exist_ok=True)
    (inp / "sub" / "c.txt").write_text(WITH_CAPTION)
    (inp / "d.txt").write_text(ARTICLE + "Second edition.\n")


def test_first_run_all_new_and_rerun_cleans_nothing(tmp_path):
    out = tmp_path / "out"
    first = run(SEEDS, out)
    n = first["files"]
    assert first["run"]["new"] == n and first["run"]["unchanged"] == 0
    before = mtimes(out)
    tree = output_tree(out)
    second = run(SEEDS, out)
    assert {k: second["run"][k] for k in ("new", "changed", "unchanged", "recleaned", "gone")} == {
        "new": 0,
        "changed": 0,
        "unchanged": n,
        "recleaned": 0,
        "gone": 0,
    }
    # No file's outputs were rewritten (the run-level summary and review pages are), and the summary still
    # describes every file.
    after = mtimes(out)
    rewritten = {k for k in after if after[k] != before[k]}
    assert rewritten and not {k for k in rewritten if k.endswith((".txt", ".diff", ".jsonl"))}
    assert output_tree(out) == tree


def test_add_change_delete_touch(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    write_inputs(inp)
    run(inp, out)
    (inp / "e.txt").write_text(WITH_AD.replace("harbour", "airport"))  # new
    (inp / "b.txt").write_text(WITH_CAPTION)  # changed
    (inp / "sub" / "c.txt").unlink()  # gone
    st = (inp / "d.txt").stat()
    os.utime(inp / "d.txt", ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))  # touched, same content
    summary = run(inp, out)
    r = summary["run"]
    assert (r["new"], r["changed"], r["unchanged"], r["gone"]) == (1, 1, 2, 1)
    assert r["gone_inputs"] == ["sub/c.txt"] and r["pruned_outputs"] == []
    assert (out / "sub" / "c.txt").exists()  # a gone input's outputs are kept without --prune
    assert (
        out / "b.txt"
    ).read_text() == "The festival drew record crowds.\nOrganisers plan a second stage.\n"
    # The touch was noticed by content, and its new mtime stored so the next fast check passes.
    assert manifest_rows(out)["d.txt"][1] == (inp / "d.txt").stat().st_mtime_ns
    again = run(inp, out)["run"]
    assert (again["new"], again["changed"], again["unchanged"], again["gone"]) == (0, 0, 4, 1)

    pruned = run(inp, out, prune=True)["run"]
    # No review page without --pages: a gone input has three outputs.
    assert pruned["gone"] == 1 and pruned["pruned_outputs"] == [
        "sub/c.diff",
        "sub/c.txt",
    ]  # its report stays a line of the first batch's records file, which a, b and d still use
    assert not (out / "sub").exists()  # emptied folders go too, as in a fresh run
    assert run(inp, out)["run"]["gone"] == 0

    fresh = tmp_path / "fresh"
    run(inp, fresh)
    assert output_tree(out) == output_tree(fresh)


def test_reappearing_input_is_compared_not_new(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    write_inputs(inp)
    run(inp, out)
    data = (inp / "a.txt").read_bytes()
    (inp / "a.txt").unlink()
    assert run(inp, out)["run"]["gone_inputs"] == ["a.txt"]
    (inp / "a.txt").write_bytes(data)  # back, same content, new mtime
    r = run(inp, out)["run"]
    assert (r["new"], r["changed"], r["unchanged"], r["gone"]) == (0, 0, 4, 0)


def test_ruleset_change_recleans_everything(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    write_inputs(inp)
    run(inp, out)
    config = tmp_path / "rules.yaml"
    config.write_text("cleaners:\n  advertisement:\n    enabled: false\n")
    new_hash = load_ruleset(str(config)).hash
    r = run(inp, out, config=str(config))["run"]
    assert (r["recleaned"], r["unchanged"], r["recleaned_because"]) == (4, 0, {"ruleset changed": 4})
    assert "Advertisement" in (out / "b.txt").read_text()  # really recleaned with the new rules
    for rel in ("a.txt", "b.txt", "d.txt", "sub/c.txt"):
        assert report_of(out, rel[:-4])["ruleset_hash"] == new_hash
    assert len(records_files(out)) == 1  # the first run's records file went with its last entry
    assert {row[3] for row in manifest_rows(out).values()} == {new_hash}
    assert run(inp, out, config=str(config))["run"]["unchanged"] == 4
    # Back to the defaults: everything again, and the outputs equal a fresh default run.
    assert run(inp, out)["run"]["recleaned"] == 4
    fresh = tmp_path / "fresh"
    run(inp, fresh)
    assert output_tree(out) == output_tree(fresh)


def test_new_extraction_code_extracts_unchanged_pages_again(tmp_path, monkeypatch):
    inp, out = tmp_path / "in", tmp_path / "out"
    write_inputs(inp)
    (inp / "page.html").write_bytes((Path(__file__).parent / "data" / "html" / "harbour.html").read_bytes())
    run(inp, out)
    assert run(inp, out)["run"]["unchanged"] == 5
    # A manifest an earlier version wrote keeps the bare ruleset hash for its pages: extracted again once.
    with sqlite3.connect(out / STATE_DIR / MANIFEST_NAME) as db:
        db.execute("UPDATE files SET ruleset_hash = ? WHERE rel = 'page.html'", (load_ruleset().hash,))
    db.close()
    r = run(inp, out)["run"]
    assert (r["recleaned"], r["unchanged"], r["recleaned_because"]) == (1, 4, {"page extraction changed": 1})
    assert run(inp, out)["run"]["unchanged"] == 5
    # New extraction code (its revision bumped): only the page goes again, the text inputs stay.
    monkeypatch.setattr(extract, "EXTRACTION_REVISION", extract.EXTRACTION_REVISION + 1)
    r = run(inp, out)["run"]
    assert (r["recleaned"], r["unchanged"], r["recleaned_because"]) == (1, 4, {"page extraction changed": 1})
    assert run(inp, out)["run"]["unchanged"] == 5
    # A new ruleset is named as such for pages too.
    config = tmp_path / "rules.yaml"
    config.write_text("cleaners:\n  advertisement:\n    enabled: false\n")
    assert run(inp, out, config=str(config))["run"]["recleaned_because"] == {"ruleset changed": 5}


def test_unreadable_tool_metadata_is_a_version_not_a_crash():
    # An installation the running user can import from but not list (CI runs a test as nobody over
    # root's site-packages): the key names the version unknown and the run goes on.
    assert extract.tool_version("boilerclean-no-such-package") == "unknown"
    assert extract.tool_version("trafilatura") not in ("", "unknown")


def test_failed_file_is_retried_and_stale_outputs_removed(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    write_inputs(inp)
    run(inp, out)
    (inp / "b.txt").write_bytes(b"binary\x00\x01 data\n")  # a NUL byte: binary, this file fails
    s = run(inp, out)
    assert s["run"]["changed"] == 1 and s["failed"] == 1
    assert (
        not (out / "b.txt").exists() and not (out / "b.diff").exists()
    )  # no stale text beside the error report
    r = run(inp, out)["run"]
    assert r["recleaned_because"] == {"failed last time": 1} and r["unchanged"] == 3
    fresh = tmp_path / "fresh"
    run(inp, fresh)
    assert output_tree(out) == output_tree(fresh)


def test_missing_outputs_and_stray_temps(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    write_inputs(inp)
    run(inp, out)
    reference = output_tree(out)
    (out / "a.txt").unlink()
    dead = subprocess.Popen(["true"])
    dead.wait()  # a boilerclean process that is gone: its temp files are the sweep's to remove
    (out / "sub" / f".c.txt.bc~{dead.pid}~0123456789ab.tmp").write_text("half a fi")  # a SIGKILL mid-write
    # A killed run's orphaned worker that exited but is not reaped (a zombie answers kill(pid, 0)).
    zombie = subprocess.Popen(["true"])
    while not Path(f"/proc/{zombie.pid}/stat").read_text().split(") ")[1].startswith("Z"):
        time.sleep(0.01)
    (out / f".b.diff.bc~{zombie.pid}~0123456789ab.tmp").write_text("half a di")
    (out / "sub" / ".c.txt.k2j4h5x_.tmp").write_text("a user's")  # not our scheme: never touched
    r = run(inp, out)["run"]
    assert r["recleaned_because"] == {"outputs missing": 1}
    assert output_tree(out) == {**reference, "sub/.c.txt.k2j4h5x_.tmp": b"a user's"}
    assert [p.name for p in out.rglob("*.tmp")] == [".c.txt.k2j4h5x_.tmp"]
    zombie.wait()


def test_summary_is_deterministic_for_a_fresh_folder(tmp_path):
    a, b = run(SEEDS, tmp_path / "a"), run(SEEDS, tmp_path / "b")
    assert a == b
    assert (tmp_path / "a" / "summary.json").read_bytes() == (tmp_path / "b" / "summary.json").read_bytes()
    assert a["run"]["new"] == a["files"] and a["run"]["alerts"] == []
    assert str(tmp_path) not in (tmp_path / "a" / "summary.json").read_text()


@pytest.mark.slow
def test_cli_prune_and_bad_alert_option(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    write_inputs(inp)
    assert run_cli("run", str(inp), "--out", str(out)).returncode == 0
    (inp / "a.txt").unlink()
    res = run_cli("run", str(inp), "--out", str(out))
    assert res.returncode == 0 and b"1 input gone since the last run" in res.stdout
    assert (out / "a.txt").exists()
    res = run_cli("run", str(inp), "--out", str(out), "--prune")
    assert res.returncode == 0 and b"pruned 2 outputs" in res.stdout and not (out / "a.txt").exists()
    res = run_cli("run", str(inp), "--out", str(out), "--alert-factor", "0.5")
    assert res.returncode == 2 and b"alerts.factor: expected a factor above 1" in res.stderr


@pytest.mark.parametrize("bad", [{"factor": 1.0}, {"window": 0}, {"colour": 1}])
def test_bad_alert_settings_fail_before_any_file(tmp_path, bad):
    with pytest.raises(ValueError):
        run(SEEDS, tmp_path / "out", alerts=bad)
    assert not (tmp_path / "out").exists()


def test_the_raw_copy_of_an_undecodable_input_is_an_output_of_the_run(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    inp.mkdir()
    (inp / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (inp / "scan.txt").write_bytes(b"%PDF-1.4 not text")
    (inp / "gone.txt").write_bytes(b"%PDF-1.4 also not text")
    run(inp, out)
    assert (out / "scan.raw").exists() and (out / "gone.raw").exists()
    # Fixed, the input's old raw copy goes like any stale output; gone and pruned, its raw copy goes too.
    (inp / "scan.txt").write_text(WITH_AD, encoding="utf-8")
    (inp / "gone.txt").unlink()
    summary = run(inp, out, prune=True)
    assert not (out / "scan.raw").exists() and (out / "scan.txt").exists()
    assert not (out / "gone.raw").exists() and "gone.raw" in summary["run"]["pruned_outputs"]
    assert output_tree(out) == output_tree(_fresh(inp, tmp_path / "fresh"))


def _fresh(inp: Path, out: Path) -> Path:
    run(inp, out)
    return out


def test_records_of_reads_manifest_rows_of_either_encoder():
    """Manifest rows are written with orjson now (no space after a colon) and were with json.dumps."""
    import json

    import orjson

    from flows.outputs.manifest import records_of

    rec = {"input": "a.txt", "records": "removals/" + "0" * 32 + ".jsonl"}
    assert records_of(json.dumps(rec, sort_keys=True)) == rec["records"]
    assert records_of(orjson.dumps(rec, option=orjson.OPT_SORT_KEYS).decode()) == rec["records"]
    assert records_of(orjson.dumps({"input": "a.txt"}).decode()) is None


def _plain_owned_path(out: Path, rel: object) -> Path | None:
    """owned_path as it was written first: every check made again for each path (the reference)."""
    if not isinstance(rel, str) or not rel or "\x00" in rel or "\\" in rel:
        return None
    parts = rel.split("/")
    if rel.startswith("/") or any(p in ("", ".", "..") for p in parts):
        return None
    path = out.joinpath(*parts)
    root, parent = os.path.realpath(out), os.path.realpath(path.parent)
    return path if parent == root or parent.startswith(root + os.sep) else None


def test_owned_paths_checked_once_per_folder_equal_the_plain_checks(tmp_path):
    """The plan resolves each folder once and finds outputs in its listing: the same answers as the plain
    checks, for links inside and out of DIR, dangling links, folders named like files, case and bad parts."""
    import itertools

    from flows.outputs.manifest import OwnedPaths, owned_path

    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    (out / "sub" / "deep").mkdir(parents=True)
    elsewhere.mkdir()
    for f in (
        out / "a.txt",
        out / "A.TXT",
        out / "sub" / "a.txt",
        out / "sub" / "deep" / "a.txt",
        elsewhere / "a.txt",
    ):
        f.write_text("x")
    (out / "in").symlink_to(out / "sub", target_is_directory=True)
    (out / "away").symlink_to(elsewhere, target_is_directory=True)
    (out / "dangling.txt").symlink_to(tmp_path / "nothing")
    (out / "link.txt").symlink_to(elsewhere / "a.txt")
    (out / "dir.txt").mkdir()
    (tmp_path / "out-link").symlink_to(out, target_is_directory=True)
    pieces = [
        "a.txt",
        "A.TXT",
        "sub",
        "deep",
        "in",
        "away",
        "dangling.txt",
        "link.txt",
        "dir.txt",
        "gone.txt",
    ]
    pieces += ["", ".", "..", "x\\y", "n\x00"]
    rels = [None, 3, "/", "/a.txt", "a.txt/"] + [
        "/".join(c) for n in (1, 2, 3) for c in itertools.product(pieces, repeat=n)
    ]
    for root in (out, tmp_path / "out-link", Path(os.path.relpath(out))):
        owned = OwnedPaths(root)
        for rel in rels:
            plain = _plain_owned_path(root, rel)
            assert owned_path(root, rel) == plain, rel
            assert owned.has(rel) == (plain is not None and plain.exists()), rel


def test_manifest_json_columns_read_as_json_reads_them():
    """orjson reads the manifest's JSON columns (as orjson and json.dumps wrote them: the same values as
    json.loads); what it refuses, json still reads."""
    from flows.outputs import manifest

    rec = {"input": "a/é.txt", "by_rule": {"x/y": 2}, "error": None, "heavy_rules": {"x/y": [9, 10]}}
    texts = [json.dumps(rec), json.dumps(rec, ensure_ascii=False), json.dumps(["a.txt", "a.diff"])]
    texts += ['{"s": "\\ud800"}', '{"n": 1e400}']  # a lone surrogate, a float out of range: orjson refuses
    for text in texts:
        assert manifest._loads(text) == json.loads(text), text


def test_an_input_file_pickles_to_itself():
    """Batches go to the workers pickled (InputFile.__reduce__: its fields as they are)."""
    import copy
    import pickle

    from flows.inputs.discover import InputFile

    for item in (
        InputFile("/in/a.txt", "a.txt"),
        InputFile("/in/x", "x", "cannot read folder: denied", True),
    ):
        for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
            again = pickle.loads(pickle.dumps(item, protocol=protocol))
            assert again == item and type(again) is InputFile and again.stem == item.stem
        assert copy.deepcopy(item) == item
