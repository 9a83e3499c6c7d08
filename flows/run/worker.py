"""One batch of files: read, decode, clean, and write each file's outputs with the batch's one sync.

No Prefect here: pool and Dask workers import this module to run a batch, and importing Prefect
costs each of them ~1.5 s.
"""

from __future__ import annotations

import logging
import marshal
import os
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cleaners import CleanResult, Ruleset, clean_text

from ..inputs.discover import InputFile
from ..inputs.read import InputText, document_from_bytes, read_input, sha256_bytes
from ..outputs.atomic import WRITE_CHUNK, OutputBatch, flush_soon, write_text_chunks
from ..outputs.diff import iter_diff, render_diff
from ..outputs.records import (
    LEGACY_REPORT_SUFFIX,
    BatchRecords,
    add_outcome,
    count_removals,
    heavy_rules,
    removal_records,
    report_start,
    summary_record,
)
from ..review.data import Tally, tally_reports
from .bigfile import big_file_bytes, clean_big_file, window_limit
from .lost import read_back, write_claim
from .rulecache import RulesetRef, resolve_ruleset

# Outputs are renamed into place in two phases: the batch's records file only once every text and diff
# (or raw copy) is there.
OUTPUTS, REPORT = 0, 1
# The OutputBatch key of the batch's records file: if it cannot be put in place, no file of the batch is.
RECORDS = "records"

log = logging.getLogger("boilerclean")


class WriteFailed(Exception):
    """An output of one file could not be written (disk full, permissions ...): that file fails."""


def run_logger() -> logging.Logger | logging.LoggerAdapter:
    if "prefect" in sys.modules:  # inside a flow run, Prefect's logger ties the message to the run
        from prefect import get_run_logger
        from prefect.exceptions import MissingContextError

        try:
            return get_run_logger()
        except MissingContextError:
            pass
    return log


def clean_files(items: list[InputFile], out_dir: str, ruleset: Ruleset | RulesetRef) -> list[dict[str, Any]]:
    """Clean a batch and put its outputs in place together; a file that fails is recorded, the batch goes on.

    A plain function, so process pools and Dask can pickle it by name.
    """
    results, _ = _clean_batch(items, out_dir, resolve_ruleset(ruleset), lambda *_: None, claim=False)
    return results


def clean_and_tally(
    items: list[InputFile], out_dir: str, ruleset: Ruleset | RulesetRef
) -> tuple[list[dict[str, Any]], Tally]:
    """clean_files, and the batch's review counts made from its reports while they are in memory: the
    run's index then needs no read back of every report (what the run's batches run; the Prefect task
    clean_batch too)."""
    ruleset = resolve_ruleset(ruleset)  # a pool worker gets a reference, loaded once per process
    return _clean_batch(items, out_dir, ruleset, _counter(ruleset), claim=False)


def clean_and_claim(
    items: list[InputFile], out_dir: str, ruleset: Ruleset | RulesetRef
) -> tuple[list[dict[str, Any]], Tally]:
    """clean_and_tally for a process pool or Dask, which can lose a batch (its worker kept dying) and go
    on: the batch's records file is claimed before its commit, so that lost_batch can read it back
    (run/lost.py)."""
    ruleset = resolve_ruleset(ruleset)
    results, tally = _clean_batch(items, out_dir, ruleset, _counter(ruleset), claim=True)
    tally.rows = Marshalled(tally.rows)  # the bulk of what goes back to the run, with the records
    return Marshalled(results), tally


class Marshalled(list):
    """A list of plain values (str, int, float, None, and lists, tuples and dicts of them) that pickles
    through marshal: a batch's summary records and review rows go back to the run from a pool or Dask
    worker this way, arriving as a plain list. A batch of 312 files: its records and rows packed in 1.2 ms
    against 2.3 with pickle's own objects, its whole result unpacked in the run's main process in 3.9 ms
    against 5.5 (2026-12-03). A value marshal cannot take (none today) falls back to pickle."""

    __slots__ = ()

    def __reduce__(self) -> tuple:
        plain = list(self)
        try:
            return (marshal.loads, (marshal.dumps(plain),))
        except ValueError:
            return (list, (plain,))


def lost_batch(
    items: list[InputFile], why: str, ruleset_hash: str, out_dir: str
) -> tuple[list[dict[str, Any]], Tally]:
    """clean_and_tally's result for a batch that no worker could finish (the pool or Dask gave it up).
    A worker that died after putting the batch in place left it claimed: its files whose outputs are in
    place are taken from its records file. Every other file fails with `why` (its manifest entry stays the
    last good one: the next run cleans it again)."""
    committing, found, reports = read_back(out_dir, items, ruleset_hash)
    if len(found) == 1:
        run_logger().warning("%s: %s after putting its outputs in place; its results read back", *found, why)
    elif found:
        what = f"{min(found)} and {len(found) - 1} more files"
        run_logger().warning("%s: %s after putting their outputs in place; results read back", what, why)
    # Died while putting the batch in place: a file's new outputs may be in place without their records.
    why += "; not cleaned" + (" (its outputs may be new)" if committing else "")
    results = [found.get(item.rel) or summary_record({"input": item.rel, "error": why}) for item in items]
    return results, tally_reports(ruleset_hash, results, reports.get)


def _counter(ruleset: Ruleset) -> Callable[[list[dict], BatchRecords], Tally]:
    return lambda results, records: tally_reports(ruleset.hash, results, records.report)


def _clean_batch(
    items: list[InputFile],
    out_dir: str,
    ruleset: Ruleset,
    count: Callable[[list[dict], BatchRecords], Any],
    claim: bool,
) -> tuple[list[dict], Any]:
    """The batch's summary records, and count(them, its records). The counting is done while the batch's
    commit (sync, links, folder syncs) runs in a thread, on the records it gives when every output goes in
    place; and again, after it, in the rare case where some did not. `claim`: for a pool or Dask, which
    deletes the claim when it has the result (run/lost.py)."""
    work = _stage_batch(items, out_dir, ruleset)
    if claim and not work.failed and work.records:  # read if this worker dies before the run has the result
        write_claim(out_dir, items, work.records.name)
    committing = _Committing(work)
    guess = None
    try:
        if not work.failed:
            guess = count(_with_pointers(work.results, work.records, {}, set()), work.records)
    finally:
        committing.done()
    if guess is not None and not work.failed:
        return work.results, guess
    return _settled(work, count)


@dataclass(slots=True)
class _BatchWork:
    """A batch cleaned and staged: its outputs written, not yet in place."""

    batch: OutputBatch
    records: BatchRecords
    results: list[dict]  # its summary records, as written
    failed: dict[str, OSError]  # input -> why its outputs could not be put in place


def _stage_batch(items: list[InputFile], out_dir: str, ruleset: Ruleset) -> _BatchWork:
    """Read, clean and write every input of the batch, and its records file; nothing in place yet."""
    batch = OutputBatch(shared_key=RECORDS)
    records = BatchRecords()
    try:
        results = _write_batch(items, out_dir, ruleset, batch, records)
        failed = _stage_records(batch, records, out_dir)
    except BaseException:
        batch.abort()  # after an interruption: no temporary file outlives the batch
        raise
    return _BatchWork(batch, records, results, failed)


def _settled(work: _BatchWork, count: Callable[[list[dict], BatchRecords], Any]) -> tuple[list[dict], Any]:
    """A committed batch's summary records, each naming the records file that holds its report, and
    count(them, its records)."""
    batch = work.batch
    # A file that failed after its new outputs were renamed (its folder's sync failed) has them in place:
    # its record must name the new report, which matches them.
    in_place = {item.rel for item in batch.renamed if item != RECORDS} if RECORDS in batch.renamed else set()
    results = _with_pointers(work.results, work.records, work.failed, in_place)
    return results, count(results, work.records)


def _write_batch(
    items: list[InputFile], out_dir: str, ruleset: Ruleset, batch: OutputBatch, records: BatchRecords
) -> list[dict]:
    """Read, clean and stage every input of the batch; their summary records (a file that fails is
    recorded, the batch goes on)."""
    results = []
    half = len(items) // 2 if len(items) >= FLUSH_SOON_FILES else -1
    for group in _cleaned_groups(items, ruleset):
        for item, cleaned in group:
            if len(results) == half:  # the batch's first half on its way to disk while the rest is written
                flush_soon(out_dir)
            try:
                results.append(_write_file(item, cleaned, out_dir, ruleset, batch, records))
            except Exception as exc:  # noqa: BLE001 - one bad file must never stop a run
                batch.discard(item)
                if isinstance(exc, WriteFailed):
                    error = str(exc)
                else:
                    run_logger().exception("%s: unexpected error", item.rel)
                    error = f"unexpected error: {type(exc).__name__}: {exc}"
                results.append(summary_record({"input": item.rel, "error": error}))
    return results


# A batch of at least this many files starts its first half's sync while writing its second (flush_soon).
FLUSH_SOON_FILES = 32

# Characters of text read and cleaned before their outputs are written. Reading a group's inputs, then
# cleaning them back to back, then writing their outputs costs the engine 10-20% less CPU than doing the
# three per input in turn (its tables stay in the processor's caches between documents; RESULTS.md,
# 2026-12-01 22:00); the bound keeps a batch of large inputs from being held whole.
GROUP_CHARS = 1 << 22


def _cleaned_groups(items: list[InputFile], ruleset: Ruleset) -> Iterator[list[tuple[InputFile, Any]]]:
    """The batch's inputs in order, in groups read and then cleaned together, each with its _Cleaned (or
    the exception that stopped it; None: a huge input, cleaned in windows as its outputs are written)."""
    for group in _read_groups(items, ruleset):
        for i, (item, got) in enumerate(group):
            if isinstance(got, _Cleaned) and got.doc is not None:
                try:
                    _clean(got, item, ruleset)
                except Exception as exc:  # noqa: BLE001 - raised again where its outputs would be written
                    group[i] = (item, exc)
        yield group


def _read_groups(items: list[InputFile], ruleset: Ruleset) -> Iterator[list[tuple[InputFile, Any]]]:
    group: list[tuple[InputFile, Any]] = []
    chars = 0
    big = big_file_bytes()
    for item in items:
        try:  # a huge text input is left unread (None), on the size its read's fstat gives
            got: Any = _read(item, ruleset, window_limit(item.rel, big))
        except Exception as exc:  # noqa: BLE001 - raised again where its outputs would be written
            got = exc
        if got is None:  # cleaned in windows, alone, in its place
            if group:
                yield group
            group, chars = [], 0
            yield [(item, None)]
            continue
        if isinstance(got, _Cleaned):
            chars += len(got.doc.text) if got.doc else len(got.raw or b"")
        group.append((item, got))
        if chars >= GROUP_CHARS:
            yield group
            group, chars = [], 0
    if group:
        yield group


def _stage_records(batch: OutputBatch, records: BatchRecords, out_dir: str) -> dict[str, OSError]:
    """Stage the batch's records file (put in place last); {} or, when it cannot be written, every input
    of the batch -> why (nothing of the batch then goes in place)."""
    if records:
        try:
            batch.write(RECORDS, Path(out_dir) / records.name, records.data(), phase=REPORT)
        except OSError as exc:
            batch.abort()
            return dict.fromkeys(records.inputs, exc)
    return {}


class _Committing:
    """A staged batch put in place (OutputBatch.commit) in a thread of its own, started at once (none when
    its records file could not be written: nothing of it goes in place). The commit mostly waits for the
    disk or the kernel with the GIL released (syncfs, links, folder fsyncs), so the batch's thread goes on
    meanwhile; done() waits for it."""

    __slots__ = ("_box", "_thread", "_work")

    def __init__(self, work: _BatchWork) -> None:
        self._work = work
        self._box: dict[str, Any] = {}
        self._thread = None
        if not work.failed:
            self._thread = threading.Thread(target=self._commit, name="commit-batch", daemon=True)
            self._thread.start()

    def _commit(self) -> None:
        try:
            self._box["failed"] = self._work.batch.commit()
        except BaseException as exc:  # noqa: BLE001 - raised again by done(), in the batch's thread
            self._box["error"] = exc

    def done(self) -> _BatchWork:
        """The batch, its `failed` filled in, once the commit is over (a Ctrl-C does not cut the wait
        short: the batch's files stay open until the commit is done with them); then let go (abort)."""
        try:
            if self._thread is not None:
                _join(self._thread)
                self._thread = None
                if "error" in self._box:
                    raise self._box["error"]
                failed = self._box.get("failed", {})
                self._work.failed = {item.rel: exc for item, exc in failed.items() if item != RECORDS}
        finally:
            self._work.batch.abort()
        return self._work


def _join(thread: threading.Thread) -> None:
    """thread.join(), which a Ctrl-C here does not cut short (raised once the thread is done)."""
    interrupted = None
    while thread.is_alive():
        try:
            thread.join()
        except KeyboardInterrupt as exc:
            interrupted = exc
    if interrupted is not None:
        raise interrupted


def _with_pointers(
    results: list[dict], records: BatchRecords, failed: dict[str, OSError], in_place: set[str]
) -> list[dict]:
    """The batch's summary records, each naming the records file that holds its report."""
    out = []
    for r in results:
        rel = r["input"]
        if rel in failed:
            r = summary_record({"input": rel, "error": f"cannot write outputs: {failed[rel]}"})
        if rel in records.inputs and (rel not in failed or rel in in_place):
            r["records"] = records.name
        out.append(r)
    return out


@dataclass(slots=True)
class _Cleaned:
    """One input read (and then cleaned), its outputs not written yet."""

    report: dict
    error: str = ""  # it could not be read or decoded: why
    raw: bytes | None = None  # it could not be decoded: its bytes, kept as DIR/<stem>.raw
    doc: InputText | None = None  # its text (a page's extracted article: what reports and diffs refer to)
    result: CleanResult | None = None


def _read(item: InputFile, ruleset: Ruleset, big: int | None = None) -> _Cleaned | None:
    """Read and decode one input (_clean cleans it, _write_file writes its outputs); None, unread, when it
    holds `big` bytes or more."""
    report = report_start(item.rel, ruleset.hash)
    try:
        data = read_input(item.path, big)
    except OSError as exc:
        return _Cleaned(report, f"cannot read file: {exc.strerror or exc}")
    if data is None:
        return None
    report["sha256"] = sha256_bytes(data)
    report["bytes"] = len(data)
    try:
        doc = document_from_bytes(data, item.rel, ruleset.extraction)
    except ValueError as exc:  # ExtractionError included
        return _Cleaned(report, str(exc), raw=data)
    report.update(doc.record)
    return _Cleaned(report, doc=doc)


def _clean(got: _Cleaned, item: InputFile, ruleset: Ruleset) -> None:
    doc = got.doc
    got.result = clean_text(doc.text, ruleset, source=item.rel, domain=doc.domain, titles=doc.titles)


def _write_file(
    item: InputFile,
    cleaned: _Cleaned | Exception | None,
    out_dir: str,
    ruleset: Ruleset,
    batch: OutputBatch,
    batch_records: BatchRecords,
) -> dict[str, Any]:
    """Write one input's .txt and .diff into the batch and its report into the batch's records; return
    its summary record. `cleaned`: what _cleaned_groups made of it.

    Raises WriteFailed when an output cannot be written (the caller discards this file's outputs).
    """
    if isinstance(cleaned, Exception):
        raise cleaned
    name = item.stem
    stem = os.path.join(out_dir, name)  # each output's path but its suffix (strings: no Path per file)
    if cleaned is None:  # one huge text input: cleaned in windows, memory bounded (None: not UTF-8 text)
        record = clean_big_file(
            item,
            out_dir,
            ruleset,
            lambda path, chunks: _stage(batch, item, path, OUTPUTS, chunks),
            batch_records.add_line,
        )
        if record is not None:
            return record
        cleaned = _read(item, ruleset)
        if cleaned.doc is not None:
            _clean(cleaned, item, ruleset)
    report = cleaned.report
    if cleaned.raw is not None:
        # Not cleaned, but kept byte for byte so `boilerclean restore` still rebuilds every input it read.
        report["raw_copy"] = f"{name}.raw"
        _stage(batch, item, stem + ".raw", OUTPUTS, data=cleaned.raw)
        return _fail(report, batch_records, cleaned.error)
    if cleaned.error:
        if _has_outputs(stem):  # a failure never replaces a good output: the last run's stay
            return summary_record({**report, "error": cleaned.error})
        return _fail(report, batch_records, cleaned.error)
    text, result = cleaned.doc.text, cleaned.result
    records = removal_records(text, result.removals)
    add_outcome(report, result.held, result.timed_out, heavy_rules(records, text, ruleset.quarantine))
    report.update(
        encoding=cleaned.doc.encoding,
        output=f"{name}.txt",
        chars_in=len(text),
        chars_out=len(result.cleaned),
        removals=records,
        counts=count_removals(records),
    )
    # The records file goes in place last. A big document's diff is written in pieces (no second whole
    # copy); a small one's as one string (fewer calls per output).
    _stage(batch, item, stem + ".txt", OUTPUTS, data=result.cleaned)
    if len(text) <= WRITE_CHUNK:
        _stage(batch, item, stem + ".diff", OUTPUTS, data=render_diff(text, result.removals, item.rel))
    else:
        _stage(batch, item, stem + ".diff", OUTPUTS, iter_diff(text, result.removals, item.rel))
    batch_records.add(report)
    return summary_record(report)


def _has_outputs(stem: str) -> bool:
    """Whether an earlier run left this input's outputs (its manifest entry keeps their records)."""
    return any(os.path.exists(stem + s) for s in (".txt", ".raw", LEGACY_REPORT_SUFFIX))


def _fail(report: dict, records: BatchRecords, error: str) -> dict[str, Any]:
    report["error"] = error
    records.add(report)
    return summary_record(report)


def _stage(
    batch: OutputBatch,
    item: InputFile,
    path: str | os.PathLike,
    phase: int,
    chunks: Iterable[str] = (),
    data: str | bytes | None = None,
) -> None:
    """Write one output of `item` into the batch: `data` held in memory (one write), else `chunks`."""
    try:
        if data is not None:
            batch.write(item, path, data, phase)
            return
        with batch.open(item, path, phase) as fh:
            write_text_chunks(fh, chunks)
    except OSError as exc:
        raise WriteFailed(f"cannot write outputs: {exc}") from exc
