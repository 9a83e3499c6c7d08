"""Crash safety of writes: every write goes through atomic_write, which leaves the old file or the new one, never half."""

from __future__ import annotations

import ast
import errno
import os
from pathlib import Path

import pytest

import flows.clean_flow as clean_flow_module
from conftest import ROOT
from flows import files
from flows.clean_flow import clean_flow
from flows.files import atomic_write
from relcorpus import BANNER

WRITE_METHODS = {"write_text", "write_bytes", "copyfile", "copy", "copy2", "copytree", "move", "rename", "symlink_to", "hardlink_to"}
SHUTIL_WRITES = {"copyfile", "copy", "copy2", "copytree", "move"}
WRITE_FLAGS = {"O_WRONLY", "O_RDWR", "O_CREAT", "O_APPEND", "O_TRUNC"}


def direct_writes(source: str) -> list[str]:
    """Calls in a module that write a file other than through atomic_write (whose own body is allowed)."""
    tree = ast.parse(source)
    allowed = {id(n) for f in ast.walk(tree) if isinstance(f, ast.FunctionDef) and f.name == "atomic_write" for n in ast.walk(f)}
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or id(node) in allowed:
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        modes = [a.value for a in node.args[1:2] + [k.value for k in node.keywords if k.arg == "mode"] if isinstance(a, ast.Constant) and isinstance(a.value, str)]
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


def test_no_direct_writes_in_the_package():
    offenders = {}
    for path in sorted((ROOT / "cleaners").rglob("*.py")) + sorted((ROOT / "flows").rglob("*.py")):
        found = direct_writes(path.read_text(encoding="utf-8"))
        if found:
            offenders[str(path.relative_to(ROOT))] = found
    assert offenders == {}, f"write through flows.files.atomic_write instead: {offenders}"


def test_the_scan_finds_direct_writes():
    # The check above must be able to fail.
    src = "from pathlib import Path\nPath('x').write_text('y')\nopen('z', 'w')\nimport os\nos.open('q', os.O_WRONLY | os.O_CREAT)\nopen('r')\n"
    src += "import shutil, copy\nshutil.copy('a', 'b')\ncopy.copy({})\n{}.copy()\n"
    assert direct_writes(src) == ["line 2: .write_text()", "line 3: open(mode='w')", "line 5: os.open(O_CREAT, O_WRONLY)", "line 8: .copy()"]


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
    real_fdopen = os.fdopen

    class HalfWriter:
        """Writes half the payload to the temp file, then fails as a full disk does."""

        def __init__(self, fh):
            self.fh = fh

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()

        def write(self, data):
            self.fh.write(data[: len(data) // 2])
            self.fh.flush()
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.os, "fdopen", lambda fd, mode: HalfWriter(real_fdopen(fd, mode)))
    with pytest.raises(OSError, match="No space left"):
        atomic_write(target, "x" * 100_000)
    monkeypatch.undo()
    assert target.read_text() == "old complete content\n"
    assert _leftovers(tmp_path) == []


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
    assert not (tmp_path / "out" / "a.txt").is_symlink() and (tmp_path / "out" / "a.txt").read_text() == "cleaned\n"


def test_a_failed_write_fails_that_file_only(tmp_path, monkeypatch):
    src = tmp_path / "in"
    src.mkdir()
    for name in ("a", "b", "c"):
        (src / f"{name}.txt").write_text(f"{BANNER}\nline of {name}\n")
    real = clean_flow_module.atomic_write

    def flaky(path, data):
        if Path(path).name == "b.diff":
            raise OSError(errno.ENOSPC, "No space left on device")
        real(path, data)

    monkeypatch.setattr(clean_flow_module, "atomic_write", flaky)
    summary = clean_flow.fn(paths=[str(src)], out=str(tmp_path / "out"))
    recs = {r["input"]: r for r in summary["file_records"]}
    assert "No space left on device" in recs["b.txt"]["error"]
    assert recs["a.txt"]["error"] is None and recs["c.txt"]["error"] is None
    # The report is written last: without one, b's outputs are known to be incomplete.
    assert not (tmp_path / "out" / "b.report.json").exists()
    assert (tmp_path / "out" / "c.report.json").exists()
