"""Reliability test helpers: the CLI in-process and in a subprocess, inputs, snapshots, fault injection.

Only `flows.cli.main` is imported from the project: every other module's path may change.
"""

from __future__ import annotations

import contextlib
import errno
import io
import logging
import os
import subprocess
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

from conftest import (  # tests/conftest.py: this checkout first on PYTHONPATH, no Prefect API
    ROOT,
    cli_env,
)

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


@dataclass
class Result:
    rc: int | None
    out: str
    err: str
    tb: str | None  # the traceback if main() raised: a user must never see one

    @property
    def all(self) -> str:
        return self.out + self.err + (self.tb or "")


def bc(*argv: str) -> Result:
    """`boilerclean ARGV` in-process: exit code, stdout, stderr (with log lines), traceback if it raised."""
    from flows.cli import main

    out, err = io.StringIO(), io.StringIO()
    handler = logging.StreamHandler(err)  # pytest's log capture may keep basicConfig from reaching stderr
    logger = logging.getLogger("boilerclean")
    level = logger.level
    logger.setLevel(
        logging.INFO
    )  # what the CLI shows; basicConfig does nothing when pytest holds the root logger
    logger.addHandler(handler)
    tb = None
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                rc = main([str(a) for a in argv])
            except SystemExit as exc:
                rc = exc.code if isinstance(exc.code, int) else 2
            except BaseException:  # noqa: BLE001 - what a user would see as a traceback
                rc, tb = None, traceback.format_exc()
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    return Result(rc, out.getvalue(), err.getvalue(), tb)


def run(inp: Path, out: Path, *extra: str) -> Result:
    return bc("run", inp, "--out", out, "--no-progress", "--workers", "1", "--no-prefect", *extra)


def bc_proc(*argv: str, prefix: tuple[str, ...] = (), timeout: float = 300) -> subprocess.CompletedProcess:
    """`boilerclean ARGV` as `python -m flows.cli` in a subprocess (optionally under e.g. setpriv)."""
    cmd = [*prefix, sys.executable, "-m", "flows.cli", *map(str, argv)]
    return subprocess.run(
        cmd, check=False, capture_output=True, env=cli_env(), cwd=ROOT, timeout=timeout, text=True
    )


def no_traceback(res: Result | subprocess.CompletedProcess) -> None:
    text = res.all if isinstance(res, Result) else res.stdout + res.stderr
    tb = res.tb if isinstance(res, Result) else None
    assert tb is None and "Traceback (most recent call last)" not in text, (
        f"traceback shown to the user:\n{tb or text}"
    )


ARTICLE = (
    "Harbour towns rebuild their sea walls {n}\n\n"
    "The council approved the new sea wall on Tuesday after a long debate about its cost.\n"
    "Engineers say the old wall, built in {n}1, cannot survive another winter of storms.\n"
    "Advertisement\n"
    "Residents have asked for the work to start before the autumn tides arrive.\n"
)


def make_inputs(root: Path, names: list[str]) -> dict[str, bytes]:
    """Write small articles (each with an ad marker the default rules remove); returns {rel: bytes}."""
    made = {}
    for i, name in enumerate(names):
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        data = ARTICLE.format(n=i).encode()
        p.write_bytes(data)
        made[name] = data
    return made


def snapshot(root: Path) -> dict[str, bytes]:
    """Every regular file under root (hidden and state files included), by relative path."""
    files = {}
    for dirpath, _, names in os.walk(root):
        for n in names:
            p = Path(dirpath) / n
            if p.is_file() and not p.is_symlink():
                files[p.relative_to(root).as_posix()] = p.read_bytes()
    return files


def inputs_of(root: Path) -> dict[str, bytes]:
    return {k: v for k, v in snapshot(root).items() if not k.split("/")[-1].startswith(".")}


def restore_to(out: Path, to: Path) -> tuple[Result, dict[str, bytes]]:
    res = bc("restore", out, "--to", to)
    return res, (snapshot(to) if to.exists() else {})


def config_with_rule(path: Path, name: str = "footer", pattern: str = "^Example Daily, since 1901$") -> Path:
    """A user config adding one rule; `name` goes in YAML double quotes (so "\\x1b" escapes work)."""
    # A cleaner the defaults lack says `new: true` (cleaners/settings.py, since issue 16).
    text = (
        f"cleaners:\n  site_footer:\n    new: true\n    rules:\n"
        f"      - name: \"{name}\"\n        pattern: '{pattern}'\n"
    )
    path.write_text(text, encoding="utf-8")
    return path


def oserror(code: int, path: object = None) -> OSError:
    return OSError(code, os.strerror(code), str(path) if path is not None else None)


def under(path: object, root: Path) -> bool:
    try:
        p = os.path.abspath(os.fsdecode(path))
    except TypeError:
        return False
    r = os.path.abspath(root)
    return p == r or p.startswith(r + os.sep)


ENOSPC, EIO, EROFS = errno.ENOSPC, errno.EIO, errno.EROFS
_O_TMPFILE = getattr(os, "O_TMPFILE", 0)


def anonymous(flags: int) -> bool:
    """An os.open that makes an anonymous file (O_TMPFILE, an output before it is linked in place): the path
    it is given is the file's folder, and it needs a free inode as a named file does."""
    return bool(_O_TMPFILE) and flags & _O_TMPFILE == _O_TMPFILE


# An output is written either to an anonymous file (O_TMPFILE) linked in place at commit, or, where there is
# none, to a temporary name renamed in place: tests of a failed write run both ways (parametrize "way").
WAYS = ["anonymous", "named"]


def write_way(monkeypatch, way: str) -> None:
    """Make this process's runs write their outputs `way` (skipped where anonymous files are missing)."""
    import pytest

    from flows.outputs import atomic

    if way == "anonymous" and not atomic.ANONYMOUS:
        pytest.skip("no O_TMPFILE or /proc on this system: outputs take temporary names")
    monkeypatch.setattr(atomic, "ANONYMOUS", way == "anonymous")


def run_script(script: str, src: Path, out: Path, way: str) -> subprocess.CompletedProcess:
    """`python -c script SRC OUT WAY` from the checkout, as the crash tests start a run they stop part-way."""
    cmd = [sys.executable, "-c", script, str(src), str(out), way]
    return subprocess.run(cmd, cwd=ROOT, env=cli_env(), capture_output=True, timeout=300)
