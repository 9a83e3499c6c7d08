"""Incremental runs: the output folder's manifest of what was cleaned, from which input, with which ruleset.

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
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

from ..inputs.discover import InputFile
from ..inputs.read import read_input, sha256_bytes

STATE_DIR = ".boilerclean"
MANIFEST_NAME = "manifest.sqlite"
LOCK_NAME = "lock"
SCHEMA_VERSION = 1

# What atomic_write leaves behind when killed between mkstemp and rename: ".<name>.<random>.tmp".
STRAY_TEMP = re.compile(r"^\..+\.[A-Za-z0-9_]+\.tmp$")

# Why a file with unchanged content is cleaned again.
REASON_RULESET = "ruleset changed"
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
"""


def state_dir(out: str | os.PathLike) -> Path:
    return Path(out) / STATE_DIR


def outputs_of(item: InputFile, record: dict) -> list[str]:
    """The output files clean_file wrote for this record (relative to the output folder)."""
    outputs = [f"{item.stem}.report.json"]
    if record.get("output"):
        outputs += [record["output"], f"{item.stem}.diff"]
    if record.get("raw_copy"):  # an input that could not be decoded is kept as it was
        outputs.append(record["raw_copy"])
    return sorted(outputs)


def remove_stray_temps(out: str | os.PathLike) -> int:
    """Delete temporary files a killed run left in the output folder; returns how many."""
    removed = 0
    for dirpath, dirnames, filenames in os.walk(out):
        dirnames[:] = [d for d in dirnames if d != STATE_DIR]
        for name in filenames:
            if STRAY_TEMP.match(name):
                try:
                    os.unlink(os.path.join(dirpath, name))
                    removed += 1
                except FileNotFoundError:
                    pass
    return removed


@dataclass
class _Planned:
    item: InputFile
    size: int
    mtime_ns: int
    status: str  # new, changed, recleaned


@dataclass
class IncrementalRun:
    """A run's view of the manifest: plan() filters inputs, record() enters each batch, close() closes."""

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
    _planned: dict[str, _Planned] = field(default_factory=dict)
    _db: sqlite3.Connection | None = None
    _lock_fd: int | None = None
    _mutex: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def open(cls, out: str | os.PathLike, ruleset_hash: str, prune: bool = False) -> IncrementalRun:
        """Lock the output folder (one run at a time), open its manifest, remove a killed run's temp files."""
        run = cls(Path(out), ruleset_hash, prune)
        sdir = state_dir(out)
        sdir.mkdir(parents=True, exist_ok=True)
        run._lock_fd = os.open(sdir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(run._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.warning("%s: another run is writing to this folder; waiting for it to finish", out)
            fcntl.flock(run._lock_fd, fcntl.LOCK_EX)
        # The lock is ours, so any temp file left is a dead run's, never a live writer's.
        run.stray_temps = remove_stray_temps(out)
        run._db = sqlite3.connect(sdir / MANIFEST_NAME, check_same_thread=False, isolation_level=None)
        run._db.executescript(_SCHEMA)
        run._db.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        return run

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # releases the flock
            self._lock_fd = None

    def plan(self, items: list[InputFile]) -> tuple[list[InputFile], list[dict]]:
        """The inputs that need cleaning, and the unchanged ones' summary records (from the manifest)."""
        assert self._db is not None
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
            try:
                st = os.stat(item.path)
            except OSError:
                st = None  # clean_file reports the read error
            size, mtime_ns = (st.st_size, st.st_mtime_ns) if st else (-1, -1)
            row = rows.pop(item.rel, None)
            status = self._status(item, row, size, mtime_ns, touched)
            if status == "unchanged":
                unchanged.append(json.loads(row[6]))
            else:
                self._planned[item.rel] = _Planned(item, size, mtime_ns, status)
                todo.append(item)
            self.counts[status] += 1
        self.gone = sorted(rows)
        self.counts["gone"] = len(self.gone)
        if touched:  # touched but identical: remember the new mtime so the next run's fast check passes
            with self._mutex, self._db:
                self._db.execute("BEGIN")
                self._db.executemany("UPDATE files SET size = ?, mtime_ns = ? WHERE rel = ?", touched)
        if self.prune and self.gone:
            self._prune({rel: rows[rel] for rel in self.gone})
        return todo, unchanged

    def _status(self, item: InputFile, row: tuple | None, size: int, mtime_ns: int, touched: list) -> str:
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
        if old_hash != self.ruleset_hash:
            reason = REASON_RULESET
        elif failed:
            reason = REASON_FAILED
        elif not all(os.path.exists(os.path.join(self.out, o)) for o in json.loads(outputs)):
            reason = REASON_OUTPUTS
        if reason is None:
            return "unchanged"
        self.reasons[reason] = self.reasons.get(reason, 0) + 1
        return "recleaned"

    def record(self, results: Iterable[dict]) -> None:
        """Enter a finished batch's files (outputs written) into the manifest, in one transaction."""
        assert self._db is not None
        rows, stale = [], []
        with self._mutex:
            for rec in results:
                planned = self._planned.pop(rec["input"], None)
                if planned is None:
                    continue  # e.g. an output-name clash: never cleaned, never entered
                rec = dict(rec)
                outputs = outputs_of(planned.item, rec)
                old = self._db.execute(
                    "SELECT outputs FROM files WHERE rel = ?", (planned.item.rel,)
                ).fetchone()
                if old:  # a changed file that now fails leaves no .txt/.diff, like a fresh run
                    stale += [o for o in json.loads(old[0]) if o not in outputs]
                failed = rec.get("error") is not None or not rec.get("sha256")
                rows.append(
                    (
                        planned.item.rel,
                        planned.item.path,
                        planned.size,
                        planned.mtime_ns,
                        rec.get("sha256"),
                        self.ruleset_hash,
                        json.dumps(outputs),
                        json.dumps(rec, sort_keys=True),
                        int(failed),
                    )
                )
            for o in stale:
                _unlink(self.out / o)
            if rows:
                with self._db:
                    self._db.execute("BEGIN")
                    self._db.executemany(
                        "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
                    )

    def _prune(self, gone_rows: dict[str, tuple]) -> None:
        assert self._db is not None
        for rel, row in gone_rows.items():
            outputs = json.loads(row[5])
            # The review page (review/write.py) is written after the run: not checked, but it goes too.
            outputs += [o[: -len(".report.json")] + ".html" for o in outputs if o.endswith(".report.json")]
            for o in outputs:
                if _unlink(self.out / o):
                    self.pruned.append(o)
                _remove_empty_parents(self.out / o, self.out)
            with self._mutex, self._db:  # an entry goes only once its outputs are gone
                self._db.execute("BEGIN")
                self._db.execute("DELETE FROM files WHERE rel = ?", (rel,))
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

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def run_line(section: dict) -> str:
    """The incremental part of the run's log line."""
    line = (
        f"{section['new']} new, {section['changed']} changed, {section['unchanged']} unchanged, "
        f"{section['gone']} gone"
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


def _remove_empty_parents(path: Path, root: Path) -> None:
    parent = path.parent
    while parent != root and root in parent.parents:
        try:
            parent.rmdir()
        except OSError:
            return  # not empty
        parent = parent.parent
