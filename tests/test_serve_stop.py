"""`boilerclean serve` stopped by SIGTERM at the start, middle and end of a flow run, on its own server.

The moment is chosen with the test hook BOILERCLEAN_TEST_HOLD (flows/run/hold.py), which holds the
run at its start or after its first batch. After each stop: exit within 20 s, exit code 0, no
traceback, no process of serve's own left (process listing, the server's included), and no flow
run left Running in the server's database. These are also the tests of serve without PREFECT_API_URL
starting its own server on 127.0.0.1 (its database under PREFECT_HOME) and stopping it, whole process
group and API, last (each costs a server start: a separate test of that alone would be a fourth).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest
from conftest import ROOT, SEEDS, copy_migrated_db, serve_env
from test_serve import wait_for

pytestmark = [pytest.mark.prefect_server, pytest.mark.slow]

STOP_WITHIN = 20.0  # seconds from SIGTERM to exit


# Loaded by every Python process of serve's (PYTHONPATH): serve's flow-run process (spawned by Prefect's
# runner through multiprocessing) takes BC_TEST_SLOW_EXIT seconds to exit, ignoring SIGTERM meanwhile, as one
# can on a loaded machine.
SLOW_EXIT_SITE = r"""
import atexit, os, signal, sys, time

def slow_exit():
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    time.sleep(float(os.environ["BC_TEST_SLOW_EXIT"]))

if "--multiprocessing-fork" in sys.argv and os.environ.get("BC_TEST_SLOW_EXIT"):
    with open(f"/proc/{os.getppid()}/cmdline", "rb") as f:
        if b"\0serve\0" in f.read():
            atexit.register(slow_exit)
"""
# Prefect's runner looks every 3 s whether a process it sent SIGTERM has exited: one that takes 6.5 s ends
# the runner ~9 s after the signal, past the fixed 8 s serve once waited for it.
SLOW_EXIT = 6.5


def start_serve(
    tmp_path: Path, migrated: Path, hold: str, slow_exit: float = 0.0
) -> tuple[subprocess.Popen, Path, Path]:
    """serve without PREFECT_API_URL: it starts its own server (a migrated database halves its start)."""
    inp, out, log = tmp_path / "in", tmp_path / "out", tmp_path / "serve.log"
    shutil.copytree(SEEDS, inp)
    copy_migrated_db(migrated, tmp_path / "home")
    cmd = [sys.executable, "-m", "flows.cli", "serve", str(inp), "--out", str(out), "--interval", "3"]
    env = serve_env(tmp_path / "home", BOILERCLEAN_TEST_HOLD=hold)
    if slow_exit:
        (tmp_path / "site").mkdir()
        (tmp_path / "site" / "sitecustomize.py").write_text(SLOW_EXIT_SITE)
        env.update(
            PYTHONPATH=f"{tmp_path / 'site'}{os.pathsep}{env['PYTHONPATH']}", BC_TEST_SLOW_EXIT=str(slow_exit)
        )
    with open(log, "wb") as fh:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT)
    return proc, out, log


def descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def sigterm_and_check(proc: subprocess.Popen, log: Path) -> tuple[int, float, str]:
    """SIGTERM serve; its exit code, seconds to exit and output. Asserts none of its processes is left."""
    family = descendants(proc.pid)
    assert family, "serve should have a flow-run process at this moment"
    t0 = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    took = time.monotonic() - t0
    # multiprocessing's resource tracker ends when it reads EOF from serve's exit: give it a moment.
    _, alive = psutil.wait_procs(family, timeout=3)
    left = [p for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert not left, f"processes left: {[(p.pid, p.cmdline()) for p in left]}"
    return proc.returncode, took, log.read_text(errors="replace")


def flow_run_states(db: Path) -> list[str]:
    """The state of every flow run in the (stopped) server's SQLite database."""
    with sqlite3.connect(db) as conn:
        return [row[0] for row in conn.execute("SELECT state_type FROM flow_run")]


@pytest.mark.parametrize("moment", ["start", "middle", "end"])
def test_sigterm_stops_serve_in_order(migrated_db, tmp_path, moment):
    hold = {"start": "start:60", "middle": "middle:60", "end": ""}[moment]
    # At the end, the flow-run process is slow to exit (the runner took over 8 s to stop once, at a load ~9).
    proc, out, log = start_serve(tmp_path, migrated_db, hold, SLOW_EXIT if moment == "end" else 0.0)
    try:
        healthy = wait_for(
            lambda: re.search(
                r"healthy after [\d.]+ s: dashboard (\S+), API (\S+)", log.read_text(errors="replace")
            ),
            120,
            "the server",
            proc,
            log,
        )
        api_url = healthy.group(2)
        assert api_url.startswith("http://127.0.0.1:")
        if moment == "end":
            # A run has written its last output (the review index); the next one is due in seconds.
            wait_for(lambda: (out / "index.html").exists(), 150, "a finished run", proc, log)
            assert (out / "summary.json").exists()
        else:
            wait_for(
                lambda: f"holding the run at its {moment}" in log.read_text(errors="replace"),
                150,
                f"the run held at its {moment}",
                proc,
                log,
            )
        code, took, text = sigterm_and_check(proc, log)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert code == 0, text[-3000:]
    assert took < STOP_WITHIN, f"{took:.1f} s\n{text[-3000:]}"
    assert "Traceback" not in text and "never awaited" not in text, text[-3000:]
    # The server went last, with its whole process group.
    assert text.index("stopped serving") < text.index("stopping prefect server")
    server_pid = int(re.search(r"stopping prefect server \(pid (\d+)\)", text).group(1))
    assert not psutil.pid_exists(server_pid)
    with pytest.raises(ProcessLookupError):
        os.killpg(server_pid, 0)  # no process of the server's group is left
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{api_url}/health", timeout=2)
    assert (tmp_path / "home" / "prefect.db").exists()  # SQLite under PREFECT_HOME
    states = flow_run_states(tmp_path / "home" / "prefect.db")
    assert states and not {"RUNNING", "PENDING", "CANCELLING"} & set(states), states
    if moment != "end":
        assert "CANCELLED" in states
