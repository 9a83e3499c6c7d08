"""Writing a run's review pages: each file's page (in the run's worker processes if any), then the index."""

from __future__ import annotations

import codecs
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import replace
from pathlib import Path

from cleaners.core import Removal, apply_removals, check_removals, restore

from ..inputs.discover import InputFile
from ..outputs.atomic import OutputBatch, atomic_write, write_text_chunks
from ..outputs.records import ReportReader
from ..outputs.unfinished import utc_time
from .data import FileEntry, Review, Tally, collect_review, load_summary, over_pool, read_report
from .pages import (
    INDEX_DATA,
    INDEX_PAGE,
    UNFINISHED_ID,
    index_data_bytes,
    iter_file_page,
    render_index,
    unfinished_banner,
)


def write_review(
    out_dir: str | Path,
    summary: dict | None = None,
    pool: Executor | None = None,
    pages: bool = True,
    on_pages: Callable[[int], None] | None = None,
    tally: Tally | None = None,
) -> Review:
    """Write every file's page (only with `pages`), index-data.js and index.html for the run in out_dir.

    Returns the review. With a pool (the run's worker processes), the pages are rendered there, a slice
    of the run each. Without pages, the index links none (no link to a missing or stale page).
    """
    out = Path(out_dir)
    summary = summary if summary is not None else load_summary(out)
    review = collect_review(out, summary, pool, tally)
    if not pages:
        for row in [*review.files, *review.failed, *review.held]:
            row["page"] = None
        for line in review.lines:
            line["files"] = [[None, rel] for _, rel in line["files"]]
        _write_index(out, review)
        return review
    # A file has a page when a report of this run exists; collect_review has just read them all (one row per
    # file).
    entries = [
        FileEntry(rec["input"], InputFile("", rec["input"]).stem, rec, None)
        for rec, row in zip(summary.get("file_records", []), review.files, strict=True)
        if row["page"] is not None
    ]
    n = PAGES_PER_JOB
    jobs = [
        (entries[i : i + n], entries[i - 1] if i else None, entries[i + n] if i + n < len(entries) else None)
        for i in range(0, len(entries), n)
    ]
    common = (str(out), review.cleaners, summary.get("ruleset_hash"))
    if pool is None:
        done = (write_pages(*common, *job) for job in jobs)
    else:
        done = over_pool(pool, write_pages, [(*common, *job) for job in jobs])
    for job, _ in zip(jobs, done, strict=True):
        if on_pages is not None:
            on_pages(len(job[0]))
    _write_index(out, review)
    return review


def _write_index(out: Path, review: Review) -> None:
    batch = OutputBatch()
    try:
        batch.write(INDEX_DATA, out / INDEX_DATA, index_data_bytes(review))
        # In place last: when it exists, the pages it links to do too.
        batch.write(INDEX_PAGE, out / INDEX_PAGE, render_index(review), phase=1)
        _commit(batch)
    finally:
        batch.abort()


def mark_index_unfinished(out_dir: str | Path, started: str) -> None:
    """Put unfinished_banner at the top of the run's index, if there is one and it has none yet, as a run
    starts (at `started`) to write out_dir: until the run ends (it writes a new index) the page says that
    it shows an earlier run. Read and written whole (the data is in index-data.js): a few KB."""
    path = Path(out_dir) / INDEX_PAGE
    try:
        page = path.read_bytes()
        shown = path.stat().st_mtime
    except FileNotFoundError:
        return
    body = b"<body>\n"
    if f'id="{UNFINISHED_ID}"'.encode() in page or body not in page:
        return  # marked by an earlier run that did not finish either; or not a page of ours
    banner = unfinished_banner(utc_time(shown), started, str(out_dir)).encode("utf-8", "replace")
    atomic_write(path, page.replace(body, body + banner, 1))


# Pages per job (and per sync of the disk).
PAGES_PER_JOB = 128


def write_pages(
    out_dir: str,
    cleaners: list[str],
    ruleset_hash: str | None,
    entries: list[FileEntry],
    before: FileEntry | None,
    after: FileEntry | None,
) -> None:
    """Render and write consecutive entries' pages (before and after: their neighbours, for the links)."""
    out = Path(out_dir)
    batch = OutputBatch()
    reader = ReportReader(out)
    try:
        for i, entry in enumerate(entries):
            report = read_report(reader, entry.record, {"ruleset_hash": ruleset_hash})
            entry = replace(
                entry,
                report=report
                if report is not None
                else {"error": "report missing or replaced since the run"},
            )
            original = cleaned = None
            if not entry.report.get("error"):
                try:
                    original, cleaned, _ = original_and_cleaned(out, entry.report)
                except (OSError, UnicodeDecodeError, ValueError) as exc:
                    # Show the problem on the page rather than a wrong text; the rest of the run still
                    # renders.
                    entry = replace(
                        entry,
                        report={**entry.report, "error": f"cannot rebuild the original for review: {exc}"},
                    )
            prev = entries[i - 1] if i > 0 else before
            next_ = entries[i + 1] if i + 1 < len(entries) else after
            with batch.open(entry.page, out / entry.page) as fh:
                write_text_chunks(fh, iter_file_page(entry, original, cleaners, prev, next_, cleaned))
            original = cleaned = None  # a big document's texts go before the next page's are read
        _commit(batch)
    finally:
        batch.abort()


def _commit(batch: OutputBatch) -> None:
    failed = batch.commit()
    if failed:
        raise next(iter(failed.values()))


def original_and_cleaned(out: Path, report: dict) -> tuple[str, str, list[Removal]]:
    """The original text, rebuilt from the cleaned output and the recorded removals, the cleaned text and
    the removals; raises ValueError when the output no longer matches its report."""
    cleaned = (out / report["output"]).read_bytes().decode("utf-8")
    removals = [Removal.from_dict(d) for d in report.get("removals") or []]
    original = restore(cleaned, removals)
    if len(original) != report.get("chars_in"):
        raise ValueError(f"{report['output']} does not match its report (changed since the run?)")
    check_removals(original, removals)
    return original, cleaned, removals


def head_of_texts(out: Path, report: dict, limit: int) -> tuple[str, str, list[Removal]]:
    """original_and_cleaned for the first `limit` characters of the original only: a huge file's review
    page shows its start, rebuilt from the start of the cleaned output (never the whole file read)."""
    full = [Removal.from_dict(d) for d in report.get("removals") or [] if d["start"] < limit]
    with open(out / report["output"], "rb") as fh:  # up to 4 bytes a character; a cut character waits
        cleaned = codecs.getincrementaldecoder("utf-8")().decode(fh.read(4 * limit))[:limit]
    original = restore(cleaned, full)[:limit]  # what is kept before `limit` is at most `limit` long
    removals = [replace(r, end=min(r.end, limit), text=r.text[: limit - r.start]) for r in full]
    return original, apply_removals(original, removals), removals
