"""The cleaning flow as a real Prefect flow run: under Prefect's test harness and via --prefect."""

from __future__ import annotations

import json
import re

import pytest
from conftest import SEEDS, cli_env, copy_migrated_db, run_cli

pytestmark = pytest.mark.prefect_server


@pytest.fixture(scope="module")
def prefect_harness(prefect_server):
    """In-process flow runs against the session's real server (Prefect's own test harness would start one
    more, ~20 s); each test reads back only its own flow run's records."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: prefect_server}):
        yield


def test_flow_run_under_harness(prefect_harness, tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    from flows.run.prefect_flow import clean_flow

    state = clean_flow(paths=[str(SEEDS)], out=str(tmp_path), return_state=True)
    assert state.is_completed(), state
    summary = state.result()
    assert summary["files"] == 5 and summary["failed"] == 0 and summary["removals"] > 0
    # summary.json is the returned summary, less what this run read ("this_run": for the CLI's MB/s).
    persisted = {k: v for k, v in summary.items() if k != "this_run"}
    assert json.loads((tmp_path / "summary.json").read_text(encoding="utf-8")) == persisted
    # Prefect's thread runner never loses a batch while the run goes on: no batch claimed its records file.
    assert not (tmp_path / ".boilerclean" / "batches").exists()
    # The run and its batch task runs are recorded by the API.
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[state.state_details.flow_run_id]))
        )
        assert runs[0].state.is_completed()
        tasks = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[state.state_details.flow_run_id]))
        )
        assert any(t.name.startswith("clean-batch") for t in tasks)


def test_in_process_and_prefect_runs_write_identical_outputs(prefect_harness, tmp_path):
    from flows.run.prefect_flow import clean_flow

    clean_flow(paths=[str(SEEDS)], out=str(tmp_path / "prefect"))
    clean_flow.fn(paths=[str(SEEDS)], out=str(tmp_path / "inproc"))
    # .boilerclean/ (incremental-run manifest and history) holds times and is not output.
    a = {
        p.relative_to(tmp_path / "prefect"): p.read_bytes()
        for p in (tmp_path / "prefect").rglob("*")
        if p.is_file() and ".boilerclean" not in p.parts
    }
    b = {
        p.relative_to(tmp_path / "inproc"): p.read_bytes()
        for p in (tmp_path / "inproc").rglob("*")
        if p.is_file() and ".boilerclean" not in p.parts
    }
    assert a == b


@pytest.mark.slow
def test_cli_prefect_starts_one_local_server_for_the_run_and_its_workers(tmp_path, migrated_db):
    # No PREFECT_API_URL: --prefect starts one local server, and the process-pool workers use it too
    # (Prefect would start a temporary server in this process and one more in each worker). This is
    # also the test that fails when the pinned fastapi/SQLAlchemy set breaks Prefect's server (the
    # session's server migrates a new database; a migrated one here, as after a user's first start,
    # saves that part of this start).
    copy_migrated_db(migrated_db, tmp_path / "prefect-home")
    env = cli_env(PREFECT_HOME=str(tmp_path / "prefect-home"))
    args = ("run", str(SEEDS), "--out", str(tmp_path / "o"), "--prefect", "--workers", "2")
    proc = run_cli("-v", *args, env=env, timeout=300)
    err = proc.stderr.decode()
    assert proc.returncode == 0, err[-3000:]
    assert "in-process" not in err
    assert "Finished in state Completed" in err
    assert err.count("starting prefect server") == 1 and "Starting temporary server" not in err, err[-3000:]
    assert re.search(r"Task run 'clean-batch-\w+' - Finished in state Completed", err)
    assert json.loads((tmp_path / "o" / "summary.json").read_text(encoding="utf-8"))["files"] == 5
    # At the default level: the final lines, and no line of Prefect's, httpx's or its telemetry's.
    quiet = run_cli(*args, env=env, timeout=300)
    both = (quiet.stdout + quiet.stderr).decode().replace(str(tmp_path), "TMP")
    assert quiet.returncode == 0, both
    assert both.startswith("nothing new or changed: 5 files unchanged"), both
    assert not re.search(r"prefect|httpx|HTTP Request|telemetry", both, re.I), both


def test_flow_run_publishes_review_artifacts(prefect_harness, tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    from flows.run.prefect_flow import clean_flow

    state = clean_flow(paths=[str(SEEDS)], out=str(tmp_path / "out"), return_state=True)
    assert state.is_completed(), state
    summary = state.result()
    with get_client(sync_client=True) as client:
        flt = ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id]))
        arts = {a.type: a for a in client.read_artifacts(artifact_filter=flt)}
    assert set(arts) == {"markdown", "table"}
    md = arts["markdown"].data
    assert f"- removals: {summary['removals']} (" in md
    assert str((tmp_path / "out" / "index.html").resolve()) in md
    rows = arts["table"].data if isinstance(arts["table"].data, list) else json.loads(arts["table"].data)
    assert sorted(r["file"] for r in rows) == sorted(r["input"] for r in summary["file_records"])
    assert sum(r["chars"] for r in rows) == summary["chars_removed"]


# Run by each Dask worker as it starts (a preload added to the task runner's cluster in this test only):
# the batch holding doc10.txt SIGKILLs its worker. The task's function reaches the worker by value
# (cloudpickle: its name is the task's), its global clean_and_claim by name: flows.run.worker's (a task on
# Dask's runner claims its batch's records file: it may be lost).
DIES_ON_DOC10 = """
import os, signal
import flows.run.worker as worker

def dies_on_doc10(items, out, ruleset, real=worker.clean_and_claim):
    if any(item.rel == "doc10.txt" for item in items):
        os.kill(os.getpid(), signal.SIGKILL)
    return real(items, out, ruleset)

if worker.clean_and_claim.__name__ != "dies_on_doc10":  # a worker may run its preloads twice
    worker.clean_and_claim = dies_on_doc10
"""


@pytest.mark.slow
def test_a_dask_batch_whose_workers_keep_dying_fails_its_files_and_the_flow_run_goes_on(
    prefect_harness, tmp_path
):
    import dask
    from prefect_dask import DaskTaskRunner

    from flows.run.dispatch import local_cluster_kwargs
    from flows.run.prefect_flow import clean_flow

    inp = tmp_path / "in"
    inp.mkdir()
    for i in range(24):  # three batches of 8
        (inp / f"doc{i:02d}.txt").write_text(f"Article {i}.\nAdvertisement\nMore of article {i}.\n")
    cluster = local_cluster_kwargs(2)
    cluster["preload"] = [*cluster["preload"], DIES_ON_DOC10]
    flow = clean_flow.with_options(task_runner=DaskTaskRunner(cluster_kwargs=cluster))
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):  # given up after 2 deaths, not 4
        state = flow(paths=[str(inp)], out=str(tmp_path / "out"), workers=2, return_state=True)
    assert state.is_completed(), state
    summary = state.result()
    failed = {e["input"]: e["error"] for e in summary["errors"]}
    assert {f"doc{i:02d}.txt" for i in range(8, 16)} <= set(failed)
    assert set(failed.values()) == {
        "the Dask worker cleaning its batch died 2 times (out of memory?); not cleaned"
    }
    assert summary["cleaned"] == 24 - len(failed) >= 8
