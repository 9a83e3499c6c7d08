"""The cleaning flow as a real Prefect flow run: under Prefect's test harness and via --prefect."""

from __future__ import annotations

import json

import pytest
from conftest import SEEDS, cli_env, run_cli

pytestmark = pytest.mark.prefect_server


@pytest.fixture(scope="module")
def prefect_harness():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


def test_flow_run_under_harness(prefect_harness, tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    from flows.run.prefect_flow import clean_flow

    state = clean_flow(paths=[str(SEEDS)], out=str(tmp_path), return_state=True)
    assert state.is_completed(), state
    summary = state.result()
    assert summary["files"] == 5 and summary["failed"] == 0 and summary["removals"] > 0
    assert json.loads((tmp_path / "summary.json").read_text(encoding="utf-8")) == summary
    # The run and its batch task runs are recorded by the API.
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[state.state_details.flow_run_id]))
        )
        assert runs[0].state.is_completed()
        tasks = client.read_task_runs()
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


def test_cli_prefect_against_local_server(tmp_path):
    # No PREFECT_API_URL: --prefect makes Prefect start its temporary local server. This is the
    # test that fails when the pinned fastapi/SQLAlchemy set breaks Prefect's server.
    env = cli_env(
        PREFECT_HOME=str(tmp_path / "prefect-home"), PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="120"
    )
    proc = run_cli("run", str(SEEDS), "--out", str(tmp_path / "o"), "--prefect", env=env, timeout=300)
    err = proc.stderr.decode()
    assert proc.returncode == 0, err
    assert "in-process" not in err
    assert "Finished in state Completed" in err
    assert json.loads((tmp_path / "o" / "summary.json").read_text(encoding="utf-8"))["files"] == 5


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
