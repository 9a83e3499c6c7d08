"""Hostile inputs through a run: every file gets a result or a clear per-file error, and the run goes on."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import ROOT, cli_env, report_of, run_cli
from relcorpus import BANNER, decodable_cases, undecodable_cases, write_corpus

from cleaners.text import split_lines
from flows.cli import main as cli_main
from flows.inputs.decode import decode_document, encode_document
from flows.outputs.restore import restore_run
from flows.run.prefect_flow import clean_flow


def _endings(text: str) -> set[str]:
    """The kinds of line ending a text uses."""
    return {text[ln.content_end : ln.end] for ln in split_lines(text) if ln.end > ln.content_end}


def _records(summary: dict) -> dict[str, dict]:
    return {r["input"]: r for r in summary["file_records"]}


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    """One CLI run over every hostile input, a FIFO, links in and out, the output folder inside the input."""
    base = tmp_path_factory.mktemp("hostile")
    src, outside = base / "in", base / "outside"
    cases = {**decodable_cases(), **undecodable_cases()}
    write_corpus(src, cases)
    outside.mkdir()
    (outside / "secret.txt").write_text("outside the input folder\n")
    os.mkfifo(src / "fifo.txt")  # a reader without a writer would block forever
    (src / "link inside.txt").symlink_to(src / "plain.txt")
    (src / "link outside.txt").symlink_to(outside / "secret.txt")
    (src / "linked dir").symlink_to(outside, target_is_directory=True)
    (src / "a folder.txt").mkdir()  # a folder named like an input is walked, not read
    (src / "a folder.txt" / "inner.txt").write_text(BANNER + "\nkept line\n")
    out = src / "out"  # output folder inside the input folder
    first = run_cli("run", str(src), "--out", str(out), timeout=120)
    second = run_cli(
        "run", str(src), "--out", str(out), timeout=120
    )  # now out/ holds .txt files: still not inputs
    return src, out, cases, first, second


def test_run_goes_on_and_exits_1(hostile_run):
    _, out, cases, first, _ = hostile_run
    assert first.returncode == 1, first.stderr.decode()
    summary = json.loads((out / "summary.json").read_text())
    errors = {e["input"] for e in summary["errors"]}
    expected_bad = {n for n, (_, o) in cases.items() if o[0] == "error"} | {
        "fifo.txt",
        "link outside.txt",
        "linked dir",
    }
    assert errors == expected_bad
    assert summary["cleaned"] == summary["files"] - len(expected_bad)


def test_each_input_has_the_expected_outcome(hostile_run):
    src, out, cases, _, _ = hostile_run
    records = _records(json.loads((out / "summary.json").read_text()))
    for name, (data, outcome) in cases.items():
        rec = records[name]
        stem = name[: -len(".txt")]
        report = report_of(out, f"{stem}")
        assert report["input"] == name
        if outcome[0] == "clean":
            assert rec["error"] is None, (name, rec["error"])
            assert report["encoding"] == outcome[1], name
            assert report.get("bom", False) == outcome[2], name
            text = decode_document(data).text
            # Line endings and every kept character survive exactly: cleaned text is the original minus the
            # removals.
            cleaned = (out / f"{stem}.txt").read_bytes().decode("utf-8")
            kept = [s for s in text.splitlines(keepends=True) if BANNER not in s]
            if BANNER in text and text.strip():
                assert report["removals"], name
                assert BANNER not in cleaned, name
            for line in kept:
                if line.strip():
                    assert line.rstrip("\r\n") in cleaned, (name, line)
            # No line ending is translated: the cleaned text only has endings the original had.
            assert _endings(cleaned) <= _endings(text), name
        else:
            assert outcome[1] in rec["error"], (name, rec["error"])
            assert report["error"] == rec["error"]
            # Not cleaned, but kept byte for byte so restore stays complete.
            assert (out / report["raw_copy"]).read_bytes() == data
            assert not (out / f"{stem}.txt").exists()


def test_fifo_and_links_are_per_file_errors(hostile_run):
    _, out, _, _, _ = hostile_run
    records = _records(json.loads((out / "summary.json").read_text()))
    assert records["fifo.txt"]["error"] == "cannot read file: not a regular file (FIFO)"
    assert "outside the input folder; not followed" in records["link outside.txt"]["error"]
    assert "outside the input folder; not followed" in records["linked dir"]["error"]
    assert records["link inside.txt"]["error"] is None and records["link inside.txt"]["removals"] == 1
    assert records["a folder.txt/inner.txt"]["error"] is None
    assert not any("secret" in json.dumps(r) for r in records.values() if r["input"] != "link outside.txt")


def test_output_folder_inside_input_is_never_an_input(hostile_run):
    _, out, _, first, second = hostile_run
    assert second.returncode == 1
    summary = json.loads((out / "summary.json").read_text())
    assert not [r for r in summary["file_records"] if r["input"].startswith("out/")]
    assert summary["files"] == len(summary["file_records"])


def test_errors_are_logged_with_names_verbatim(hostile_run):
    _, _, _, first, _ = hostile_run
    err = first.stderr.decode()
    assert "nul bytes.txt: binary file (NUL byte at offset 15)" in err
    assert "%s %(x)s {0} %n.txt" not in err or "Traceback" not in err
    assert "Traceback" not in err


def test_restore_rebuilds_every_input_that_was_read(hostile_run, tmp_path):
    src, out, cases, _, _ = hostile_run
    done, failed = restore_run(out, tmp_path / "back")
    for name, (data, _) in cases.items():
        assert (tmp_path / "back" / name).read_bytes() == data, name
    assert (tmp_path / "back" / "link inside.txt").read_bytes() == (src / "plain.txt").read_bytes()
    assert {rel for rel, _ in failed} == {"fifo.txt", "link outside.txt", "linked dir"}
    assert all("not restorable" in problem for _, problem in failed)


def test_output_equal_to_input_is_refused(tmp_path):
    (tmp_path / "a.txt").write_text(BANNER + "\n")
    r = run_cli("run", str(tmp_path), "--out", str(tmp_path))
    assert r.returncode == 2
    assert b"the output folder cannot also be an input" in r.stderr
    assert cli_main(["run", str(tmp_path), "--out", str(tmp_path / "." / ".." / tmp_path.name)]) == 2
    assert (tmp_path / "a.txt").read_text() == BANNER + "\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


def test_input_inside_output_is_refused(tmp_path, capsys):
    # DIR/a.txt would be cleaned into DIR/a.txt: the input itself.
    (tmp_path / "a.txt").write_text(BANNER + "\n")
    assert cli_main(["run", str(tmp_path / "a.txt"), "--out", str(tmp_path), "--no-prefect"]) == 2
    assert "an input cannot be inside the output folder" in capsys.readouterr().err
    assert (tmp_path / "a.txt").read_text() == BANNER + "\n"


def test_ten_megabyte_single_line(tmp_path):
    line = ("word " * 2_000_000).encode()  # 10 MB, no line break at all
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "big.txt").write_bytes(line + BANNER.encode())
    summary = clean_flow.fn(paths=[str(tmp_path / "in")], out=str(tmp_path / "out"))
    rec = summary["file_records"][0]
    assert rec["error"] is None and rec["chars_in"] == len(line) + len(BANNER)
    # One line longer than any rule's max_chars: nothing is removed, and the output is the input.
    assert (tmp_path / "out" / "big.txt").read_bytes() == line + BANNER.encode()
    done, failed = restore_run(tmp_path / "out", tmp_path / "back")
    assert failed == [] and (tmp_path / "back" / "big.txt").read_bytes() == line + BANNER.encode()


def test_decoding_round_trips_and_never_second_guesses_utf8():
    for name, (data, _outcome) in decodable_cases().items():
        d = decode_document(data)
        assert encode_document(d.text, d.encoding, d.bom) == data, name
    # Valid UTF-8 that a detector might call something else (Latin-1-looking bytes, lone Han) stays UTF-8.
    for text in ["cafÃ©", "é", "中", "\u00a0", "Ω≈ç√", "a\x1b[0m b"]:
        assert decode_document(text.encode()).encoding == "utf-8"


DROP_PRIVILEGES = """
import os, sys
from flows.cli import main
# Imported now: nobody cannot read /root, where the CI installs them (the run imports these late).
import flows.run.prefect_flow, flows.outputs.atomic, flows.outputs.records, flows.review.write, cleaners
import charset_normalizer, json, logging
cleaners.load_ruleset()  # reads the packaged YAML while still allowed to
os.setegid(65534); os.seteuid(65534)  # nobody: the kernel now checks file permissions for us
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.skipif(not hasattr(os, "seteuid"), reason="POSIX only")
@pytest.mark.slow
def test_unreadable_file_is_a_per_file_error():
    # Root ignores chmod 000, so when running as root the CLI drops its effective uid to nobody first.
    base = Path(tempfile.mkdtemp(prefix="boilerclean-perm-"))
    try:
        src, out = base / "in", base / "out"
        src.mkdir()
        (src / "ok.txt").write_text(BANNER + "\nkept\n")
        (src / "locked.txt").write_text("secret\n")
        os.chmod(src / "locked.txt", 0)
        for d in (base, src):
            os.chmod(d, 0o777)
        if os.geteuid() == 0:
            # One worker: a spawned pool worker would start the interpreter as nobody, who cannot read /root.
            cmd = [
                sys.executable,
                "-c",
                DROP_PRIVILEGES,
                "run",
                str(src),
                "--out",
                str(out),
                "--workers",
                "1",
            ]
        else:
            cmd = [sys.executable, "-m", "flows.cli", "run", str(src), "--out", str(out)]
        r = subprocess.run(cmd, capture_output=True, env=cli_env(), cwd=ROOT, timeout=120)
        assert r.returncode == 1, r.stderr.decode()
        summary = json.loads((out / "summary.json").read_text())
        recs = _records(summary)
        assert recs["locked.txt"]["error"] == "cannot read file: Permission denied"
        assert recs["ok.txt"]["error"] is None and recs["ok.txt"]["removals"] == 1
        assert report_of(out, "locked")["error"] == "cannot read file: Permission denied"
    finally:
        shutil.rmtree(base, ignore_errors=True)
