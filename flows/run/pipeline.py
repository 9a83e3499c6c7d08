"""A cleaning run: find the files, clean them in batches, write each file's outputs, a run summary and review pages.

No Prefect here (the flow in clean_flow.py wraps run_clean): a run without a Prefect API does not
pay the ~1.5 s of importing it.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from itertools import islice
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from cleaners import Ruleset, load_ruleset
from .cleaning import clean_files, run_logger, summary_record
from .dispatch import Progress, file_size, process_pool, run_batches
from .files import InputFile, atomic_write, discover_inputs
from .history import AlertSettings, alert_message, record_run
from .manifest import IncrementalRun, run_line
from .reports import REPORT_VERSION, to_json

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
            yield None, summary_record({"input": item.rel, "error": f"output name clashes with {seen[key]}; not cleaned"})
            continue
        seen[key] = item.path
        yield item, None


def summarize(records: list[dict], ruleset: Ruleset, dry_run: bool = False) -> dict[str, Any]:
    """The run summary: files, removals per cleaner and per rule, errors. Deterministic (no times, no absolute paths)."""
    by_cleaner: Counter = Counter()
    by_rule: Counter = Counter()
    shadow_by_rule: Counter = Counter()
    records = sorted(records, key=lambda r: r["input"])
    for r in records:
        by_cleaner.update(r["by_cleaner"])
        by_rule.update(r["by_rule"])
        shadow_by_rule.update(r["shadow_by_rule"])
    errors = [{"input": r["input"], "error": r["error"]} for r in records if r["error"]]
    held = [
        {"input": r["input"], "report": f"{r['output'][: -len('.txt')]}.report.json", "reasons": r["held"]}
        for r in records
        if r.get("held")
    ]
    timeouts = [{"input": r["input"], "rules": r["timed_out"]} for r in records if r.get("timed_out")]
    return {
        "version": REPORT_VERSION,
        "ruleset_hash": ruleset.hash,
        "config_files": list(ruleset.files),
        "dry_run": dry_run,
        "files": len(records),
        "cleaned": len(records) - len(errors),
        "failed": len(errors),
        "removals": sum(by_cleaner.values()),
        "chars_in": sum(r["chars_in"] for r in records),
        "chars_removed": sum(r["chars_in"] - r["chars_out"] for r in records if not r["error"]),
        "by_cleaner": dict(sorted(by_cleaner.items())),
        "by_rule": dict(sorted(by_rule.items())),
        "shadow_by_rule": dict(sorted(shadow_by_rule.items())),
        "errors": errors,
        "held": held,  # documents whose removals the over-removal quarantine held back for review
        **({"timeouts": timeouts} if timeouts else {}),
        "file_records": records,
    }


def _with_line_counts(ruleset: Ruleset, items: Iterable[InputFile], logger) -> Ruleset:
    """With repeated_line enabled, count the inputs' lines first (pass one) and hand the table to the cleaner."""
    from cleaners.repeated_line import attach_line_table, repeated_line_cleaner

    cleaner = repeated_line_cleaner(ruleset)
    if cleaner is None:
        return ruleset
    from .mine import line_table

    counted = 0

    def each() -> Iterator[InputFile]:  # items may be a stream: count as they go by
        nonlocal counted
        for item in items:
            counted += 1
            yield item

    table, _ = line_table(each(), cleaner.source_by, cleaner.min_docs, cleaner.min_share, cleaner.max_tracked)
    logger.info("repeated_line: counted %d files, %d frequent lines", counted, len(table.entries))
    return attach_line_table(ruleset, table)


def summary_line(summary: dict) -> str:
    per = ", ".join(f"{k} {v}" for k, v in summary["by_cleaner"].items()) or "nothing"
    return (
        f"cleaned {summary['cleaned']} of {summary['files']} files ({summary['failed']} failed); "
        f"{summary['removals']} removals, {summary['chars_removed']} characters: {per}"
    ) + (f"; {sum(summary['shadow_by_rule'].values())} shadow matches" if summary.get("shadow_by_rule") else "")


def _write_review(out: str, summary: dict, pool=None, publish: bool = False) -> None:
    """Review pages from the written reports (all at the end: prev/next need the file order); artifacts in a flow run."""
    from .html_report import INDEX_PAGE, write_review

    review = write_review(out, summary, pool)
    if publish:
        from .artifacts import publish_artifacts

        publish_artifacts(review, Path(out) / INDEX_PAGE)


def run_clean(
    paths: list[str],
    out: str,
    config: str | None = None,
    dry_run: bool = False,
    prune: bool = False,
    alerts: dict[str, float] | None = None,
    workers: int = 1,
    dask_address: str | None = None,
    dask: bool = False,
    progress: bool = False,
    submit_task: Callable[..., Any] | None = None,
    ruleset: Ruleset | None = None,
) -> dict[str, Any]:
    """Clean what is new or changed under `paths` into `out`; returns the run summary (also written to summary.json).

    clean_flow's body; `submit_task` is its clean_batch.submit when it runs as a Prefect flow run;
    `ruleset`: the one `config` gives, when the caller has loaded it already.
    """
    logger = run_logger()
    in_flow = submit_task is not None
    # Batches go to these processes unless Prefect's task runner or Dask takes them; the review pages always do.
    with process_pool(workers) as pool:
        if ruleset is None:
            ruleset = load_ruleset(config)  # raises ConfigError before any file is read
        alert_settings = AlertSettings.from_dict(alerts)
        if dry_run:
            ruleset = ruleset.all_shadow()
        os.makedirs(out, exist_ok=True)
        items, records = plan_inputs(paths, out)
        ruleset = _with_line_counts(ruleset, items, logger)  # before planning: the table is part of the hash
        with IncrementalRun.open(out, ruleset.hash, prune) as incremental:
            # Only new and changed inputs are cleaned; unchanged ones keep their outputs and records.
            items, unchanged = incremental.plan(items)
            meter = Progress(len(items), sum(file_size(i.path) for i in items), enabled=progress)
            try:
                # Batches go out with a bounded number in flight, to processes, Prefect's task runner or Dask.
                done = run_batches(
                    clean_files,
                    batched(items, BATCH_SIZE),
                    out,
                    ruleset,
                    workers=workers,
                    dask_address=dask_address,
                    dask=dask and not in_flow,
                    submit_task=submit_task,
                    pool=pool,
                )
                for batch, result in done:
                    records.extend(result)
                    incremental.record(result)
                    meter.advance(len(batch), sum(file_size(i.path) for i in batch), sum(1 for r in result if r["error"]))
            finally:
                meter.close()
            summary = summarize(records + unchanged, ruleset, dry_run)
            summary["run"] = incremental.run_section()
            summary["run"]["alerts"] = record_run(out, records, ruleset.hash, summary["run"], alert_settings)
            atomic_write(Path(out) / "summary.json", to_json(summary))
            _write_review(out, summary, pool, publish=in_flow)
    for e in summary["errors"]:
        logger.error("%s: %s", e["input"], e["error"])
    for h in summary["held"]:
        logger.warning("%s: held for review (nothing removed): %s", h["input"], "; ".join(h["reasons"]))
    for t in summary.get("timeouts", []):
        logger.warning("%s: rules timed out (their removals are missing): %s", t["input"], ", ".join(t["rules"]))
    logger.info(summary_line(summary) + "; this run: " + run_line(summary["run"]))
    for a in summary["run"]["alerts"]:
        logger.warning(alert_message(a))
    return summary
