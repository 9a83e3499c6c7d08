"""Crash safety of writes: every write goes through atomic_write or a batch's OutputBatch, which leave
the old file or the new one, never half."""

from __future__ import annotations

import ast
import errno
import json
import os
import signal
from pathlib import Path

import pytest
from bchelp import WAYS, run_script, write_way
from conftest import ROOT, records_files, report_of
from relcorpus import BANNER

from flows.outputs import atomic as files
from flows.outputs.atomic import atomic_write
from flows.outputs.manifest import STRAY_TEMP
from flows.run.prefect_flow import clean_flow

WRITE_METHODS = {
    "write_text",
    "write_bytes",
    "copyfile",
    "copy",
    "copy2",
    "copytree",
    "move",
    "rename",
    "symlink_to",
    "hardlink_to",
}
SHUTIL_WRITES = {"copyfile", "copy", "copy2", "copytree", "move"}
WRITE_FLAGS = {"O_WRONLY", "O_RDWR", "O_CREAT", "O_APPEND", "O_TRUNC"}


def direct_writes(source: str, writers: tuple[str, ...] = ("atomic_write",)) -> list[str]:
    """Calls in a module that write a file other than through atomic_write (`writers`' bodies allowed)."""
    tree = ast.parse(source)
    allowed = {
        id(n)
        for f in ast.walk(tree)
        if isinstance(f, ast.FunctionDef) and f.name in writers
        for n in ast.walk(f)
    }
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or id(node) in allowed:
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        modes = [
            a.value
            for a in node.args[1:2] + [k.value for k in node.keywords if k.arg == "mode"]
            if isinstance(a, ast.Constant) and isinstance(a.value, str)
        ]
        flags = {n.attr for a in node.args[1:2] for n in ast.walk(a) if isinstance(n, ast.Attribute)}
        owner = func.value.id if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) else ""
        if name in SHUTIL_WRITES and owner != "shutil":
            continue  # dict.copy(), copy.copy(): not file writes
        if name in WRITE_METHODS:
            found.append(f"line {node.lineno}: .{name}()")
        elif name in ("open", "fdopen") and any(set(m) & set("wax+") for m in modes):
            found.append(f"line {node.lineno}: {name}(mode={modes[0]!r})")
        elif name == "open" and flags & WRITE_FLAGS:
            found.append(f"line {node.lineno}: os.open({', '.join(sorted(flags & WRITE_FLAGS))})")
    return found


# Writes that are not outputs, each for a reason; any other direct write is a defect.
ALLOWED_DIRECT_WRITES = {
    # an append-only log: one line per run, a torn last line is skipped when read
    # (read and write: the last byte is read to start on a new line after a torn one)
    "flows/schedule/history.py": ["os.open(O_APPEND, O_CREAT, O_RDWR)"],
    # the run lock (a file that is only locked, never written); the manifest itself is SQLite with
    # transactions
    "flows/outputs/manifest.py": ["os.open(O_CREAT, O_RDWR)"],
    # the Prefect server's log that `serve` appends to
    "flows/schedule/server.py": ["open(mode='ab')"],
    # a batch's claim (its records file's name, a line per attempt): a torn line names no records file and
    # is skipped; it is checked before it is believed, and deleted when the run has the batch's result
    "flows/run/lost.py": ["open(mode='a')"],
    # a pool job's result handed back to the run: a new file (mkstemp), never an output, read once and
    # deleted; one cut short fails to unpickle and the batch is read back from its claim (lost_batch)
    "flows/run/handback.py": ["fdopen(mode='wb')"],
    # /dev/null made stdout after a closed pipe (`boilerclean held DIR | head`), so exit is quiet
    "flows/cli/__init__.py": ["os.open(O_WRONLY)"],
}


def test_no_direct_writes_in_the_package():
    offenders = {}
    for path in sorted((ROOT / "cleaners").rglob("*.py")) + sorted((ROOT / "flows").rglob("*.py")):
        rel = str(path.relative_to(ROOT))
        allowed = ALLOWED_DIRECT_WRITES.get(rel, [])
        # flows/outputs/atomic.py's temporary files are where atomic_write and OutputBatch write (then
        # rename).
        writers = ("atomic_write", "_create_temp") if rel == "flows/outputs/atomic.py" else ("atomic_write",)
        found = [
            f
            for f in direct_writes(path.read_text(encoding="utf-8"), writers)
            if f.split(": ", 1)[1] not in allowed
        ]
        if found:
            offenders[rel] = found
    assert offenders == {}, f"write through flows.outputs.atomic.atomic_write instead: {offenders}"


def test_the_scan_finds_direct_writes():
    # The check above must be able to fail.
    src = (
        "from pathlib import Path\nPath('x').write_text('y')\nopen('z', 'w')\nimport os\n"
        "os.open('q', os.O_WRONLY | os.O_CREAT)\nopen('r')\n"
    )
    src += "import shutil, copy\nshutil.copy('a', 'b')\ncopy.copy({})\n{}.copy()\n"
    assert direct_writes(src) == [
        "line 2: .write_text()",
        "line 3: open(mode='w')",
        "line 5: os.open(O_CREAT, O_WRONLY)",
        "line 8: .copy()",
    ]
    # A writer's body is allowed only when named as one.
    src = "def _temp_file(p):\n    return open(p, 'wb')\n"
    assert direct_writes(src) == ["line 2: open(mode='wb')"] and direct_writes(src, ("_temp_file",)) == []


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.mark.parametrize("where", ["os.replace", "os.fsync"])
def test_failure_before_the_rename_keeps_the_old_file(tmp_path, monkeypatch, where):
    target = tmp_path / "out.txt"
    target.write_text("old complete content\n")

    def fail(*args, **kwargs):
        raise OSError(errno.EIO, f"simulated failure in {where}")

    monkeypatch.setattr(os, where.split(".")[1], fail)
    with pytest.raises(OSError, match="simulated failure"):
        atomic_write(target, "new content\n")
    monkeypatch.undo()
    assert target.read_text() == "old complete content\n"
    assert _leftovers(tmp_path) == []


def test_disk_full_half_way_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "out.txt"
    target.write_text("old complete content\n")
    real_write = os.write

    def half_then_full(fd, data):
        """Writes half the payload to the temp file, then fails as a full disk does."""
        real_write(fd, data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.os, "write", half_then_full)
    with pytest.raises(OSError, match="No space left"):
        atomic_write(target, "x" * 100_000)
    monkeypatch.undo()
    assert target.read_text() == "old complete content\n"
    assert _leftovers(tmp_path) == []


def test_short_writes_are_continued_until_the_whole_output_is_written(tmp_path, monkeypatch):
    # os.write may write part of a buffer (a signal, a pipe, a network file system): nothing may be lost.
    real_write = os.write
    monkeypatch.setattr(files.os, "write", lambda fd, data: real_write(fd, bytes(data[:7])))
    payload = "".join(f"line {i}\n" for i in range(1000))
    atomic_write(tmp_path / "out.txt", payload)
    batch = files.OutputBatch()
    batch.write("k", tmp_path / "batch.txt", payload)
    assert batch.commit() == {}
    monkeypatch.undo()
    assert (tmp_path / "out.txt").read_text() == payload == (tmp_path / "batch.txt").read_text()


def test_interrupt_during_the_rename_leaves_no_temp_file(tmp_path, monkeypatch):
    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(tmp_path / "new.txt", "data")
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []


def test_a_link_at_the_destination_is_replaced_not_written_through(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("must not change\n")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "a.txt").symlink_to(outside)
    atomic_write(tmp_path / "out" / "a.txt", "cleaned\n")
    assert outside.read_text() == "must not change\n"
    assert (
        not (tmp_path / "out" / "a.txt").is_symlink()
        and (tmp_path / "out" / "a.txt").read_text() == "cleaned\n"
    )


def _inputs(src: Path, n: int = 3) -> list[str]:
    src.mkdir(parents=True, exist_ok=True)
    names = [chr(ord("a") + i) for i in range(n)]
    for name in names:
        (src / f"{name}.txt").write_text(f"{BANNER}\nline of {name}\n")
    return names


def _temps(out: Path) -> list[str]:
    return sorted(p.name for p in out.rglob("*") if p.name.endswith(".tmp"))


@pytest.fixture(params=WAYS)
def way(request, monkeypatch):
    """Every test of a failed write here runs both ways (bchelp.WAYS)."""
    write_way(monkeypatch, request.param)
    return request.param


def _placing(monkeypatch, hook) -> None:
    """hook(dst) runs before each rename or link that puts an output in place (a link names its folder by
    descriptor: dst is then the bare name)."""
    real_replace, real_link = os.replace, os.link

    def replace(a, b, *args, **kwargs):
        hook(b)
        return real_replace(a, b, *args, **kwargs)

    def link(a, b, *args, **kwargs):
        hook(b)
        return real_link(a, b, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(os, "link", link)


def test_a_failed_write_fails_that_file_only(tmp_path, monkeypatch, way):
    src = tmp_path / "in"
    _inputs(src)
    real = files.FdWriter.write

    def full_for_b_diff(self, data):
        if bytes(data).startswith(b"--- a/b.txt"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, data)

    monkeypatch.setattr(files.FdWriter, "write", full_for_b_diff)
    summary = clean_flow.fn(paths=[str(src)], out=str(tmp_path / "out"))
    monkeypatch.undo()
    recs = {r["input"]: r for r in summary["file_records"]}
    assert "No space left on device" in recs["b.txt"]["error"]
    assert recs["a.txt"]["error"] is None and recs["c.txt"]["error"] is None
    # Without a report, b's outputs are known to be incomplete; its text written before the failure is
    # gone too.
    assert "records" not in recs["b.txt"] and not (tmp_path / "out" / "b.txt").exists()
    assert report_of(tmp_path / "out", "c")["input"] == "c.txt"
    assert _temps(tmp_path / "out") == []


def test_a_failed_rename_fails_that_file_only(tmp_path, monkeypatch, way):
    src, out = tmp_path / "in", tmp_path / "out"
    _inputs(src)

    def failing_for_b_diff(dst):
        if Path(dst).name == "b.diff":
            raise OSError(errno.EIO, "simulated rename failure")

    _placing(monkeypatch, failing_for_b_diff)
    summary = clean_flow.fn(paths=[str(src)], out=str(out))
    monkeypatch.undo()
    recs = {r["input"]: r for r in summary["file_records"]}
    assert "simulated rename failure" in recs["b.txt"]["error"]
    assert recs["a.txt"]["error"] is None and recs["c.txt"]["error"] is None
    # b's text was renamed before its diff failed; its report must not follow.
    assert "records" not in recs["b.txt"] and not (out / "b.diff").exists()
    assert all((out / f"{n}{ext}").exists() for n in "ac" for ext in (".txt", ".diff"))
    assert [report_of(out, n)["input"] for n in "ac"] == ["a.txt", "c.txt"]
    assert _temps(out) == []


def test_a_failed_sync_fails_the_batch_and_puts_nothing_in_place(tmp_path, monkeypatch):
    from cleaners import load_ruleset
    from flows.inputs.discover import InputFile
    from flows.run.worker import clean_files

    src, out = tmp_path / "in", tmp_path / "out"
    items = [InputFile(str(src / f"{n}.txt"), f"{n}.txt") for n in _inputs(src)]

    def failing_syncfs(fd):
        raise OSError(errno.EIO, "syncfs: Input/output error")

    monkeypatch.setattr(files, "_syncfs", failing_syncfs)
    records = clean_files(items, str(out), load_ruleset())
    monkeypatch.undo()
    assert [("Input/output error" in r["error"], r["sha256"]) for r in records] == [
        (True, None)
    ] * 3  # retried next run
    assert [p for p in out.rglob("*") if p.is_file()] == []  # nothing renamed, no temporary file left


@pytest.mark.parametrize("have_syncfs", [True, False])
def test_one_sync_per_batch(tmp_path, monkeypatch, have_syncfs):
    # With syncfs: one call for the whole batch and one fsync per folder; without: an fsync per output,
    # as atomic_write.
    from cleaners import load_ruleset
    from flows.inputs.discover import InputFile
    from flows.run.worker import clean_files

    src = tmp_path / "in"
    items = [InputFile(str(src / f"{n}.txt"), f"{d}/{n}.txt") for d in ("x", "y") for n in _inputs(src, 5)]
    calls = {"syncfs": 0, "fsync": 0}
    real_fsync = os.fsync

    def counting_fsync(fd):
        calls["fsync"] += 1
        real_fsync(fd)

    def counting_syncfs(fd):
        calls["syncfs"] += 1
        real_fsync(fd)  # stands in for the real one (this machine may have none)

    monkeypatch.setattr(files, "_syncfs", counting_syncfs if have_syncfs else None)
    monkeypatch.setattr(os, "fsync", counting_fsync)
    records = clean_files(items, str(tmp_path / "out"), load_ruleset())
    monkeypatch.undo()
    assert [r["error"] for r in records] == [None] * 10
    # Three folders: x, y and removals (the batch's one records file).
    assert calls == ({"syncfs": 1, "fsync": 3} if have_syncfs else {"syncfs": 0, "fsync": 21 + 3})
    assert (tmp_path / "out" / "y" / "e.txt").read_text() == "line of e\n"


def _flushed_run(tmp_path: Path, monkeypatch, syncfs) -> list[dict]:
    """clean_files over a batch big enough for flush_soon, with `syncfs` for atomic's; waits for the flush."""
    import threading

    from cleaners import load_ruleset
    from flows.inputs.discover import InputFile
    from flows.run import worker

    src = tmp_path / "in"
    src.mkdir()
    n = worker.FLUSH_SOON_FILES
    for i in range(n):
        (src / f"f{i}.txt").write_text(f"{BANNER}\nline of f{i}\n")
    items = [InputFile(str(src / f"f{i}.txt"), f"f{i}.txt") for i in range(n)]
    monkeypatch.setattr(files, "_syncfs", syncfs)
    records = worker.clean_files(items, str(tmp_path / "out"), load_ruleset())
    for thread in threading.enumerate():
        if thread.name == "flush-soon":
            thread.join()
    monkeypatch.undo()
    return records


def test_a_big_batch_starts_its_sync_half_way(tmp_path, monkeypatch):
    # One more syncfs, in a thread, once half the batch is written: a head start for the commit's own.
    calls = []

    def counting_syncfs(fd):
        calls.append(fd)
        os.fsync(fd)

    records = _flushed_run(tmp_path, monkeypatch, counting_syncfs)
    assert [r["error"] for r in records] == [None] * len(records)
    assert len(calls) == 2
    assert (tmp_path / "out" / "f1.txt").read_text() == "line of f1\n"


def test_a_failed_head_start_changes_nothing(tmp_path, monkeypatch):
    # Only the commit's sync says what is durable: the head start's error is not a file's.
    import threading

    calls = []

    def head_start_fails(fd):
        calls.append(fd)
        if threading.current_thread().name == "flush-soon":
            raise OSError(errno.EIO, "syncfs: Input/output error")
        os.fsync(fd)

    records = _flushed_run(tmp_path, monkeypatch, head_start_fails)
    assert len(calls) == 2 and [r["error"] for r in records] == [None] * len(records)
    assert sorted(p.name for p in (tmp_path / "out").glob("*.txt"))[:2] == ["f0.txt", "f1.txt"]


def _run_outputs(out: Path) -> dict[str, bytes]:
    """The per-file outputs (text, diff; and each report, from the batch records files), by name."""
    found = {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.name.endswith((".txt", ".diff"))
    }
    for records in records_files(out):
        for line in records.read_bytes().splitlines():
            found[json.loads(line)["input"][: -len(".txt")] + " report"] = line
    return found


def _assert_reports_complete(out: Path, reference: Path) -> int:
    """Every report present has its text and diff beside it, as an uninterrupted run wrote them; returns how
    many."""
    got, want = _run_outputs(out), _run_outputs(reference)
    reports = [name for name in got if name.endswith(" report")]
    for report in reports:
        stem = report[: -len(" report")]
        for name in (report, f"{stem}.txt", f"{stem}.diff"):
            assert got.get(name) == want[name], f"{report} is present but {name} is missing or incomplete"
    return len(reports)


# Ten files in batches of four; the run is stopped just before the second batch's records file is
# renamed (or linked) in place: that batch's texts and diffs are in place, its reports not; the first
# batch's all are. argv[3]: "named" to write through temporary names.
STOP_BETWEEN_PHASES = """
import os, signal, sys
import flows.run.prefect_flow as cf, flows.run.pipeline, flows.outputs.atomic
flows.run.pipeline.BATCH_SIZE = 4
flows.outputs.atomic.ANONYMOUS &= sys.argv[3] == "anonymous"
renamed = []
def stopping(real):
    def put(src, dst, *args, **kwargs):
        if str(dst).endswith(".jsonl"):
            renamed.append(dst)
            if len(renamed) == 2:
                {stop}
        return real(src, dst, *args, **kwargs)
    return put
os.replace, os.link = stopping(os.replace), stopping(os.link)
cf.clean_flow.fn([sys.argv[1]], sys.argv[2], workers=1)
"""


@pytest.mark.slow
def test_interrupted_between_rename_phases(tmp_path, way):
    from test_incremental import output_tree

    src, out, reference = tmp_path / "in", tmp_path / "out", tmp_path / "reference"
    _inputs(src, 10)
    clean_flow.fn([str(src)], str(reference))
    script = STOP_BETWEEN_PHASES.format(stop="raise KeyboardInterrupt")
    proc = run_script(script, src, out, way)
    assert b"KeyboardInterrupt" in proc.stderr and not (out / "summary.json").exists()
    assert _assert_reports_complete(out, reference) == 4
    assert (out / "h.txt").exists()  # renamed before the interruption; its report is not
    # An interrupted batch removes its own temporary files.
    assert _temps(out) == []
    clean_flow.fn([str(src)], str(out))
    assert output_tree(out) == output_tree(reference)


@pytest.mark.slow
def test_killed_between_rename_phases_then_rerun(tmp_path, way):
    from test_incremental import output_tree

    src, out, reference = tmp_path / "in", tmp_path / "out", tmp_path / "reference"
    _inputs(src, 10)
    clean_flow.fn([str(src)], str(reference))
    script = STOP_BETWEEN_PHASES.format(stop="os.kill(os.getpid(), signal.SIGKILL)")
    proc = run_script(script, src, out, way)
    assert proc.returncode == -signal.SIGKILL
    assert _assert_reports_complete(out, reference) == 4
    # A kill leaves the reports not yet in place as hidden temporary files, never under an output's name;
    # anonymous files leave nothing (the kernel frees a file no name links to).
    if way == "named":
        assert _temps(out) and all(name.startswith(".") and STRAY_TEMP.match(name) for name in _temps(out))
    else:
        assert _temps(out) == []
    assert not [
        p.name
        for p in out.rglob("*")
        if p.is_file()
        and not p.name.startswith(".")
        and ".boilerclean" not in p.parts
        and not p.name.endswith((".txt", ".diff", ".jsonl"))
    ]
    summary = clean_flow.fn([str(src)], str(out))
    assert _temps(out) == [] and summary["run"]["new"] + summary["run"]["unchanged"] == 10
    assert output_tree(out) == output_tree(reference)


def test_interrupted_while_cleaning_leaves_no_temporary_files(tmp_path, monkeypatch):
    import flows.run.worker as cleaning

    src, out = tmp_path / "in", tmp_path / "out"
    _inputs(src)
    real, seen = cleaning.clean_text, []

    def interrupted_on_c(text, *args, **kwargs):
        seen.append(text)
        if len(seen) == 3:  # a and b are written to temporary files by now, not yet in place
            raise KeyboardInterrupt
        return real(text, *args, **kwargs)

    monkeypatch.setattr(cleaning, "clean_text", interrupted_on_c)
    with pytest.raises(KeyboardInterrupt):
        clean_flow.fn(paths=[str(src)], out=str(out))
    monkeypatch.undo()
    assert _temps(out) == [] and not (out / "a.txt").exists()


def test_text_written_in_pieces_keeps_its_order(monkeypatch):
    import io

    monkeypatch.setattr(files, "WRITE_CHUNK", 8)
    pieces = ["ab", "c", "defghijklmnop", "q", "é" * 9, "", "r", "stuvwxyz", "中文"]
    fh = io.BytesIO()
    files.write_text_chunks(fh, iter(pieces))
    assert fh.getvalue() == "".join(pieces).encode("utf-8")


def test_a_failed_records_file_fails_its_whole_batch_and_keeps_the_old_outputs(tmp_path, monkeypatch, way):
    # The batch's records file holds every report of the batch: when it cannot be put in place, no file
    # of the batch is (the texts renamed before it go back), and the last run's outputs stay.
    src, out = tmp_path / "in", tmp_path / "out"
    _inputs(src)
    clean_flow.fn(paths=[str(src)], out=str(out))
    before = _run_outputs(out)
    for name in ("a", "b", "c"):
        (src / f"{name}.txt").write_text(f"{BANNER}\nline of {name}, changed\n")

    def failing_for_records(dst):
        if str(dst).endswith(".jsonl"):
            raise OSError(errno.EIO, "simulated rename failure")

    _placing(monkeypatch, failing_for_records)
    summary = clean_flow.fn(paths=[str(src)], out=str(out))
    monkeypatch.undo()
    assert all("simulated rename failure" in r["error"] for r in summary["file_records"])
    assert _run_outputs(out) == before and _temps(out) == []
    again = clean_flow.fn(paths=[str(src)], out=str(out))  # retried, and now in place
    assert again["failed"] == 0 and "changed" in (out / "b.txt").read_text()


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


needs_anonymous = pytest.mark.skipif(not files.ANONYMOUS, reason="no O_TMPFILE or /proc on this system")


@needs_anonymous
def test_outputs_are_anonymous_files_linked_in_place(tmp_path, monkeypatch):
    # No temporary name is ever created: each output is written unnamed and linked under its name at commit.
    def no_temp_name(folder, name):
        raise AssertionError(f"a temporary name for {name}")

    monkeypatch.setattr(files, "_create_temp", no_temp_name)
    fds = _open_fds()
    batch = files.OutputBatch()
    for key in "abc":
        batch.write(key, tmp_path / "sub" / f"{key}.txt", f"text of {key}\n")
        with batch.open(key, tmp_path / "sub" / f"{key}.diff") as fh:
            fh.write(f"diff of {key}\n".encode())
    assert _open_fds() == fds + 6 and list((tmp_path / "sub").iterdir()) == []  # nothing named before commit
    assert batch.commit() == {}
    assert _open_fds() == fds
    assert sorted(p.name for p in (tmp_path / "sub").iterdir()) == [
        f"{k}{ext}" for k in "abc" for ext in (".diff", ".txt")
    ]
    assert (tmp_path / "sub" / "b.txt").read_text() == "text of b\n"
    assert (tmp_path / "sub" / "c.diff").read_text() == "diff of c\n"
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "sub" / "a.txt").stat().st_mode & 0o777 == 0o666 & ~umask


@pytest.mark.parametrize("code", [errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL])
def test_without_anonymous_files_outputs_take_temporary_names(tmp_path, monkeypatch, code):
    # A file system without O_TMPFILE (EOPNOTSUPP), or a kernel before 3.11 (EISDIR, EINVAL): asked once per
    # folder, then every output of the batch there goes through a temporary name.
    real_open, asked, named = os.open, [], []
    real_create = files._create_temp

    def no_tmpfile(path, flags, *args, **kwargs):
        if flags & files._ANON_FLAGS == files._ANON_FLAGS:
            asked.append(path)
            raise OSError(code, os.strerror(code))
        return real_open(path, flags, *args, **kwargs)

    def counted(folder, name):
        named.append(name)
        return real_create(folder, name)

    monkeypatch.setattr(files, "ANONYMOUS", True)
    monkeypatch.setattr(os, "open", no_tmpfile)
    monkeypatch.setattr(files, "_create_temp", counted)
    batch = files.OutputBatch()
    for key in "abc":
        batch.write(key, tmp_path / f"{key}.txt", f"text of {key}\n")
    assert batch.commit() == {}
    monkeypatch.undo()
    assert asked == [str(tmp_path)] and named == ["a.txt", "b.txt", "c.txt"]
    assert [(tmp_path / f"{k}.txt").read_text() for k in "abc"] == [f"text of {k}\n" for k in "abc"]
    assert _leftovers(tmp_path) == []


@needs_anonymous
def test_a_batch_holds_at_most_its_share_of_open_files(tmp_path, monkeypatch):
    # Past HELD_FDS_MAX anonymous files open, a batch's further outputs take temporary names (closed at once).
    monkeypatch.setattr(files, "HELD_FDS_MAX", 2)
    fds = _open_fds()
    batch = files.OutputBatch()
    for key in "abcde":
        batch.write(key, tmp_path / f"{key}.txt", f"text of {key}\n")
    assert _open_fds() == fds + 2 and len(_leftovers(tmp_path)) == 3
    batch.discard("a")  # its descriptor is closed: one more may be held
    batch.write("f", tmp_path / "f.txt", "text of f\n")
    assert _open_fds() == fds + 2 and len(_leftovers(tmp_path)) == 3
    assert batch.commit() == {} and _open_fds() == fds
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{k}.txt" for k in "bcdef"]
    assert (tmp_path / "e.txt").read_text() == "text of e\n"


@needs_anonymous
def test_another_error_making_an_anonymous_file_is_that_outputs_failure(tmp_path, monkeypatch):
    real_open = os.open

    def full(path, flags, *args, **kwargs):
        if flags & files._ANON_FLAGS == files._ANON_FLAGS:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", full)
    batch = files.OutputBatch()
    with pytest.raises(OSError, match="No space left"):
        batch.write("a", tmp_path / "a.txt", "text\n")
    monkeypatch.undo()
    batch.write("b", tmp_path / "b.txt", "text of b\n")  # the folder still takes anonymous files
    assert batch.commit() == {} and sorted(p.name for p in tmp_path.iterdir()) == ["b.txt"]


@needs_anonymous
def test_an_anonymous_output_replaces_an_old_one_and_a_failed_key_gets_it_back(tmp_path, monkeypatch):
    for name in ("a.txt", "b.txt", "b.diff"):
        (tmp_path / name).write_text(f"old {name}\n")
    fds = _open_fds()
    batch = files.OutputBatch()
    for key in "ab":
        batch.write(key, tmp_path / f"{key}.txt", f"new {key}.txt\n")
        batch.write(key, tmp_path / f"{key}.diff", f"new {key}.diff\n")

    def failing_for_b_diff(dst):
        if Path(dst).name == "b.diff":
            raise OSError(errno.EIO, "simulated rename failure")

    _placing(monkeypatch, failing_for_b_diff)
    failed = batch.commit()
    monkeypatch.undo()
    assert list(failed) == ["b"] and _open_fds() == fds and _leftovers(tmp_path) == []
    # a's are new (a.txt over its old file, a.diff linked new); b keeps its old outputs.
    got = {p.name: p.read_text() for p in tmp_path.iterdir()}
    assert got == {
        "a.txt": "new a.txt\n",
        "a.diff": "new a.diff\n",
        "b.txt": "old b.txt\n",
        "b.diff": "old b.diff\n",
    }


@needs_anonymous
def test_a_failed_sync_leaves_no_anonymous_file_open(tmp_path, monkeypatch):
    def failing_syncfs(fd):
        raise OSError(errno.EIO, "syncfs: Input/output error")

    monkeypatch.setattr(files, "_syncfs", failing_syncfs)
    fds = _open_fds()
    batch = files.OutputBatch()
    batch.write("a", tmp_path / "a.txt", "text\n")
    assert "Input/output error" in str(batch.commit()["a"])
    assert _open_fds() == fds and list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_prune_after_a_killed_run_sweeps_its_temporary_files_and_no_one_elses(tmp_path, monkeypatch):
    # Every run sweeps (IncrementalRun.open), --prune or not; --prune then deletes a gone input's outputs.
    # Neither touches a user's file, a live writer's temporary file, or a user's page at an output's name.
    import subprocess

    write_way(monkeypatch, "named")
    src, out = tmp_path / "in", tmp_path / "out"
    _inputs(src, 10)
    clean_flow.fn([str(src)], str(out), pages=True)  # a review page per input
    for p in src.glob("*.txt"):
        p.write_text(p.read_text() + "a new last line\n")
    script = STOP_BETWEEN_PHASES.format(stop="os.kill(os.getpid(), signal.SIGKILL)")
    assert run_script(script, src, out, "named").returncode == -signal.SIGKILL
    left = _temps(out)
    assert left  # the killed run's records file, under a temporary name
    dead = subprocess.Popen(["true"])
    dead.wait()
    # A killed run's temporary file in the state folder (the ruleset copy a pool's workers load).
    state_temp = out / ".boilerclean" / f".ruleset-0123456789abcdef.pickle.bc~{dead.pid}~0123456789ab.tmp"
    state_temp.write_bytes(b"half a pickle")
    keep = {
        out / f".j.txt.bc~{os.getpid()}~0123456789ab.tmp": b"a live writer's",  # this process: alive
        out / ".notes.autosave.tmp": b"a user's",
        out / "sub" / f".c.txt.bc~{dead.pid}~not-ours.tmp": b"a user's, not our scheme",
        out / "a.html": b"<!doctype html><title>my notes on a</title>",  # at a.txt's review page name
        out / "b.html": b"<!doctype html><title>mine too</title>",
    }
    (out / "sub").mkdir()
    for path, data in keep.items():
        path.write_bytes(data)
    for name in "abc":
        (src / f"{name}.txt").unlink()
    summary = clean_flow.fn([str(src)], str(out), prune=True)
    # c's page is ours (a.html and b.html are the user's now): it goes with c's outputs.
    assert summary["run"]["pruned_outputs"] == [
        "a.diff",
        "a.txt",
        "b.diff",
        "b.txt",
        "c.diff",
        "c.html",
        "c.txt",
    ]
    assert {p: p.read_bytes() for p in keep} == keep
    assert sorted(_temps(out)) == sorted(p.name for p in keep if p.name.endswith(".tmp"))
    assert not state_temp.exists()
