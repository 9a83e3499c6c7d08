"""The cleaning flow: find the files, clean them in batches, write each file's outputs and a run summary."""

from __future__ import annotations

import logging
import os
from collections import Counter
from itertools import islice
from pathlib import Path
from typing import Any, Iterable, Iterator

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect.exceptions import MissingContextError

from cleaners import Ruleset, clean_text, load_ruleset
from .dispatch import Progress, file_size, run_batches, task_runner
from .extract import extract_html, is_html
from .files import Decoded, InputFile, atomic_write, decode_document, discover_inputs, read_input, sha256_bytes
from .history import AlertSettings, alert_message, record_run
from .manifest import IncrementalRun, run_line
from .reports import REPORT_VERSION, count_removals, removal_records, to_json, unified_diff

# Files per task: one task per file costs ~11 ms in the flow and ~60 ms in Prefect's API server
# (measured with Prefect 3.8 here), so tasks get batches.
BATCH_SIZE = 64

log = logging.getLogger("boilerclean")


def _logger() -> logging.Logger | logging.LoggerAdapter:
    try:
        return get_run_logger()
    except MissingContextError:
        return log


def clean_file(item: InputFile, out_dir: str, ruleset: Ruleset) -> dict[str, Any]:
    """Read one input, clean it, write its .txt, .diff and .report.json; return its summary record."""
    out = Path(out_dir)
    report: dict[str, Any] = {
        "version": REPORT_VERSION,
        "input": item.rel,
        "ruleset_hash": ruleset.hash,
        "error": None,
    }
    report_path = out / f"{item.stem}.report.json"
    try:
        data = read_input(item.path)
    except OSError as exc:
        return _fail(report, report_path, f"cannot read file: {exc.strerror or exc}")
    report["sha256"] = sha256_bytes(data)
    report["bytes"] = len(data)
    titles: tuple[str, ...] = ()
    domain = ""
    try:
        if is_html(item.rel):
            # The page's extracted article text is the "original" that reports and diffs refer to.
            extraction = extract_html(data, item.rel)
            report["extraction"] = extraction.record()
            # What restore can rebuild for a page is its extracted text, so that is what it checks.
            report["extraction"]["text_sha256"] = sha256_bytes(extraction.text.encode("utf-8"))
            decoded = Decoded(extraction.text, "utf-8")
            titles, domain = extraction.titles, extraction.domain
        else:
            decoded = decode_document(data)
    except ValueError as exc:  # ExtractionError included
        # Not cleaned, but kept byte for byte so `boilerclean restore` still rebuilds every input it read.
        report["raw_copy"] = f"{item.stem}.raw"
        atomic_write(out / report["raw_copy"], data)
        return _fail(report, report_path, str(exc))
    text = decoded.text
    result = clean_text(text, ruleset, source=item.rel, domain=domain, titles=titles)
    records = removal_records(text, result.removals)
    if result.held:
        # Over-removal quarantine: the text keeps the held removals; a person decides.
        report["held_for_review"] = list(result.held)
    if decoded.bom:
        report["bom"] = True
    if decoded.detected:
        report["encoding_detected"] = True
    if result.timed_out:
        report["timed_out"] = list(result.timed_out)
    report.update(
        encoding=decoded.encoding,
        output=f"{item.stem}.txt",
        chars_in=len(text),
        chars_out=len(result.cleaned),
        removals=records,
        counts=count_removals(records),
    )
    # The report goes last: when it exists, the text and diff beside it are complete.
    atomic_write(out / f"{item.stem}.txt", result.cleaned)
    atomic_write(out / f"{item.stem}.diff", unified_diff(text, result.cleaned, item.rel))
    atomic_write(report_path, to_json(report))
    return _summary_record(report)


def _fail(report: dict, report_path: Path, error: str) -> dict[str, Any]:
    report["error"] = error
    atomic_write(report_path, to_json(report))
    return _summary_record(report)


def _summary_record(report: dict) -> dict[str, Any]:
    counts = report.get("counts") or count_removals([])
    record = {
        "input": report["input"],
        "output": report.get("output"),
        "error": report["error"],
        "sha256": report.get("sha256"),  # the content cleaned: the manifest's change check
        "chars_in": report.get("chars_in", 0),
        "chars_out": report.get("chars_out", 0),
        "removals": counts["removals"],
        "by_cleaner": counts["by_cleaner"],
        "by_rule": counts["by_rule"],
        "shadow_by_rule": counts["shadow_by_rule"],
        **({"timed_out": report["timed_out"]} if report.get("timed_out") else {}),
    }
    if report.get("held_for_review"):
        record["held"] = report["held_for_review"]
    return record


@task(name="clean-batch", cache_policy=NO_CACHE, persist_result=False)
def clean_batch(items: list[InputFile], out_dir: str, ruleset: Ruleset) -> list[dict[str, Any]]:
    """Clean a batch of files; a file that fails is recorded and the batch goes on."""
    return clean_files(items, out_dir, ruleset)


def clean_files(items: list[InputFile], out_dir: str, ruleset: Ruleset) -> list[dict[str, Any]]:
    """clean_batch's work as a plain function, so process pools and Dask can pickle it by name."""
    results = []
    for item in items:
        try:
            results.append(clean_file(item, out_dir, ruleset))
        except Exception as exc:  # noqa: BLE001 - one bad file must never stop a run
            _logger().exception("%s: unexpected error", item.rel)
            results.append(
                _summary_record({"input": item.rel, "error": f"unexpected error: {type(exc).__name__}: {exc}"})
            )
    return results


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
            yield None, _summary_record({"input": item.rel, "error": item.skipped})
            continue
        key = item.stem.lower()  # case-insensitive: outputs may land on a case-insensitive disk
        if key in seen:
            yield None, _summary_record({"input": item.rel, "error": f"output name clashes with {seen[key]}; not cleaned"})
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


def _write_review(out: str, summary: dict) -> None:
    """Review pages from the written reports (all at the end: prev/next need the file order); artifacts in a flow run."""
    from .html_report import INDEX_PAGE, write_review

    review = write_review(out, summary)
    if FlowRunContext.get() is not None:
        from .artifacts import publish_artifacts

        publish_artifacts(review, Path(out) / INDEX_PAGE)


@flow(name="boilerclean", persist_result=False)
def clean_flow(
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
) -> dict[str, Any]:
    """Clean what is new or changed under `paths` into `out`; returns the run summary (also written to summary.json)."""
    logger = _logger()
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
            in_flow = FlowRunContext.get() is not None
            # Batches go out with a bounded number in flight, to processes, Prefect's task runner or Dask.
            done = run_batches(
                clean_files,
                batched(items, BATCH_SIZE),
                out,
                ruleset,
                workers=workers,
                dask_address=dask_address,
                dask=dask and not in_flow,
                submit_task=clean_batch.submit if in_flow else None,
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
        _write_review(out, summary)
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


def flow_for(workers: int = 1, dask_address: str | None = None, dask: bool = False):
    """clean_flow with the task runner that spreads its batches: processes, a local Dask cluster or a Dask scheduler."""
    runner = task_runner(workers, dask_address, dask)
    return clean_flow if runner is None else clean_flow.with_options(task_runner=runner)
