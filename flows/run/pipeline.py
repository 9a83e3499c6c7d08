"""A cleaning run: find the files, clean them in batches, write each file's outputs, a summary, review pages.

No Prefect here (the flow in prefect_flow.py wraps run_clean): a run without a Prefect API does not
pay the ~1.5 s of importing it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from cleaners import Ruleset, load_ruleset

from ..inputs.discover import InputFile, discover_inputs
from ..outputs.atomic import atomic_write
from ..outputs.manifest import IncrementalRun, run_line
from ..outputs.records import summary_record, to_json
from ..outputs.summary import summarize, summary_line
from ..schedule.alerts import alert_message, read_alerts
from ..schedule.history import record_run
from .dispatch import process_pool, run_batches
from .hold import hold_if_asked
from .progress import Progress, file_size
from .worker import clean_files, run_logger

# Files per task: one task per file costs ~11 ms in the flow and ~60 ms in Prefect's API server
# (measured with Prefect 3.8 here), so tasks get batches.
BATCH_SIZE = 64

log = logging.getLogger("boilerclean")


def batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def plan_inputs(paths: list[str], out: str) -> tuple[list[InputFile], list[dict]]:
    """The inputs to clean, and a failed record for each one whose outputs would overwrite another's."""
    items, clashes = [], []
    for item, clash in iter_planned(paths, out):
        (items.append(item) if clash is None else clashes.append(clash))
    return items, clashes


def iter_planned(paths: list[str], out: str) -> Iterator[tuple[InputFile | None, dict | None]]:
    """(input, None) for each input to clean and (None, failed record) for each clash, as found (a stream)."""
    # The run's own review index is DIR/index.html: a top-level input whose page would land there is refused.
    seen: dict[str, str] = {"index": "the run's index.html"}
    for item in discover_inputs(paths, out):
        if item.skipped:
            yield None, summary_record({"input": item.rel, "error": item.skipped})
            continue
        key = item.stem.lower()  # case-insensitive: outputs may land on a case-insensitive disk
        if key in seen:
            yield (
                None,
                summary_record(
                    {"input": item.rel, "error": f"output name clashes with {seen[key]}; not cleaned"}
                ),
            )
            continue
        seen[key] = item.path
        yield item, None


def with_line_counts(ruleset: Ruleset, items: list[InputFile], logger) -> Ruleset:
    """With repeated_line on, count the inputs' lines first (pass one) and hand the table to the cleaner."""
    from cleaners.repeated_line import attach_line_table, repeated_line_cleaner

    cleaner = repeated_line_cleaner(ruleset)
    if cleaner is None:
        return ruleset
    from ..inputs.line_counts import line_table

    options = (cleaner.source_by, cleaner.min_docs, cleaner.min_share, cleaner.max_tracked)
    table, errors = line_table(items, *options)
    for rel, problem in errors:  # cleaning them fails too, and says so; here: why the counts lack them
        logger.warning("%s: not counted for repeated_line: %s", rel, problem)
    counted = len(items) - len(errors)
    logger.info("repeated_line: counted %d files, %d frequent lines", counted, len(table.entries))
    return attach_line_table(ruleset, table)


def write_run_review(out: str, summary: dict, pool=None, publish: bool = False, on_pages=None) -> None:
    """Review pages from the reports (at the end: prev/next need the file order); artifacts in a flow run."""
    from ..review.write import INDEX_PAGE, write_review

    review = write_review(out, summary, pool, on_pages)
    if publish:
        from ..review.artifacts import publish_artifacts

        publish_artifacts(review, Path(out) / INDEX_PAGE)


def run_clean(
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
    submit_task: Callable[..., Any] | None = None,
    ruleset: Ruleset | None = None,
) -> dict[str, Any]:
    """Clean what is new or changed under `paths` into `out`; returns the run summary (also summary.json).

    clean_flow's body; `submit_task` is its clean_batch.submit when it runs as a Prefect flow run;
    `ruleset`: the one `config` gives, when the caller has loaded it already.
    """
    logger = run_logger()
    in_flow = submit_task is not None
    meter = Progress(None, enabled=progress)
    meter.phase("reading")
    try:
        # Batches go to these processes unless Prefect's task runner or Dask takes them; the review pages
        # always do.
        with process_pool(workers) as pool:
            if ruleset is None:
                ruleset = load_ruleset(config)  # raises ConfigError before any file is read
            alert_settings = read_alerts(alerts, "<flow parameters>", "alerts")
            if dry_run:
                ruleset = ruleset.all_shadow()
            os.makedirs(out, exist_ok=True)
            items, records = plan_inputs(paths, out)
            # Before planning: the table is part of the hash.
            ruleset = with_line_counts(ruleset, items, logger)
            with IncrementalRun.open(out, ruleset.hash, prune) as incremental:
                # Only new and changed inputs are cleaned; unchanged ones keep their outputs and records.
                items, unchanged = incremental.plan(items)
                meter.phase("cleaning", len(items), sum(file_size(i.path) for i in items))
                dispatch = {"workers": workers, "dask_address": dask_address, "dask": dask and not in_flow}
                for result in clean_batches(items, out, ruleset, meter, submit_task, pool, dispatch, logger):
                    records.extend(result)
                    incremental.record(result)
                cleaned_bytes = meter.bytes
                meter.phase("writing")
                summary = summarize(records + unchanged, ruleset, dry_run)
                summary["run"] = incremental.run_section()
                run = summary["run"]
                run["alerts"] = record_run(out, records, ruleset.hash, run, alert_settings)
                atomic_write(Path(out) / "summary.json", to_json(summary))
                meter.phase("index", len(summary["file_records"]))
                write_run_review(out, summary, pool, publish=in_flow, on_pages=meter.advance)
    finally:
        meter.close()
    # Not in summary.json: the bytes this run read (for the CLI's MB/s; `run` times itself).
    summary["this_run"] = {"bytes": cleaned_bytes}
    log_outcome(logger, summary)
    return summary


def clean_batches(items, out, ruleset, meter, submit_task, pool, dispatch, logger) -> Iterator[list[dict]]:
    """Each batch's records as it is done, in order, counted on the meter file by file of the batch."""
    # Batches go out with a bounded number in flight, to processes, Prefect's task runner or Dask.
    # Smaller batches only where a bar shows them move: a batch is also the unit of the outputs' sync.
    size = batch_size(len(items), dispatch["workers"]) if meter.bar is not None else BATCH_SIZE
    done = run_batches(
        clean_files, batched(items, size), out, ruleset, submit_task=submit_task, pool=pool, **dispatch
    )
    for batch, result in done:
        hold_if_asked("middle", logger)  # a test hook; does nothing unless asked
        meter.advance(len(batch), sum(file_size(i.path) for i in batch), sum(1 for r in result if r["error"]))
        yield result


def batch_size(n_items: int, workers: int) -> int:
    """BATCH_SIZE, or less for a small run: at least ~8 batches per worker, so progress moves file by file."""
    return max(1, min(BATCH_SIZE, n_items // (max(workers, 1) * 8)))


def log_outcome(logger, summary: dict) -> None:
    """One line per failed, held or timed-out file and per trend alert, and the run's summary line."""
    for e in summary["errors"]:
        logger.error("%s: %s", e["input"], e["error"])
    for h in summary["held"]:
        # INFO: the run's final lines count them, and `boilerclean held DIR` lists them.
        logger.info(
            "%s: removals held for review (kept in the text): %s", h["input"], "; ".join(h["reasons"])
        )
    for w in summary.get("runaway_rules", []):
        logger.warning(
            "runaway rule %s: took %.0f%% of the lines of %d of %d documents",
            w["rule"],
            100 * w["share_of_lines"],
            w["documents"],
            w["of_documents"],
        )
    for t in summary.get("timeouts", []):
        logger.warning(
            "%s: rules timed out (their removals are missing): %s", t["input"], ", ".join(t["rules"])
        )
    logger.info(summary_line(summary) + "; this run: " + run_line(summary["run"]))
    for a in summary["run"]["alerts"]:
        logger.warning(alert_message(a))
