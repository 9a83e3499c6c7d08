"""The cleaning flow for Prefect: run_clean (run/pipeline.py) as a flow, its batches as clean-batch tasks."""

from __future__ import annotations

from functools import partial
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect.task_runners import ProcessPoolTaskRunner, ThreadPoolTaskRunner

from cleaners import Ruleset

from ..inputs.discover import InputFile
from ..review.data import Tally
from .dispatch import run_gc_thresholds, task_runner
from .hold import hold_if_asked
from .pipeline import run_clean
from .worker import clean_and_claim, clean_and_tally, run_logger


@task(name="clean-batch", cache_policy=NO_CACHE, persist_result=False)
def clean_batch(
    items: list[InputFile], out_dir: str, ruleset: Ruleset, claim: bool = False
) -> tuple[list[dict[str, Any]], Tally]:
    """Clean a batch of files; a file that fails is recorded and the batch goes on. `claim`: the task
    runner may lose it and go on (worker.clean_and_claim)."""
    run_gc_thresholds()  # in a task runner's worker, a process of the flow run's
    return (clean_and_claim if claim else clean_and_tally)(items, out_dir, ruleset)


# Prefect's own runners, whose batches are never given up on while the run goes on (that is Dask's
# KilledWorker): their batches claim nothing. Any other runner (Dask's) may lose one.
NEVER_LOSE = (ThreadPoolTaskRunner, ProcessPoolTaskRunner)


@flow(name="boilerclean", persist_result=False)
def clean_flow(
    paths: list[str],
    out: str,
    config: str | None = None,
    dry_run: bool = False,
    prune: bool = False,
    alerts: dict[str, int | float] | None = None,
    workers: int = 1,
    dask_address: str | None = None,
    dask: bool = False,
    progress: bool = False,
    pages: bool = False,
) -> dict[str, Any]:
    """Clean what is new or changed under `paths` into `out`; returns the run summary (also summary.json)."""
    context = FlowRunContext.get()
    submit = None
    if context is not None:
        submit = partial(clean_batch.submit, claim=not isinstance(context.task_runner, NEVER_LOSE))
    hold_if_asked("start", run_logger())
    return run_clean(
        paths,
        out,
        config=config,
        dry_run=dry_run,
        prune=prune,
        alerts=alerts,
        workers=workers,
        dask_address=dask_address,
        dask=dask,
        progress=progress,
        pages=pages,
        submit_task=submit,
    )


def flow_for(workers: int = 1, dask_address: str | None = None, dask: bool = False):
    """clean_flow with the task runner for its batches: processes, a local Dask cluster or a scheduler."""
    runner = task_runner(workers, dask_address, dask)
    return clean_flow if runner is None else clean_flow.with_options(task_runner=runner)
