"""The last steps of stopping `serve`: end the processes it started, and leave no flow run marked running."""

from __future__ import annotations

import logging
import time

log = logging.getLogger("boilerclean")

PROCESS_EXIT_TIMEOUT = 4.0  # seconds for flow-run processes to exit after their cancellation
PROCESS_KILL_TIMEOUT = 2.0  # seconds between SIGTERM and SIGKILL for what is still left


def own_processes(keep_pids: set[int]) -> list:
    """This process's descendants, less `keep_pids` and theirs (the local server) and the resource tracker."""
    import psutil

    me = psutil.Process()
    kept = set(keep_pids)
    for pid in keep_pids:
        try:
            kept.update(c.pid for c in psutil.Process(pid).children(recursive=True))
        except psutil.NoSuchProcess:
            pass
    procs = []
    for p in me.children(recursive=True):
        try:
            # multiprocessing's resource tracker (spawned flow runs start it) ends when this process does.
            if p.pid in kept or "multiprocessing.resource_tracker" in " ".join(p.cmdline()):
                continue
        except psutil.Error:
            continue
        procs.append(p)
    return procs


def end_processes(keep_pids: set[int]) -> bool:
    """Wait for the flow-run processes this process started, then end what is left; True if none had to be."""
    import psutil

    procs = own_processes(keep_pids)
    _, alive = psutil.wait_procs(procs, timeout=PROCESS_EXIT_TIMEOUT)
    if not alive:
        return True
    log.warning("ending %d process(es) left after the flow run: %s", len(alive), [p.pid for p in alive])
    for sig_name in ("terminate", "kill"):
        for p in alive:
            try:
                getattr(p, sig_name)()
            except psutil.NoSuchProcess:
                pass
        _, alive = psutil.wait_procs(alive, timeout=PROCESS_KILL_TIMEOUT)
        if not alive:
            break
    return False


def cancel_unfinished_runs(deployment_id) -> bool:
    """Mark the deployment's pending or running runs Cancelled (their process is gone); False on failure."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterId,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.states import Cancelled

    unfinished = [StateType.PENDING, StateType.RUNNING, StateType.CANCELLING]
    t0 = time.monotonic()
    try:
        with get_client(sync_client=True) as client:
            runs = client.read_flow_runs(
                deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])),
                flow_run_filter=FlowRunFilter(
                    state=FlowRunFilterState(type=FlowRunFilterStateType(any_=unfinished))
                ),
            )
            for run in runs:
                client.set_flow_run_state(run.id, Cancelled(message="boilerclean serve stopped"), force=True)
                log.info("flow run %s (%s) marked Cancelled", run.name, run.state_name)
    except Exception as exc:  # noqa: BLE001 - reported, and the exit code says so
        log.warning("could not mark unfinished flow runs cancelled: %s", exc or type(exc).__name__)
        return False
    log.debug("checked unfinished flow runs in %.1f s", time.monotonic() - t0)
    return True
