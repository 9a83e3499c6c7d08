"""`boilerclean serve` against a real Prefect server: deployment, schedule, scheduled/triggered runs."""

from __future__ import annotations

import asyncio
import datetime
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, SEEDS, records_files, serve_env

pytestmark = pytest.mark.prefect_server

INTERVAL = 5  # seconds between scheduled runs


def wait_for(
    predicate, timeout: float, what: str, proc: subprocess.Popen | None = None, log: Path | None = None
):
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        value = predicate()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            break
        time.sleep(0.5)
    tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
    raise AssertionError(f"timed out waiting for {what}\n{tail}")


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 40) -> int:
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


def api(api_url: str, coro_fn):
    """Run `coro_fn(client)` against this server with Prefect's own client."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    async def go():
        async with get_client() as client:
            return await coro_fn(client)

    with temporary_settings(updates={PREFECT_API_URL: api_url}):
        return asyncio.run(go())


def test_serve_deployment_schedule_and_triggered_run(prefect_server, tmp_path):
    inp, out, manual = tmp_path / "in", tmp_path / "out", tmp_path / "manual"
    shutil.copytree(SEEDS, inp)
    log = tmp_path / "serve.log"
    with open(log, "wb") as fh:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "flows.cli",
                "serve",
                str(inp),
                "--out",
                str(out),
                "--interval",
                str(INTERVAL),
                "--name",
                "every-5s",
            ],
            cwd=ROOT,
            env=serve_env(tmp_path / "home", PREFECT_API_URL=prefect_server),
            stdout=fh,
            stderr=subprocess.STDOUT,
        )
    try:

        async def read_deployment(client):
            from prefect.exceptions import ObjectNotFound

            try:
                return await client.read_deployment_by_name("boilerclean/every-5s")
            except ObjectNotFound:
                return None

        deployment = wait_for(lambda: api(prefect_server, read_deployment), 90, "the deployment", proc, log)
        assert [s.schedule.interval for s in deployment.schedules] == [datetime.timedelta(seconds=INTERVAL)]
        assert all(s.active for s in deployment.schedules)
        assert deployment.parameters["paths"] == [str(inp)] and deployment.parameters["out"] == str(out)

        # The schedule alone cleans the folder ...
        wait_for(lambda: (out / "summary.json").exists(), 90, "a scheduled run's outputs", proc, log)
        assert sorted(p.name for p in out.glob("*.txt")) == sorted(p.name for p in SEEDS.glob("*.txt"))

        # ... and a triggered run with another output folder runs too, through the same served process.
        from prefect.deployments import run_deployment
        from prefect.settings import PREFECT_API_URL, temporary_settings

        with temporary_settings(updates={PREFECT_API_URL: prefect_server}):
            flow_run = run_deployment(
                "boilerclean/every-5s",
                parameters={"out": str(manual)},
                timeout=120,
                poll_interval=1,
                as_subflow=False,
            )
        assert flow_run.state.is_completed(), flow_run.state
        assert (manual / "summary.json").exists()
        assert records_files(manual) and [p.name for p in records_files(manual)] == [
            p.name for p in records_files(out)
        ]

        async def auto_runs(client):
            from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId

            runs = await client.read_flow_runs(
                deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment.id]))
            )
            return [r for r in runs if r.auto_scheduled and r.state and r.state.is_completed()]

        assert api(prefect_server, auto_runs)
    finally:
        assert stop(proc) == 0, log.read_text(errors="replace")[-3000:]


# serve without PREFECT_API_URL, starting and stopping its own server: tests/test_serve_stop.py (each of its
# tests starts one; its checks of that server's start and stop were once a test here, a server start more).


def test_prefect_yaml_deploys_to_a_work_pool(prefect_server, tmp_path):
    env = serve_env(
        tmp_path / "home",
        PREFECT_API_URL=prefect_server,
        BOILERCLEAN_IN=str(tmp_path / "in"),
        BOILERCLEAN_OUT=str(tmp_path / "out"),
        PWD=str(ROOT),
    )

    async def create_pool(client):  # what `prefect work-pool create boilerclean --type process` does
        from prefect.client.schemas.actions import WorkPoolCreate

        await client.create_work_pool(WorkPoolCreate(name="boilerclean", type="process"))

    api(prefect_server, create_pool)
    res = subprocess.run(
        [sys.executable, "-m", "prefect", "--no-prompt", "deploy", "--name", "incoming"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=180,
    )
    assert res.returncode == 0, (res.stdout + res.stderr).decode(errors="replace")[-3000:]

    async def read(client):
        return await client.read_deployment_by_name("boilerclean/incoming")

    d = api(prefect_server, read)
    assert d.work_pool_name == "boilerclean" and d.entrypoint == "flows/run/prefect_flow.py:clean_flow"
    assert d.parameters["paths"] == [str(tmp_path / "in")] and d.parameters["out"] == str(tmp_path / "out")
    assert [s.schedule.cron for s in d.schedules] == ["*/15 * * * *"]
    assert d.pull_steps == [{"prefect.deployments.steps.set_working_directory": {"directory": str(ROOT)}}]
