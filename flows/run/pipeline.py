"""A cleaning run: find the files, clean them in batches, write each file's outputs, a summary, review pages.

No Prefect here (the flow in prefect_flow.py wraps run_clean): a run without a Prefect API does not
pay the ~1.5 s of importing it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack, nullcontext
from pathlib import Path
from typing import Any

from cleaners import Ruleset

from ..inputs.discover import InputFile, UsageError, discover_inputs
from ..outputs.atomic import atomic_write
from ..outputs.manifest import IncrementalRun, run_line
from ..outputs.records import summary_record, to_json_bytes
from ..outputs.summary import Totals, summarize, summary_line
from ..outputs.unfinished import mark_finished, mark_started
from ..review.data import Tally
from ..schedule.alerts import alert_message, read_alerts
from ..schedule.history import record_run
from ..terminal_text import printable
from .dispatch import (
    BATCH_BYTES,
    BATCH_SIZE,
    BATCHES_PER_RUN,
    MIN_BATCH,
    process_pool,
    release_workers,
    run_batches,
    server_preload,
    start_dispatch,
)
from .hold import hold_if_asked
from .lost import drop_claim, drop_claims_folder, sweep_claims
from .progress import Progress
from .rulecache import cached_load_ruleset
from .worker import clean_and_claim, clean_and_tally, lost_batch, run_logger

log = logging.getLogger("boilerclean")


def batched_by_bytes(
    items: Iterable[InputFile], size: int, nbytes: Callable[[str], int], max_bytes: int, count: int = 0
) -> Iterator[list[InputFile]]:
    """Batches of `size` inputs, a batch cut short before an input that would take it past `max_bytes`
    (nbytes(rel): an input's size as planned); a batch has one input at least. `count`: how many inputs
    there are, when known: the last TAIL_BATCHES * size of them then go in batches of tail_size(size)."""
    batch: list[InputFile] = []
    total = 0
    tail_from, small = (count - TAIL_BATCHES * size if count else -1), tail_size(size)
    for k, item in enumerate(items):
        n = nbytes(item.rel)
        if batch and (len(batch) >= (small if 0 <= tail_from <= k else size) or total + n > max_bytes):
            yield batch
            batch, total = [], 0
        batch.append(item)
        total += n
    if batch:
        yield batch


def plan_inputs(paths: list[str], out: str) -> tuple[list[InputFile], list[dict], list[str]]:
    """The inputs to clean, a failed record for each one that cannot be (an output-name clash, a folder
    that cannot be listed ...), and the input paths under which what exists is unknown (unread folders)."""
    items, clashes, unknown = [], [], []
    for item, clash in iter_planned(paths, out):
        if clash is None:
            items.append(item)
            continue
        clashes.append(clash)
        if item is not None and item.unread_folder:
            unknown.append(item.rel)
    # Batches in summary.json's order (by input path), not the walk's (a folder's files before its
    # sub-folders): then the batches' review counts are the run's index and no report is read back.
    items.sort(key=lambda item: item.rel)
    return items, clashes, unknown


def iter_planned(paths: list[str], out: str) -> Iterator[tuple[InputFile | None, dict | None]]:
    """(input, None) for each input to clean, and (None or the skipped input, failed record) for each one
    that is not cleaned (a clash, a skipped path), as found (a stream)."""
    # The run's own review index is DIR/index.html: a top-level input whose page would land there is refused.
    seen: dict[str, str] = {"index": "the run's index.html"}
    for item in discover_inputs(paths, out):
        if item.skipped:
            yield item, summary_record({"input": item.rel or item.path, "error": item.skipped})
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


def write_run_review(
    out: str, summary: dict, pool=None, publish: bool = False, pages: bool = False, on_pages=None, tally=None
) -> None:
    """The review index, and with `pages` a page per file (all at the end: prev/next need the file order);
    artifacts in a flow run. on_pages(n): n more pages written (the progress bar); tally: the batches'
    counts, added up in run order."""
    from ..review.write import INDEX_PAGE, write_review

    review = write_review(out, summary, pool, pages=pages, on_pages=on_pages, tally=tally)
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
    pages: bool = False,
    submit_task: Callable[..., Any] | None = None,
    ruleset: Ruleset | None = None,
    pool: ProcessPoolExecutor | None = None,
) -> dict[str, Any]:
    """Clean what is new or changed under `paths` into `out`; returns the run summary (also summary.json).

    clean_flow's body; `submit_task` is its clean_batch.submit when it runs as a Prefect flow run;
    `ruleset`: the one `config` gives, when the caller has loaded it already; `pages`: write a review
    page per file (a fifth of a run's time; the review server renders them on demand); `pool`: the run's
    process_pool(workers, config) when the caller has made it and started its workers already (this run
    shuts it down).
    """
    logger = run_logger()
    in_flow = submit_task is not None
    meter = Progress(None, enabled=progress)
    meter.phase("reading")
    try:
        # Batches go to these processes unless Prefect's task runner or Dask takes them; the review pages
        # always do.
        handed_in = pool is not None  # its workers were started by the caller (cli.run.run_in_process)
        preload = () if in_flow else server_preload(dask, dask_address)
        with (
            nullcontext(pool) if pool else process_pool(workers, config, preload) as pool,
            ExitStack() as stack,
        ):
            if ruleset is None:
                ruleset = cached_load_ruleset(config)  # raises ConfigError before any file is read
            # The batches' workers or Dask client, started while the run plans (a flow's runner: its own).
            own = None if handed_in else pool
            started = None if in_flow else start_dispatch(stack, own, workers, dask_address, dask, config)
            alert_settings = read_alerts(alerts, "<flow parameters>", "alerts")
            if dry_run:
                ruleset = ruleset.all_shadow()
            make_output_folder(out)
            items, records, unknown = plan_inputs(paths, out)
            # Before planning: the table is part of the hash.
            ruleset = with_line_counts(ruleset, items, logger)
            with IncrementalRun.open(out, ruleset.hash, prune) as incremental:
                mark_unfinished(out, logger)  # before this run deletes or puts in place any output
                sweep_claims(out)  # a killed run's (run/lost.py)
                # Only new and changed inputs are cleaned; unchanged ones keep their outputs and records.
                items, unchanged = incremental.plan(items, unknown)
                meter.phase("cleaning", len(items), sum(incremental.size(i.rel) for i in items))
                dispatch = {"workers": workers, "dask_address": dask_address, "dask": dask and not in_flow}
                dispatch["dask_started"] = started
                work = (items, out, ruleset, meter, submit_task, pool, dispatch, logger, incremental.size)
                tally, totals = collect_batches(work, records, incremental)
                cleaned_bytes = meter.bytes
                meter.phase("writing")
                fresh = totals.run_counts(records)  # the run history's counts: before the unchanged files
                totals.add(unchanged)
                summary = summarize(records + unchanged, ruleset, dry_run, totals)
                summary["run"] = incremental.run_section()
                # The workers go while the end is written; the pool stays for pages or reports read back.
                keep_pool = pages or not counted_all(tally, summary)
                pool = release_workers(stack, started, pool, keep_pool)
                errors = write_run_files(out, summary, fresh, ruleset.hash, alert_settings)
                if not errors:  # the pages show the run that summary.json describes
                    meter.phase("index", len(summary["file_records"]) if pages else 0)
                    review = (write_run_review, out, summary, pool)
                    options = {"publish": in_flow, "pages": pages, "on_pages": meter.advance, "tally": tally}
                    errors = _attempt("cannot write the review pages", *review, **options)
                if errors:  # only then: otherwise the summary returned is exactly summary.json
                    summary["output_errors"] = errors
    finally:
        meter.close()
    # Not in summary.json: the bytes this run read (for the CLI's MB/s; `run` times itself).
    summary["this_run"] = {"bytes": cleaned_bytes}
    log_outcome(logger, summary)
    return summary


def mark_unfinished(out: str, logger) -> None:
    """Record that this run has started writing `out` (outputs/unfinished.py) and mark the index of the run
    before it as out of date: a run that stops before its summary leaves both, and `review` and the page
    say so. Not marked (a warning): the run goes on, as it does when an output cannot be written."""
    from ..review.write import mark_index_unfinished

    try:
        mark_index_unfinished(out, mark_started(out))
    except OSError as exc:
        logger.warning("%s: cannot mark the run as started: %s", out, exc.strerror or exc)


def collect_batches(work: tuple, records: list[dict], incremental: IncrementalRun) -> tuple[Tally, Totals]:
    """Clean the batches (clean_batches(*work)): each one's records go to `records` and the manifest, its
    review counts to the run's tally and its sums to the summary's totals, in run order, while the workers
    clean the next batches (the run's serial end then only sorts and writes)."""
    tally, totals = Tally(), Totals(records)
    for result, part in clean_batches(*work):
        records.extend(result)
        incremental.record(result)
        tally.merge(part)
        totals.add(result)
    return tally, totals


def clean_batches(
    items, out, ruleset, meter, submit_task, pool, dispatch, logger, size
) -> Iterator[tuple[list[dict], Tally]]:
    """Each batch's records and review counts as it is done, in order, counted on the meter file by file
    of the batch; size(rel): an input's bytes as the plan found them (each input is stat'ed once)."""
    # Batches go out with a bounded number in flight, to processes, Prefect's task runner or Dask. The pool
    # and Dask can lose a batch and go on (lost_batch): their batches claim their records file first.
    claims = dispatch["dask"] or dispatch["dask_address"] or (submit_task is None and dispatch["workers"] > 1)
    done = run_batches(
        clean_and_claim if claims else clean_and_tally,
        batched_by_bytes(items, batch_size(len(items)), size, BATCH_BYTES, len(items)),
        out,
        ruleset,
        submit_task=submit_task,
        pool=pool,
        lost=lambda batch, why: lost_batch(batch, why, ruleset.hash, out),
        **dispatch,
    )
    for batch, (result, tally) in done:
        drop_claim(out, batch)  # the batch's result is here: its claim has served
        hold_if_asked("middle", logger)  # a test hook; does nothing unless asked
        meter.advance(len(batch), sum(size(i.rel) for i in batch), sum(1 for r in result if r["error"]))
        yield result, tally
    drop_claims_folder(out)  # no empty folder left behind


def counted_all(tally: Tally, summary: dict) -> bool:
    """Whether the batches' counts are the whole run's review index, file for file in its order: then the
    review reads no report back (review.data.collect_review checks the same; if it reads back all the same,
    it does so without a pool, only slower)."""
    return [row["input"] for row in tally.rows] == [r["input"] for r in summary["file_records"]]


# A run's last inputs go in smaller batches, so that its workers finish within a small batch of each
# other: with whole batches to the end, one of two workers sat idle for up to a batch's time (0.23 s of an
# 18 s run, 2026-12-03). Whoever cleans, the batches are the same (they depend on the inputs alone).
TAIL_BATCHES = 2


def tail_size(size: int) -> int:
    """Files per batch among a run's last TAIL_BATCHES * size inputs: a quarter, MIN_BATCH at least."""
    return min(size, max(MIN_BATCH, size // 4))


def batch_size(n_items: int) -> int:
    """Files per batch: BATCHES_PER_RUN batches for the run, of MIN_BATCH to BATCH_SIZE files, so that
    progress moves and up to that many workers share a modest run. The same whoever cleans: a batch's
    records file is an output (docs/scale.md)."""
    return min(BATCH_SIZE, max(MIN_BATCH, n_items // BATCHES_PER_RUN))


def make_output_folder(out: str) -> None:
    if os.path.exists(out) and not os.path.isdir(out):
        raise UsageError(f"{out}: --out is not a folder")
    os.makedirs(out, exist_ok=True)


def write_run_files(out: str, summary: dict, fresh: tuple, ruleset_hash: str, alerts) -> list[str]:
    """The run's history line (`fresh`: Totals.run_counts of this run's records) and summary.json; returns
    one message per one that could not be written (the cleaned outputs are in place and restorable
    either way)."""
    found: list[list[dict]] = []
    errors = _attempt(
        "cannot record the run history",
        lambda: found.append(record_run(out, fresh, ruleset_hash, summary["run"], alerts)),
    )
    summary["run"]["alerts"] = found[0] if found else []
    summary_json = {k: v for k, v in summary.items() if k != "output_errors"}
    written = _attempt(
        "cannot write summary.json", atomic_write, Path(out) / "summary.json", to_json_bytes(summary_json)
    )
    if not written:  # summary.json describes the outputs again
        written = _attempt("cannot record the run as finished", mark_finished, out)
    return errors + written


def _attempt(what: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> list[str]:
    """[] when fn(*args) works; [one message line] when it fails with an OSError (disk full, read-only)."""
    try:
        fn(*args, **kwargs)
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        return [f"{what}: {where}{exc.strerror or exc}"]
    return []


def log_outcome(logger, summary: dict) -> None:
    """One line per failed, held or timed-out file and per trend alert, and the run's summary line."""
    for e in summary["errors"]:
        logger.error("%s: %s", printable(e["input"]), printable(e["error"]))
    for problem in summary.get("output_errors", []):
        logger.error("%s", printable(problem))
    for h in summary["held"]:
        logger.info(  # the run's final lines count them; `boilerclean held DIR` lists them
            "%s: removals held for review (kept in the text): %s",
            printable(h["input"]),
            printable("; ".join(h["reasons"])),
        )
    for w in summary.get("runaway_rules", []):
        logger.warning(
            "runaway rule %s: took %.0f%% of the lines of %d of %d documents",
            printable(w["rule"]),
            100 * w["share_of_lines"],
            w["documents"],
            w["of_documents"],
        )
    for t in summary.get("timeouts", []):
        logger.warning(
            "%s: rules timed out (their removals are missing): %s",
            printable(t["input"]),
            printable(", ".join(t["rules"])),
        )
    logger.info(summary_line(summary) + "; this run: " + run_line(summary["run"]))
    for a in summary["run"]["alerts"]:
        logger.warning(printable(alert_message(a)))
