"""Issue 13, cases 1-6: ways a run, a rerun or a restore lost good outputs or other people's files.

Each test drives the CLI and asserts the behaviour the issue asks for; the ones that fail on main are
marked xfail(strict=True), so fixing a case turns its test into an XPASS failure until the mark goes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from bchelp import (
    ARTICLE,
    ENOSPC,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    WAYS,
    anonymous,
    bc,
    bc_proc,
    config_with_rule,
    make_inputs,
    no_traceback,
    oserror,
    restore_to,
    run,
    snapshot,
    under,
    write_way,
)

NAMES = [f"sub/a{i}.txt" for i in range(6)] + ["top.txt"]


def _first_run(tmp_path: Path) -> tuple[Path, Path, dict[str, bytes]]:
    inp, out = tmp_path / "in", tmp_path / "o"
    made = make_inputs(inp, NAMES)
    res = run(inp, out)
    assert res.rc == EXIT_OK, res.all
    return inp, out, made


def _assert_restores(out: Path, to: Path, expected: dict[str, bytes]) -> None:
    res, got = restore_to(out, to)
    no_traceback(res)
    assert res.rc == EXIT_OK, res.all
    assert got == expected


# --- case 1: a rerun that fails to write deletes the last good outputs -------------------------


@pytest.mark.parametrize("way", WAYS)
def test_case1_rerun_that_cannot_write_keeps_old_outputs(tmp_path, monkeypatch, way):
    write_way(monkeypatch, way)
    inp, out, made = _first_run(tmp_path)
    before = snapshot(out / "sub")
    config = config_with_rule(tmp_path / "rules.yaml")  # a changed ruleset: every file is cleaned again
    real_open = os.open

    def full_disk(path, flags, *a, **k):  # no new file can be created in out/sub: the disk is full
        temporary = flags & os.O_CREAT and Path(os.fsdecode(path)).name.startswith(".")
        if under(path, out / "sub") and (temporary or anonymous(flags)):
            raise oserror(ENOSPC, path)
        return real_open(path, flags, *a, **k)

    monkeypatch.setattr(os, "open", full_disk)
    res = run(inp, out, "--config", config)
    monkeypatch.setattr(os, "open", real_open)
    no_traceback(res)
    assert res.rc == EXIT_FAILED, res.all
    assert "No space left on device" in res.err
    after = snapshot(out / "sub")
    lost = sorted(k for k in before if k.endswith((".txt", ".diff")) and after.get(k) != before[k])
    assert not lost, f"good outputs lost or changed by a failed rerun: {lost}"
    _assert_restores(out, tmp_path / "r", made)


def _mount_tmpfs(where: Path, size: str) -> bool:
    where.mkdir()
    try:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
            check=False,
            capture_output=True,
        )
    except OSError:
        return False
    return done.returncode == 0


def _fill(where: Path, leave: int) -> None:
    st = os.statvfs(where)
    free = st.f_bavail * st.f_frsize
    with open(where / "filler", "wb") as fh:
        fh.write(b"\0" * max(0, free - leave))


def test_case1_real_full_tmpfs_keeps_old_outputs(tmp_path):
    if os.geteuid() != 0:
        pytest.skip(
            "needs root to mount a small tmpfs; test_case1_rerun_that_cannot_write_keeps_old_outputs "
            "injects ENOSPC instead"
        )
    mnt = tmp_path / "mnt"
    if not _mount_tmpfs(mnt, "2m"):
        pytest.skip(
            "cannot mount a tmpfs here (container without CAP_SYS_ADMIN?); the injected variant covers case 1"
        )
    try:
        inp, out = tmp_path / "in", mnt / "o"
        made = make_inputs(inp, [f"d{i // 10}/f{i}.txt" for i in range(60)])
        first = run(inp, out)
        assert first.rc == EXIT_OK, first.all
        before = snapshot(out)
        _fill(mnt, leave=24 * 1024)
        res = run(inp, out, "--config", config_with_rule(tmp_path / "rules.yaml"))
        no_traceback(res)
        assert res.rc == EXIT_FAILED, res.all
        after = snapshot(out)
        lost = sorted(
            k for k in before if k.endswith((".txt", ".diff")) and not k.startswith(".") and k not in after
        )
        assert not lost, f"{len(lost)} good outputs lost on a full disk, e.g. {lost[:3]}"
        (mnt / "filler").unlink()
        _assert_restores(out, tmp_path / "r", made)
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False, capture_output=True)


# --- case 2: an input folder that cannot be read counts as "gone" -----------------------------


def _prune_with_locked(tmp_path: Path) -> tuple[Path, Path, dict[str, bytes]]:
    inp, out = tmp_path / "in", tmp_path / "o"
    made = make_inputs(inp, ["locked/a.txt", "locked/b.txt", "open/c.txt"])
    assert run(inp, out).rc == EXIT_OK
    return inp, out, made


def _assert_locked_outputs_kept(out: Path, before: dict[str, bytes]) -> None:
    after = snapshot(out)
    lost = sorted(k for k in before if k.startswith("locked/") and k not in after)
    assert not lost, f"--prune deleted the outputs of inputs it could not read: {lost}"


def test_case2_unreadable_folder_is_not_gone_injected(tmp_path, monkeypatch):
    inp, out, _ = _prune_with_locked(tmp_path)
    before = snapshot(out)
    real_scandir = os.scandir

    def locked(path=".", *a):  # what a folder without read permission gives a non-root user
        if os.path.basename(os.fsdecode(path)) == "locked":
            raise oserror(13, path)
        return real_scandir(path, *a)

    monkeypatch.setattr(os, "scandir", locked)
    res = run(inp, out, "--prune")
    monkeypatch.setattr(os, "scandir", real_scandir)
    no_traceback(res)
    _assert_locked_outputs_kept(out, before)
    assert res.rc == EXIT_FAILED and "locked" in res.err, res.all


def test_case2_unreadable_folder_is_not_gone_setpriv(tmp_path):
    if not shutil.which("setpriv"):
        pytest.skip("setpriv not installed; the injected variant covers case 2")
    inp, out, _ = _prune_with_locked(tmp_path)
    before = snapshot(out)
    (inp / "locked").chmod(0)
    prefix = ("setpriv", "--bounding-set=-dac_override,-dac_read_search") if os.geteuid() == 0 else ()
    try:
        res = bc_proc(
            "run",
            inp,
            "--out",
            out,
            "--prune",
            "--no-progress",
            "--workers",
            "1",
            "--no-prefect",
            prefix=prefix,
        )
    finally:
        (inp / "locked").chmod(0o755)
    if prefix and "setpriv" in res.stderr and "Traceback" not in res.stderr:
        pytest.skip(f"setpriv cannot drop capabilities here: {res.stderr.strip()}")
    no_traceback(res)
    _assert_locked_outputs_kept(out, before)
    assert res.returncode == EXIT_FAILED and "locked" in res.stderr, res.stderr


def _beyond_path_max(root: Path) -> str:
    """A file whose path is longer than PATH_MAX (made a folder at a time, relative to an open folder)."""
    fd = os.open(root, os.O_RDONLY)
    name = "n" * 200
    rel = []
    try:
        for _ in range(4200 // 201 + 1):
            os.mkdir(name, dir_fd=fd)
            nxt = os.open(name, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = nxt
            rel.append(name)
        f = os.open("long.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(f, ARTICLE.format(n=9).encode())
        os.close(f)
    finally:
        os.close(fd)
    return "/".join([*rel, "long.txt"])


def test_case2_input_beyond_path_max_is_reported_not_skipped(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "o"
    make_inputs(inp, ["short.txt"])
    try:
        _beyond_path_max(inp)
        res = run(inp, out)
        no_traceback(res)
        assert (out / "short.txt").exists()
        assert res.rc == EXIT_FAILED and "long.txt" in res.err, (
            f"a too-long input path went unreported:\n{res.err}"
        )
    finally:
        subprocess.run(["rm", "-rf", str(inp)], check=False)  # rm copes with paths beyond PATH_MAX


# --- case 3: one damaged history.jsonl line breaks every later run ----------------------------


def _history(out: Path) -> Path:
    return out / ".boilerclean" / "history.jsonl"


def _valid_history_lines(out: Path) -> list[dict]:
    import json

    good = []
    for line in _history(out).read_bytes().split(b"\n"):
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict):
            good.append(entry)
    return good


def _damage_history(out: Path, kind: str) -> None:
    import json

    path = _history(out)
    if kind == "non-utf8":
        path.write_bytes(path.read_bytes() + b'{"by_rule": {}, "note": "caf\xe9 \xff\xfe"}\n')
    elif kind == "wrong-types":
        entry = _valid_history_lines(out)[-1]
        entry.update(files="many", by_rule={r: "lots" for r in entry["by_rule"]} or {"ad marker": "lots"})
        path.write_bytes(path.read_bytes() + (json.dumps(entry) + "\n").encode())
    else:  # truncated: a run killed mid-append
        path.write_bytes(path.read_bytes() + b'{"by_rule": {"ad marker": 3}, "fi')


@pytest.mark.parametrize("kind", ["non-utf8", "wrong-types", "truncated"])
def test_case3_damaged_history_line_is_skipped(tmp_path, kind):
    inp, out, made = _first_run(tmp_path)
    for _ in range(2):  # enough past runs under this ruleset for the alert check to read them
        (inp / "top.txt").write_bytes(made["top.txt"] + b"x\n")
        assert run(inp, out).rc == EXIT_OK
        (inp / "top.txt").write_bytes(made["top.txt"])
        assert run(inp, out).rc == EXIT_OK
    _damage_history(out, kind)
    entries = len(_valid_history_lines(out))
    (inp / "top.txt").write_bytes(made["top.txt"] + b"changed\n")
    res = run(inp, out)
    no_traceback(res)
    assert res.rc == EXIT_OK, res.all
    assert len(_valid_history_lines(out)) == entries + 1, "the run's history entry was lost"
    summary = (out / "summary.json").read_text()
    assert "top.txt" in summary and '"changed": 1' in summary, "summary.json is stale"
    hist = bc("history", out)
    no_traceback(hist)
    assert hist.rc == EXIT_OK, hist.all


# --- case 4: --prune deletes a live input's outputs -------------------------------------------

PAGE = (
    "<html><head><title>Harbour towns rebuild their sea walls</title></head><body><article>"
    "<h1>Harbour towns rebuild their sea walls</h1>"
    + "".join(
        f"<p>The council approved the new sea wall on day {i} after a long debate about its cost and the "
        "engineers' warnings that the old wall cannot survive another winter of storms.</p>"
        for i in range(8)
    )
    + "</article></body></html>"
)


def test_case4_prune_keeps_outputs_of_a_live_input(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "o"
    make_inputs(inp, ["x.txt", "y.txt"])
    assert run(inp, out).rc == EXIT_OK
    (inp / "x.txt").unlink()
    (inp / "x.html").write_text(PAGE, encoding="utf-8")
    assert run(inp, out).rc == EXIT_OK
    before = snapshot(out)
    res = run(inp, out, "--prune")
    no_traceback(res)
    assert res.rc == EXIT_OK, res.all
    res, got = restore_to(out, tmp_path / "r")
    assert res.rc == EXIT_OK, (
        f"x.html's outputs were pruned: {res.err}\nbefore: {sorted(before)}\nafter: {sorted(snapshot(out))}"
    )
    assert "x.html.extracted.txt" in got


# --- case 5: the temporary-file sweep deletes other people's files ----------------------------


def test_case5_sweep_keeps_a_users_tmp_file(tmp_path):
    inp, out, _ = _first_run(tmp_path)
    mine = out / "notes" / ".chapter1.autosave.tmp"
    mine.parent.mkdir()
    mine.write_bytes(b"three hours of writing\n")
    res = run(inp, out)
    no_traceback(res)
    assert res.rc == EXIT_OK
    assert mine.exists() and mine.read_bytes() == b"three hours of writing\n", (
        "the sweep deleted a user's file"
    )


def test_case5_sweep_keeps_live_temps_of_a_run_into_a_subfolder(tmp_path, monkeypatch):
    inp, out = tmp_path / "in", tmp_path / "o"
    make_inputs(inp, ["b.txt"])
    inner_in = tmp_path / "in2"
    made = make_inputs(inner_in, [f"s{i}.txt" for i in range(5)])
    real_replace = os.replace
    other: list[subprocess.CompletedProcess] = []

    def replace(src, dst, *a, **k):  # the first time the inner run puts a file in place, the outer run starts
        if not other and under(dst, out / "sub"):
            other.append(bc_proc("run", inp, "--out", out, "--no-progress", "--workers", "1", "--no-prefect"))
        return real_replace(src, dst, *a, **k)

    monkeypatch.setattr(os, "replace", replace)
    res = run(inner_in, out / "sub")
    monkeypatch.setattr(os, "replace", real_replace)
    assert other and other[0].returncode == EXIT_OK, other and other[0].stderr
    no_traceback(res)
    assert res.rc == EXIT_OK, f"the inner run lost files to the outer run's sweep:\n{res.err}"
    _assert_restores(out / "sub", tmp_path / "r", made)


# --- case 6: restore --to inside the output folder overwrites cleaned outputs -----------------


def test_case6_restore_into_the_output_folder_is_refused(tmp_path):
    _, out, _ = _first_run(tmp_path)
    before = snapshot(out)
    res, _ = restore_to(out, out / "sub")
    no_traceback(res)
    assert res.rc == EXIT_USAGE, res.all
    assert str(out / "sub") in res.err or "sub" in res.err
    assert snapshot(out) == before, "restore changed the output folder"
