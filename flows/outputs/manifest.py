"""Incremental runs: the output folder's manifest of what was cleaned, from which input and ruleset.

The manifest is a SQLite file, DIR/.boilerclean/manifest.sqlite (hidden: input discovery and the
golden comparison skip it). SQLite commits are atomic and survive SIGKILL, and a batch's entries
are one small transaction, so a run over thousands of files never rewrites a whole manifest.
An entry is written only after that file's outputs are in place; a killed batch is simply redone.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

import orjson

from ..inputs.discover import InputFile
from ..inputs.extract import is_html, page_extraction_key
from ..inputs.read import read_input, sha256_bytes
from .atomic import TEMP_NAME, remove_dead_temps
from .records import RECORDS_DIR, RECORDS_PATTERN, is_records_name

STATE_DIR = ".boilerclean"
MANIFEST_NAME = "manifest.sqlite"
LOCK_NAME = "lock"
SCHEMA_VERSION = 1

# What a killed run leaves behind between creating a temporary file and renaming it (atomic.TEMP_NAME).
STRAY_TEMP = TEMP_NAME
# Every output an input can have, by suffix after its stem (the review page included).
OUTPUT_SUFFIXES = (".txt", ".diff", ".report.json", ".raw", ".html")

# Why a file with unchanged content is cleaned again.
REASON_RULESET = "ruleset changed"
REASON_EXTRACTION = "page extraction changed"
REASON_OUTPUTS = "outputs missing"
REASON_FAILED = "failed last time"

log = logging.getLogger("boilerclean")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    rel TEXT PRIMARY KEY,        -- input path relative to its input folder (POSIX), as in reports
    path TEXT NOT NULL,          -- the input path as given on the command line
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    sha256 TEXT,                 -- NULL when the file could not be read
    ruleset_hash TEXT NOT NULL,
    outputs TEXT NOT NULL,       -- JSON list of output paths relative to the output folder
    record TEXT NOT NULL,        -- JSON summary record, reused in summary.json while unchanged
    failed INTEGER NOT NULL      -- 1: retried on the next run
);
-- Batch records files (removals/<digest>.jsonl) and how many entries' records they hold: a file goes
-- once none does (its inputs cleaned again into newer batches, or pruned).
CREATE TABLE IF NOT EXISTS records (file TEXT PRIMARY KEY, live INTEGER NOT NULL);
"""
# The records file a stored summary record names (as orjson writes it; json.dumps, before, with a space).
_POINTER = re.compile(f'"records": ?"({RECORDS_PATTERN})"')


def records_of(record_json: str) -> str | None:
    """The batch records file a manifest entry's summary record names, or None (a run before the layout)."""
    m = _POINTER.search(record_json)
    return m.group(1) if m else None


def state_dir(out: str | os.PathLike) -> Path:
    return Path(out) / STATE_DIR


def outputs_of(item: InputFile, record: dict) -> list[str]:
    """The output files clean_file wrote for this record (relative to the output folder); its report is a
    line of its batch's records file (record["records"]), counted apart: other inputs share that file."""
    outputs = []
    if record.get("output"):
        outputs += [record["output"], f"{item.stem}.diff"]
    if record.get("raw_copy"):  # an input that could not be decoded is kept as it was
        outputs.append(record["raw_copy"])
    return sorted(outputs)


def remove_stray_temps(out: str | os.PathLike) -> int:
    """Delete the temporary files dead runs left in the output folder; returns how many."""
    return remove_dead_temps(out, STATE_DIR)


# How a file's review page (review/pages.py) ends its title, within its first bytes.
REVIEW_PAGE_TITLE = b" - boilerclean review</title>"


def _is_review_page(path: Path) -> bool:
    """Whether `path` is a review page of ours (a missing one is, as there is nothing to delete)."""
    try:
        with open(path, "rb") as f:
            return REVIEW_PAGE_TITLE in f.read(1 << 16)
    except FileNotFoundError:
        return True
    except OSError:
        return False


class ManifestError(Exception):
    """The manifest cannot be written (disk full, read-only ...): the run stops with one line."""


def owned_path(out: Path, rel: object) -> Path | None:
    """DIR/rel for a manifest output path, or None unless it is a plain relative path that stays inside DIR
    (manifest rows are data, never trusted paths: no absolute path, no "..", no folder link leading out)."""
    path = OwnedPaths(out).path(rel)
    return None if path is None else Path(path)


_NOT_PARTS = frozenset(("", ".", ".."))  # of an owned path (a leading "/" makes an empty first part)


class OwnedPaths:
    """owned_path for many outputs of one folder, as strings, each sub-folder's real path resolved once (and
    listed once, for has): a rerun's plan checks every unchanged input's outputs, and two realpath() calls
    per output (each an lstat per component) and a stat were ~3 s of CPU per 20,000 inputs."""

    def __init__(self, out: Path) -> None:
        self._prefix = os.path.join(os.fspath(out), "")
        self._root = os.path.realpath(out)
        self._inside: dict[str, bool] = {}  # sub-folder (relative) -> whether its real path is in DIR
        self._listed: dict[str, set[str]] = {}  # sub-folder -> the names in it that are not links

    def path(self, rel: object) -> str | None:
        """DIR/rel, or None unless `rel` is owned (owned_path)."""
        if not isinstance(rel, str) or not rel or "\x00" in rel or "\\" in rel:
            return None
        if not _NOT_PARTS.isdisjoint(rel.split("/")):  # absolute, "..", "." or an empty part
            return None
        folder = rel.rpartition("/")[0]
        inside = self._inside.get(folder)
        if inside is None:
            real = os.path.realpath(self._prefix + folder)
            inside = self._inside[folder] = real == self._root or real.startswith(self._root + os.sep)
        return self._prefix + rel if inside else None

    def has(self, rel: object) -> bool:
        """Whether DIR/rel is owned and in place: in its folder's listing, else by a stat (a link, or a name
        that the disk matches to another spelling)."""
        path = self.path(rel)
        if path is None:
            return False
        folder, _, name = rel.rpartition("/")
        listed = self._listed.get(folder)
        if listed is None:
            listed = self._listed[folder] = _names_not_links(self._prefix + folder)
        return name in listed or os.path.exists(path)


def _names_not_links(folder: str) -> set[str]:
    """The names in `folder` that are not symbolic links (none if it cannot be listed)."""
    try:
        with os.scandir(folder) as entries:
            return {e.name for e in entries if not e.is_symlink()}
    except OSError:
        return set()


def _loads(text: str) -> Any:
    """A JSON column of the manifest, through orjson (json.loads was ~0.2 s of a 20,000-file rerun); json
    reads what orjson refuses (a lone surrogate json.dumps escaped, a number out of range)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def _row_outputs(row_outputs: str) -> list[str]:
    try:
        outputs = _loads(row_outputs)
    except ValueError:
        return []
    return [o for o in outputs if isinstance(o, str)] if isinstance(outputs, list) else []


def _under(rel: str, prefixes: Iterable[str]) -> bool:
    return any(p == "" or rel == p or rel.startswith(p + "/") for p in prefixes)


@dataclass(slots=True)
class _Planned:
    item: InputFile
    size: int
    mtime_ns: int
    status: str  # new, changed, recleaned


@dataclass
class IncrementalRun:
    """One run's view of the manifest: plan() filters inputs, record() enters each batch, close() closes."""

    out: Path
    ruleset_hash: str
    prune: bool = False
    counts: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(("new", "changed", "unchanged", "recleaned", "gone"), 0)
    )
    reasons: dict[str, int] = field(default_factory=dict)
    gone: list[str] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)
    stray_temps: int = 0
    orphans: list[str] = field(default_factory=list)  # records files nothing named, deleted at the end
    # A page's row keeps the ruleset hash + the extraction key: new extraction code cleans pages again.
    page_hash: str = ""
    _planned: dict[str, _Planned] = field(default_factory=dict)
    _folder: OwnedPaths | None = None  # plan()'s view of the output folder's paths
    _db: sqlite3.Connection | None = None
    _lock_fd: int | None = None
    _mutex: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def open(cls, out: str | os.PathLike, ruleset_hash: str, prune: bool = False) -> IncrementalRun:
        """Lock the output folder (one run at a time), open its manifest and remove dead runs' temp files."""
        run = cls(Path(out), ruleset_hash, prune, page_hash=f"{ruleset_hash}+{page_extraction_key()}")
        sdir = state_dir(out)
        sdir.mkdir(parents=True, exist_ok=True)
        run._lock_fd = os.open(sdir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(run._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                log.warning("%s: another run is writing to this folder; waiting for it to finish", out)
                fcntl.flock(run._lock_fd, fcntl.LOCK_EX)
            run.stray_temps = remove_stray_temps(out)
            run._db = _open_db(sdir / MANIFEST_NAME)
        except BaseException:
            run.close()
            raise
        return run

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # releases the flock
            self._lock_fd = None

    def plan(self, items: list[InputFile], unknown: Iterable[str] = ()) -> tuple[list[InputFile], list[dict]]:
        """The inputs that need cleaning, and the summary records of the unchanged ones (from the manifest).

        `unknown`: input paths (folders) that could not be read: the entries under them are neither
        gone nor pruned, their outputs stay.
        """
        assert self._db is not None
        unknown = list(unknown)
        self._folder = OwnedPaths(self.out)  # each folder resolved once, in this plan
        with _db_errors(self.out):
            rows = {
                r[0]: r
                for r in self._db.execute(
                    "SELECT rel, size, mtime_ns, sha256, ruleset_hash, outputs, record, failed FROM files"
                )
            }
        todo: list[InputFile] = []
        unchanged: list[dict] = []
        touched: list[tuple[int, int, str]] = []
        for item in items:
            status = self._status(item, rows.get(item.rel), touched)
            if status == "unchanged":
                unchanged.append(_loads(rows[item.rel][6]))
            else:
                todo.append(item)
            self.counts[status] += 1
        seen = {item.rel for item in items}
        # Under an unread folder: kept as they were, and still listed in the summary (restore finds them).
        unchanged += [_loads(r[6]) for rel, r in rows.items() if rel not in seen and _under(rel, unknown)]
        self.gone = sorted(rel for rel in rows if rel not in seen and not _under(rel, unknown))
        self.counts["gone"] = len(self.gone)
        if touched:  # touched but identical: remember the new mtime so the next run's fast check passes
            with self._mutex, _db_errors(self.out), self._db:
                self._db.execute("BEGIN")
                self._db.executemany("UPDATE files SET size = ?, mtime_ns = ? WHERE rel = ?", touched)
        if self.prune and self.gone:
            live = _live_outputs(rows, set(self.gone), items)
            self._prune({rel: rows[rel] for rel in self.gone}, live)
        return todo, unchanged

    def size(self, rel: str) -> int:
        """The bytes of an input to clean, as plan() found them (0 when it could not be stat'ed)."""
        planned = self._planned.get(rel)
        return max(planned.size, 0) if planned else 0

    def _status(self, item: InputFile, row: tuple | None, touched: list) -> str:
        try:
            st = os.stat(item.path)
        except OSError:
            st = None  # clean_file reports the read error
        size, mtime_ns = (st.st_size, st.st_mtime_ns) if st else (-1, -1)
        status = self._compare(item, row, size, mtime_ns, touched)
        if status != "unchanged":
            self._planned[item.rel] = _Planned(item, size, mtime_ns, status)
        return status

    def _compare(self, item: InputFile, row: tuple | None, size: int, mtime_ns: int, touched: list) -> str:
        if row is None:
            return "new"
        _, old_size, old_mtime, old_sha, old_hash, outputs, _, failed = row
        if size < 0:
            return "changed"
        if (size, mtime_ns) != (old_size, old_mtime):
            # Fast check failed: the content decides (a touch or a copy keeps it).
            try:
                sha = sha256_bytes(read_input(item.path))  # a FIFO must not block the plan
            except OSError:
                return "changed"
            if sha != old_sha:
                return "changed"
            touched.append((size, mtime_ns, item.rel))
        reason = None
        if old_hash != self._hash_of(item.rel):
            same_rules = old_hash.partition("+")[0] == self.ruleset_hash
            reason = REASON_EXTRACTION if same_rules else REASON_RULESET
        elif failed:
            reason = REASON_FAILED
        elif not self._outputs_present(row):
            reason = REASON_OUTPUTS
        if reason is None:
            return "unchanged"
        self.reasons[reason] = self.reasons.get(reason, 0) + 1
        return "recleaned"

    def _hash_of(self, rel: str) -> str:
        return self.page_hash if is_html(rel) else self.ruleset_hash

    def _outputs_present(self, row: tuple) -> bool:
        """Whether a manifest row's outputs, and the records file its summary record names, are in place."""
        records = records_of(row[6])
        if records and not self._folder.has(records):
            return False
        return all(self._folder.has(o) for o in _row_outputs(row[5]))

    def record(self, results: Iterable[dict]) -> None:
        """Enter a finished batch's files (their outputs are written) into the manifest, in one transaction.

        A file that failed before its outputs were written (unreadable, or a write failed) keeps its
        old entry and outputs, marked to be retried: a failure never costs the last good outputs.
        """
        assert self._db is not None
        rows, kept, stale, live = [], [], [], Counter()
        results = [r for r in results if r["input"] in self._planned]  # e.g. a clash: never cleaned
        with self._mutex, _db_errors(self.out):
            old_rows = self._old_rows([r["input"] for r in results])
            for rec in results:
                planned = self._planned.pop(rec["input"])
                old = old_rows.get(planned.item.rel)
                failed = rec.get("error") is not None or not rec.get("sha256")
                if old and not rec.get("sha256"):
                    kept.append((planned.item.rel,))
                    if records_of(old[1]):  # the summary points at the last good records, as restore needs
                        rec.setdefault("records", records_of(old[1]))  # unless its new ones are in place
                    continue
                outputs = outputs_of(planned.item, rec)
                if old:  # e.g. a text that is now kept as .raw: its old .txt and .diff go
                    stale += [o for o in _row_outputs(old[0]) if o not in outputs]
                    live[records_of(old[1])] -= 1
                live[rec.get("records")] += 1
                rows.append(self._row(planned, rec, outputs, failed))
            for o in stale:
                if (path := owned_path(self.out, o)) is not None:
                    _unlink_or_warn(path)
            with self._db:
                self._db.execute("BEGIN")
                self._db.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
                self._db.executemany("UPDATE files SET failed = 1 WHERE rel = ?", kept)
                unused = self._count_records(live)
            self._remove_records(unused)

    def _old_rows(self, rels: list[str]) -> dict[str, tuple[str, str]]:
        """rel -> (outputs, record) of the entries a batch replaces, in one query per 500 (SQLite's limit)."""
        found = {}
        for i in range(0, len(rels), 500):
            chunk = rels[i : i + 500]
            marks = ",".join("?" * len(chunk))
            query = f"SELECT rel, outputs, record FROM files WHERE rel IN ({marks})"
            found.update({r[0]: (r[1], r[2]) for r in self._db.execute(query, chunk)})
        return found

    def _count_records(self, live: Counter) -> list[str]:
        """Add each records file's change in entries; returns the files no entry uses any more."""
        changes = [(f, n) for f, n in live.items() if f and n]
        self._db.executemany(
            "INSERT INTO records VALUES (?, ?) ON CONFLICT(file) DO UPDATE SET live = live + excluded.live",
            changes,
        )
        unused = [
            f
            for f, n in changes
            if n < 0 and self._db.execute("SELECT live FROM records WHERE file = ?", (f,)).fetchone()[0] <= 0
        ]
        self._db.executemany("DELETE FROM records WHERE file = ?", [(f,) for f in unused])
        return unused

    def _remove_records(self, unused: list[str]) -> list[str]:
        """Delete records files no entry uses (after the transaction: a crash in between leaves a file)."""
        removed = []
        for name in unused:
            if is_records_name(name) and (path := owned_path(self.out, name)) is not None:
                if _unlink_or_warn(path):
                    removed.append(name)
        return removed

    def _row(self, planned: _Planned, rec: dict, outputs: list[str], failed: bool) -> tuple:
        return (
            planned.item.rel,
            planned.item.path,
            planned.size,
            planned.mtime_ns,
            rec.get("sha256"),
            self._hash_of(planned.item.rel),
            # orjson: json.dumps was a tenth of the manifest's time
            orjson.dumps(outputs).decode(),
            orjson.dumps(rec, option=orjson.OPT_SORT_KEYS).decode(),
            int(failed),
        )

    def _prune(self, gone_rows: dict[str, tuple], live: set[str]) -> None:
        """Delete the outputs of gone inputs: only paths inside DIR, never one a live input owns."""
        assert self._db is not None
        for rel, row in gone_rows.items():
            kept = False
            outputs = _row_outputs(row[5])
            # The review page (review/write.py) is written after the run, not recorded: it goes too, if it
            # is one (a user's own file of that name stays).
            page = InputFile("", rel).stem + ".html"
            outputs.append(page)
            for o in outputs:
                path = owned_path(self.out, o)
                if path is None or o.lower() in live or (o == page and not _is_review_page(path)):
                    continue
                removed = _unlink_or_warn(path)
                if removed is None:
                    kept = True
                elif removed:
                    self.pruned.append(o)
                _remove_empty_parents(path, self.out)
            if kept:  # an output could not be deleted: the entry stays, the next --prune tries again
                continue
            with self._mutex, _db_errors(self.out), self._db:  # an entry goes only once its outputs are gone
                self._db.execute("BEGIN")
                self._db.execute("DELETE FROM files WHERE rel = ?", (rel,))
                unused = self._count_records(Counter({records_of(row[6]): -1}))
            self.pruned += self._remove_records(unused)
        self.pruned.sort()

    def run_section(self) -> dict[str, Any]:
        """What this run did, for summary.json's "run" key: deterministic (relative paths, no times)."""
        return {
            **self.counts,
            "recleaned_because": dict(sorted(self.reasons.items())),
            "gone_inputs": list(self.gone),
            "pruned": self.prune,
            "pruned_outputs": list(self.pruned),
        }

    def remove_orphan_records(self) -> list[str]:
        """Delete the records files that neither a manifest entry nor summary.json names (nothing can
        find them): a batch whose every input failed unread (their entries keep their older file), a
        batch a killed run put in place but never entered, the files of a manifest since rebuilt. Only
        names of the records pattern in DIR/removals/; nothing when summary.json cannot be read."""
        assert self._db is not None
        with self._mutex, _db_errors(self.out):
            counted = {row[0] for row in self._db.execute("SELECT file FROM records")}
            candidates = _records_on_disk(self.out) - counted  # the usual case: none, and nothing read
            if not candidates:
                return []
            entries = {records_of(row[0]) for row in self._db.execute("SELECT record FROM files")}
        try:
            summary = (self.out / "summary.json").read_bytes()
        except OSError:
            return []  # what the summary names is unknown: keep them all
        named = entries | {m.decode() for m in _NAMED_RECORDS.findall(summary)}
        return self._remove_records(sorted(candidates - named))

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        try:
            if exc_type is None and self._db is not None:  # a run that ended: summary.json is written
                self.orphans = self.remove_orphan_records()
        finally:
            self.close()


# Any records file summary.json names, found in its bytes (its pointers and its held list's reports).
_NAMED_RECORDS = re.compile(RECORDS_PATTERN.encode())


def _records_on_disk(out: Path) -> set[str]:
    """The records files in DIR/removals/, as summary records name them (regular files only)."""
    try:
        found = list(os.scandir(out / RECORDS_DIR))
    except OSError:
        return set()
    names = {f"{RECORDS_DIR}/{e.name}" for e in found if e.is_file(follow_symlinks=False)}
    return {name for name in names if is_records_name(name)}


def _live_outputs(rows: dict[str, tuple], gone: set[str], items: list[InputFile]) -> set[str]:
    """Every output path (lower case: a disk may ignore case) a live input owns or may write this run."""
    live = set()
    for rel, row in rows.items():
        if rel not in gone:
            live.update(o.lower() for o in _row_outputs(row[5]))
    for stem in {InputFile("", rel).stem for rel in rows if rel not in gone} | {i.stem for i in items}:
        live.update(f"{stem}{suffix}".lower() for suffix in OUTPUT_SUFFIXES)
    return live


def _is_damaged(exc: sqlite3.Error) -> bool:
    """A damaged file (not a full disk or a lock): SQLite says so with these words."""
    text = str(exc).lower()
    return "malformed" in text or "not a database" in text or "corrupt" in text


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    try:
        # A batch's entry no longer waits for a sync of its own (~10 ms each, on the run's critical path):
        # WAL stays whole through a crash; a power cut may lose the last entries, whose files are then
        # cleaned again (their outputs were synced before their entries were written).
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.executescript(_SCHEMA)
        check = db.execute("PRAGMA quick_check").fetchone()
        if not check or check[0] != "ok":
            raise sqlite3.DatabaseError(f"database disk image is malformed ({check and check[0]})")
        db.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
    except BaseException:
        db.close()
        raise
    return db


def _open_db(path: Path) -> sqlite3.Connection:
    """The manifest; a damaged one is moved aside (kept, never deleted) and rebuilt, with a warning."""
    try:
        return _connect(path)
    except sqlite3.Error as exc:
        if not _is_damaged(exc):
            raise ManifestError(f"{path}: {exc}") from None
        aside = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%dT%H%M%S')}")
        log.warning(
            "%s: manifest damaged (%s); kept as %s and rebuilt: every input is cleaned again",
            path,
            exc,
            aside.name,
        )
        try:
            os.replace(path, aside)
            for extra in ("-journal", "-wal", "-shm"):
                _unlink(path.with_name(path.name + extra))
            return _connect(path)
        except (OSError, sqlite3.Error) as again:
            raise ManifestError(f"{path}: {again}") from None


@contextmanager
def _db_errors(out: Path) -> Iterator[None]:
    """SQLite's errors (disk full, damage found mid-run) as one ManifestError naming the manifest."""
    try:
        yield
    except sqlite3.Error as exc:
        raise ManifestError(f"{state_dir(out) / MANIFEST_NAME}: {exc}") from None


def recorded_entries(out: str | os.PathLike) -> dict[str, str | None]:
    """Input -> the records file its manifest entry names, None for a run before the batch layout ({}
    without a readable manifest). The manifest learns each batch as it is put in place: current even when
    summary.json could not be rewritten."""
    path = state_dir(out) / MANIFEST_NAME
    if not path.is_file():
        return {}
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = db.execute("SELECT rel, record FROM files").fetchall()
        finally:
            db.close()
    except sqlite3.Error:
        return {}
    return {rel: records_of(record) for rel, record in rows}


def recorded_records(out: str | os.PathLike) -> dict[str, str]:
    """Input -> the records file its manifest entry names, for the entries that name one."""
    return {rel: p for rel, p in recorded_entries(out).items() if p}


def unsummarised(out: str | os.PathLike, summary: dict) -> list[str]:
    """The inputs whose manifest entry `summary` (DIR/summary.json) does not describe: a later run put their
    outputs in place and stopped (killed, or its disk full) before it rewrote summary.json. [] without a
    manifest. Compared by records file, never by time: a copied folder keeps its names, not its mtimes."""
    entries = recorded_entries(out)
    listed, behind = set(), []
    for rec in summary.get("file_records") or []:
        rel = rec.get("input") if isinstance(rec, dict) else None
        listed.add(rel)
        pointer = entries.get(rel)
        # An input that failed unread keeps its older entry (record()): its summary may name a newer file.
        if pointer and rec.get("sha256") and pointer != rec.get("records"):
            behind.append(rel)
    run = summary.get("run")
    if isinstance(run, dict):  # each entry is in the summary or gone since (older summaries: not checked)
        listed.update(run.get("gone_inputs") or [])
        behind += [rel for rel in entries if rel not in listed]
    return sorted(behind)


def run_in_progress(out: str | os.PathLike) -> bool:
    """Whether a run holds DIR's lock now: a shared lock is tried and let go at once, never waited for."""
    try:
        fd = os.open(state_dir(out) / LOCK_NAME, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        os.close(fd)  # releases the shared lock
    return False


def run_line(section: dict) -> str:
    """The incremental part of the run's log line."""
    line = (
        f"{section['new']} new, {section['changed']} changed, "
        f"{section['unchanged']} unchanged, {section['gone']} gone"
    )
    if section.get("recleaned"):
        why = ", ".join(f"{n} {r}" for r, n in section["recleaned_because"].items())
        line += f", {section['recleaned']} cleaned again ({why})"
    if section.get("pruned_outputs"):
        line += f"; pruned {len(section['pruned_outputs'])} outputs"
    return line


def _unlink(path: Path) -> bool:
    try:
        path.unlink()
        return True
    except FileNotFoundError:
        return False


def _unlink_or_warn(path: Path) -> bool | None:
    """_unlink, or None after a warning when the file cannot be deleted (permissions, read-only disk)."""
    try:
        return _unlink(path)
    except OSError as exc:
        log.warning("%s: cannot delete: %s", path, exc.strerror or exc)
        return None


def _remove_empty_parents(path: Path, root: Path) -> None:
    parent = path.parent
    while parent != root and root in parent.parents:
        try:
            parent.rmdir()
        except OSError:
            return  # not empty
        parent = parent.parent
