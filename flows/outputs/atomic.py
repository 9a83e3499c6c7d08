"""Writing outputs atomically: one file (atomic_write) or a batch of files with one sync (OutputBatch)."""

from __future__ import annotations

import ctypes
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO


def atomic_write(path: str | os.PathLike, data: str | bytes) -> None:
    """Write a temp file beside `path`, fsync, then rename over it: readers see old or new, never half."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with _temp_file(path, sync=True) as (fh, tmp):
        fh.write(payload)
    try:
        os.replace(tmp, path)
    except BaseException:
        _unlink_quietly(tmp)
        raise


@contextmanager
def _temp_file(path: Path, sync: bool) -> Iterator[tuple[BinaryIO, str]]:
    """A new hidden temporary file beside `path` (".<name>.<random>.tmp", which a later run sweeps up
    if this one is killed), open for writing; closed (and fsync'd if `sync`) on leaving, removed on error."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh, tmp
            fh.flush()
            if sync:
                os.fsync(fh.fileno())
    except BaseException:
        _unlink_quietly(tmp)
        raise


def _unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _load_syncfs() -> Callable[[int], None] | None:
    """Linux's syncfs(2) (flush one file system's dirty data in one call), or None where there is none.

    It flushes other processes' dirty data on that file system too, and reports write-back errors
    only since Linux 5.8 (earlier kernels return 0 regardless).
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.syncfs
    except (OSError, AttributeError):
        return None
    fn.argtypes, fn.restype = [ctypes.c_int], ctypes.c_int

    def syncfs(fd: int) -> None:
        if fn(fd) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"syncfs: {os.strerror(err)}")

    return syncfs


_syncfs = _load_syncfs()

# How many characters of a text are encoded and written at a time: a big document gets no whole
# encoded copy beside its text.
WRITE_CHUNK = 1 << 20


def write_text_chunks(fh: BinaryIO, chunks: Iterable[str]) -> None:
    """Write strings as UTF-8, a bounded piece at a time."""
    pending: list[str] = []
    size = 0
    for chunk in chunks:
        if len(chunk) > WRITE_CHUNK:
            if pending:  # in order: what came before goes first
                fh.write("".join(pending).encode("utf-8"))
                pending, size = [], 0
            pieces = range(0, len(chunk), WRITE_CHUNK)
            fh.writelines(chunk[i : i + WRITE_CHUNK].encode("utf-8") for i in pieces)
            continue
        pending.append(chunk)
        size += len(chunk)
        if size >= WRITE_CHUNK:
            fh.write("".join(pending).encode("utf-8"))
            pending, size = [], 0
    if pending:
        fh.write("".join(pending).encode("utf-8"))


@dataclass(slots=True)
class _Staged:
    tmp: str
    final: Path
    phase: int
    dev: int


class OutputBatch:
    """Many files' outputs written as one: every output goes to a temporary file, one sync makes them
    all durable, then they are renamed into place phase by phase, and each folder is fsync'd once.

    Same guarantees as atomic_write (a reader or a crash sees the old file or the new one, never
    half), for one sync per batch instead of one per output. Outputs are grouped by a key (one
    input's outputs); a key's phase-1 outputs are renamed only after all its phase-0 outputs are
    in place, and not at all if one of those failed: so "report present => text and diff
    complete" holds when the report is phase 1. Renames of phase 0 for every key come before any
    of phase 1, so a run killed in between leaves at most whole texts without their reports.
    """

    def __init__(self) -> None:
        self._staged: dict[Any, list[_Staged]] = {}
        self._made: set[Path] = set()

    @contextmanager
    def open(self, key: Any, path: str | os.PathLike, phase: int = 0) -> Iterator[BinaryIO]:
        """A binary file to write `path`'s new content into; it replaces `path` at commit()."""
        path = Path(path)
        if path.parent not in self._made:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._made.add(path.parent)
        # Without syncfs each file is fsync'd on its own, as atomic_write does.
        with _temp_file(path, sync=_syncfs is None) as (fh, tmp):
            yield fh
            dev = os.fstat(fh.fileno()).st_dev
        self._staged.setdefault(key, []).append(_Staged(tmp, path, phase, dev))

    def write(self, key: Any, path: str | os.PathLike, data: str | bytes, phase: int = 0) -> None:
        with self.open(key, path, phase) as fh:
            if isinstance(data, str):
                write_text_chunks(fh, (data,))
            else:
                fh.write(data)

    def __len__(self) -> int:
        """How many keys have outputs waiting for commit()."""
        return len(self._staged)

    def discard(self, key: Any) -> None:
        """Drop what was written for `key` (its old outputs stay as they were)."""
        for s in self._staged.pop(key, []):
            _unlink_quietly(s.tmp)

    def commit(self) -> dict[Any, OSError]:
        """Put every staged output in place; returns the keys whose outputs could not be (with why).

        A failed key keeps its old outputs, or (when a phase-0 rename failed after another one
        succeeded) some new phase-0 outputs but never its phase-1 ones; or, when its folder could
        not be synced, all its new outputs, which a power cut might still undo.
        """
        failed: dict[Any, OSError] = {}
        try:
            try:
                self._sync()
            except OSError as exc:  # nothing is known to be on disk: every output fails, none is renamed
                return {key: exc for key in self._staged}
            phases = sorted({s.phase for staged in self._staged.values() for s in staged})
            folders: dict[Path, list[Any]] = {}
            for phase in phases:
                for key, staged in self._staged.items():
                    if key in failed:
                        continue
                    for s in staged:
                        if s.phase != phase:
                            continue
                        try:
                            os.replace(s.tmp, s.final)
                        except OSError as exc:
                            failed[key] = exc
                            break
                        folders.setdefault(s.final.parent, []).append(key)
            # The renames themselves are durable once their folders are synced.
            for folder, keys in folders.items():
                try:
                    _fsync_dir(folder)
                except OSError as exc:
                    for key in keys:
                        failed.setdefault(key, exc)
            return failed
        finally:
            # Temporary files never outlive the batch (a kill leaves some; the next run sweeps them).
            for staged in self._staged.values():
                for s in staged:
                    if os.path.lexists(s.tmp):
                        _unlink_quietly(s.tmp)
            self._staged.clear()

    def abort(self) -> None:
        """Remove every temporary file without putting anything in place."""
        for key in list(self._staged):
            self.discard(key)

    def _sync(self) -> None:
        if _syncfs is None:
            return  # each file was fsync'd when written
        one_per_disk = {s.dev: s.tmp for staged in self._staged.values() for s in staged}
        for tmp in one_per_disk.values():
            fd = os.open(tmp, os.O_RDONLY)
            try:
                _syncfs(fd)
            finally:
                os.close(fd)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
