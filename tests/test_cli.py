"""The command line: outputs, exit codes, stdin/stdout cleaning, help."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from conftest import report_of, run_cli


def test_run_writes_outputs_for_nested_inputs(tmp_path):
    src = tmp_path / "in"
    (src / "a").mkdir(parents=True)
    (src / "a" / "b.txt").write_text("Advertisement\nThe council met.\n", encoding="utf-8")
    (src / "top.txt").write_text("Nothing to remove here.\n", encoding="utf-8")
    (src / "notes.md").write_text("not a document type we read\n", encoding="utf-8")
    out = tmp_path / "out"
    proc = run_cli("run", str(src), "--out", str(out))
    assert proc.returncode == 0, proc.stderr.decode()
    assert "in-process" not in proc.stderr.decode()  # a log line, at -v only
    assert (out / "a" / "b.txt").read_text(encoding="utf-8") == "The council met.\n"
    report = report_of(out, "a/b")
    assert report["input"] == "a/b.txt"
    assert [(r["line"], r["cleaner"], r["rule"], r["text"]) for r in report["removals"]] == [
        (1, "advertisement", "ad marker", "Advertisement\n")
    ]
    assert len(report["sha256"]) == 64 and len(report["ruleset_hash"]) == 64
    assert (out / "top.diff").read_text() == ""  # nothing removed: empty diff
    assert not (out / "notes.txt").exists()
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["files"] == 2 and summary["failed"] == 0
    assert summary["by_rule"] == {"advertisement/ad marker": 1}


def test_single_file_input_uses_its_name(tmp_path):
    f = tmp_path / "one.txt"
    f.write_text("CFP\nText.\n", encoding="utf-8")
    proc = run_cli("run", str(f), "--out", str(tmp_path / "o"))
    assert proc.returncode == 0
    assert (tmp_path / "o" / "one.txt").read_text(encoding="utf-8") == "Text.\n"


def test_failed_file_exit_1_and_others_done(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "good.txt").write_text("Advertisement\nGood.\n", encoding="utf-8")
    # Latin-1 bytes are now detected and decoded (tests/reliability); a NUL byte still marks a binary file.
    (src / "bad.txt").write_bytes(b"caf\xe9 latin-1 bytes\x00\n")
    proc = run_cli("run", str(src), "--out", str(tmp_path / "o"))
    assert proc.returncode == 1
    err = proc.stderr.decode()
    assert "bad.txt" in err
    assert (tmp_path / "o" / "good.txt").read_text(encoding="utf-8") == "Good.\n"
    summary = json.loads((tmp_path / "o" / "summary.json").read_text(encoding="utf-8"))
    assert summary["failed"] == 1 and summary["errors"][0]["input"] == "bad.txt"
    report = report_of(tmp_path / "o", "bad")
    assert report["error"]


def test_bad_config_exit_2_before_any_file(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text("Advertisement\n", encoding="utf-8")
    cfg = tmp_path / "rules.yaml"
    cfg.write_text(
        "cleaners:\n  advertisement:\n    rules:\n      - name: broken\n        pattern: '[unclosed'\n",
        encoding="utf-8",
    )
    out = tmp_path / "o"
    proc = run_cli("run", str(src), "--out", str(out), "--config", str(cfg))
    assert proc.returncode == 2
    err = proc.stderr.decode()
    assert "rules.yaml" in err and "cleaners.advertisement.rules[0].pattern" in err and "[unclosed" in err
    assert not out.exists()


@pytest.mark.parametrize(
    "args",
    [
        ["run", "does-not-exist", "--out", "{tmp}/o"],
        ["run", "{tmp}", "--out", "{tmp}"],
        ["run", "seeds"],  # --out missing
        ["frobnicate"],
    ],
)
def test_usage_errors_exit_2(tmp_path, args):
    proc = run_cli(*[a.format(tmp=tmp_path) for a in args])
    assert proc.returncode == 2


def test_user_config_changes_the_run(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text("Advertisement\nWerbung\nBody.\n", encoding="utf-8")
    cfg = tmp_path / "rules.yaml"
    cfg.write_text(
        "cleaners:\n  advertisement:\n    enabled: false\n  my_ads:\n    new: true\n    rules:\n      - "
        "name: werbung\n        pattern: '^Werbung$'\n",
        encoding="utf-8",
    )
    proc = run_cli("run", str(src), "--out", str(tmp_path / "o"), "--config", str(cfg))
    assert proc.returncode == 0, proc.stderr.decode()
    assert (tmp_path / "o" / "a.txt").read_text(encoding="utf-8") == "Advertisement\nBody.\n"


def test_clean_stdin_to_stdout():
    proc = run_cli("clean", "-", input=b"I agree\nCookie Policy\nI agree\nchocolate chip cookies\n")
    assert proc.returncode == 0
    # "I agree" goes beside the banner title; the same words elsewhere would stay.
    assert proc.stdout.decode() == "chocolate chip cookies\n"


def test_clean_file_argument_and_crlf_kept(tmp_path):
    f = tmp_path / "a.txt"
    f.write_bytes(b"Advertisement\r\nBody.\r\n")
    proc = run_cli("clean", str(f))
    assert proc.returncode == 0 and proc.stdout == b"Body.\r\n"


def test_clean_missing_file_names_it():
    proc = run_cli("clean", "no-such-file.txt")
    assert proc.returncode == 1 and b"no-such-file.txt" in proc.stderr


@pytest.mark.parametrize("cmd", [[], ["run"], ["clean"]])
def test_help_has_examples(cmd):
    proc = run_cli(*cmd, "--help")
    assert proc.returncode == 0
    assert "example" in proc.stdout.decode()


@pytest.mark.skipif(shutil.which("patch") is None, reason="GNU patch is not installed")
@pytest.mark.parametrize(
    "original",
    [
        b"Advertisement\nA\n",
        b"A\n\nAdvertisement",
        b"A\r\nAdvertisement\r\nB\r\n",
        b"A\n\nCFP\n\nB\nno final newline",
    ],
)
@pytest.mark.slow
def test_diff_reverses_with_patch(tmp_path, original):
    src = tmp_path / "in"
    src.mkdir()
    (src / "d.txt").write_bytes(original)
    out = tmp_path / "o"
    assert run_cli("run", str(src), "--out", str(out)).returncode == 0
    work = tmp_path / "work.txt"
    work.write_bytes((out / "d.txt").read_bytes())
    subprocess.run(["patch", "-s", "--binary", "-R", str(work), str(out / "d.diff")], check=True)
    assert work.read_bytes() == original
    # and forwards: the original patched gives the cleaned text
    work.write_bytes(original)
    subprocess.run(["patch", "-s", "--binary", str(work), str(out / "d.diff")], check=True)
    assert work.read_bytes() == (out / "d.txt").read_bytes()


def test_top_level_input_named_index_is_refused_not_overwritten(tmp_path):
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    (src / "index.txt").write_text("Advertisement\nBody.\n", encoding="utf-8")
    (src / "sub" / "index.txt").write_text(
        "Advertisement\nBody.\n", encoding="utf-8"
    )  # sub/index.html is no clash
    out = tmp_path / "o"
    proc = run_cli("run", str(src), "--out", str(out))
    assert proc.returncode == 1
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert [(e["input"], "index.html" in e["error"]) for e in summary["errors"]] == [("index.txt", True)]
    assert (out / "sub" / "index.txt").read_text(encoding="utf-8") == "Body.\n"
    assert "<title>" in (out / "index.html").read_text(encoding="utf-8")


def test_a_run_collects_garbage_less_often_and_puts_the_thresholds_back():
    import gc

    from flows.cli.run import run_collections
    from flows.run.dispatch import RUN_GC_THRESHOLDS

    before = gc.get_threshold()
    with run_collections():
        inside = gc.get_threshold()
    assert inside == tuple(max(a, b) for a, b in zip(before, RUN_GC_THRESHOLDS, strict=True))
    assert inside[0] >= 10_000 and inside[2] > 10
    assert gc.get_threshold() == before
