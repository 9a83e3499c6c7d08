"""`boilerclean serve` stopped by SIGTERM at the start, middle and end of a flow run, against a real server.

The moment is chosen with the test hook BOILERCLEAN_TEST_HOLD (flows/run/hold.py), which holds the
run at its start or after its first batch. After each stop: exit within 20 s, exit code 0, no
traceback, no process of serve's own left (process listing), and the flow run not left Running.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from conftest import ROOT, SEEDS
from test_serve import api, prefect_server, serve_env, server_home, wait_for  # noqa: F401 - fixtures

pytestmark = [pytest.mark.prefect_server, pytest.mark.slow]

STOP_WITHIN = 20.0  # seconds from SIGTERM to exit


def start_serve(tmp_path: Path, api_url: str, hold: str, name: str) -> tuple[subprocess.Popen, Path, Path]:
    inp, out, log = tmp_path / "in", tmp_path / "out", tmp_path / "serve.log"
    shutil.copytree(SEEDS, inp)
    cmd = [sys.executable, "-m", "flows.cli", "serve", str(inp), "--out", str(out), "--interval", "3"]
    env = serve_env(tmp_path / "home", PREFECT_API_URL=api_url, BOILERCLEAN_TEST_HOLD=hold)
    with open(log, "wb") as fh:
        proc = subprocess.Popen(
            [*cmd, "--name", name], cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT
        )
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


def flow_run_states(api_url: str, name: str) -> list[str]:
    async def read(client):
        from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterName

        runs = await client.read_flow_runs(
            deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=[name]))
        )
        return [r.state.type.value for r in runs if r.state]

    return api(api_url, read)


@pytest.mark.parametrize("moment", ["start", "middle", "end"])
def test_sigterm_stops_serve_in_order(prefect_server, tmp_path, moment):  # noqa: F811
    hold = {"start": "start:60", "middle": "middle:60", "end": ""}[moment]
    name = f"stop-at-{moment}"
    proc, out, log = start_serve(tmp_path, prefect_server, hold, name)
    try:
        if moment == "end":
            # A run has finished (its summary is written) and the next one is due in seconds.
            wait_for(lambda: (out / "summary.json").exists(), 120, "a finished run", proc, log)
            wait_for(lambda: descendants(proc.pid), 30, "a child process", proc, log)
        else:
            wait_for(
                lambda: f"holding the run at its {moment}" in log.read_text(errors="replace"),
                120,
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
    assert "Traceback" not in text, text[-3000:]
    assert "never awaited" not in text
    states = flow_run_states(prefect_server, name)
    assert states and not {"RUNNING", "PENDING", "CANCELLING"} & set(states), states
