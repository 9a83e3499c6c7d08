"""Writing outputs atomically: one file (atomic_write) or a batch of files with one sync (OutputBatch)."""

from __future__ import annotations

import ctypes
import errno
import os
import random
import re
import stat
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO


def atomic_write(path: str | os.PathLike, data: str | bytes) -> None:
    """Write a temp file beside `path`, fsync, then rename over it: readers see old or new, never half."""
    path = Path(path)
    make_folders(path.parent)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with _TempFile(str(path.parent), path.name, sync=True) as (fh, tmp):
        fh.write(payload)
    try:
        os.replace(tmp, path)
    except BaseException:
        _unlink_quietly(tmp)
        raise


def make_folders(folder: Path) -> None:
    """mkdir -p without recursion (Path.mkdir(parents=True) recurses once per level: a folder 1,000
    levels deep raised RecursionError)."""
    missing = []
    while not os.path.isdir(folder):
        missing.append(folder)
        if folder.parent == folder:
            break
        folder = folder.parent
    for f in reversed(missing):
        try:
            os.mkdir(f)
        except FileExistsError:
            if not os.path.isdir(f):
                raise


# A temporary file is ".<name>.bc~<pid>~<random>.tmp": hidden, marked as boilerclean's and tagged with the
# writing process, so a later run's sweep removes only what a dead boilerclean process left (never a
# user's ".notes.tmp", never a live writer's).
TEMP_NAME = re.compile(r"^\..+\.bc~(\d+)~[0-9a-f]{12}\.tmp$")
# Room for the tag within NAME_MAX (255 bytes).
_TEMP_STEM_MAX = 200


def temp_owner(name: str) -> int | None:
    """The pid that wrote a temporary file of ours, or None when `name` is not one."""
    m = TEMP_NAME.match(name)
    return int(m.group(1)) if m else None


class _Tag:
    """This process's pid and a random source for temporary names, read once: os.getpid() and
    secrets.token_hex cost a system call each per output (a name taken is retried: O_EXCL)."""

    pid = os.getpid()
    rng = random.Random()

    @classmethod
    def reset(cls) -> None:  # in a forked child: its own pid and its own names
        cls.pid, cls.rng = os.getpid(), random.Random()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_Tag.reset)


def _temp_name(folder: str | os.PathLike, name: str) -> str:
    # At most 4 UTF-8 bytes a character: a short name needs no cut (and no encoding to find where).
    stem = name if 0 < len(name) <= _TEMP_STEM_MAX // 4 else _cut(name)
    return os.path.join(folder, f".{stem}.bc~{_Tag.pid}~{_Tag.rng.getrandbits(48):012x}.tmp")


def _cut(name: str) -> str:
    return os.fsencode(name)[:_TEMP_STEM_MAX].decode("utf-8", "ignore") or "out"


def _create_temp(folder: str, name: str) -> tuple[int, str]:
    """A new temporary file beside `folder/name`, open for writing; created 0666 so the umask applies."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
    while True:
        tmp = _temp_name(folder, name)
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue


class FdWriter:
    """Bytes written straight to a file descriptor, whole (os.write may write part of a buffer).

    Not os.fdopen: its buffered file costs three more system calls per output (fstat, ioctl, lseek),
    and write_text_chunks already writes in large pieces."""

    __slots__ = ("fd",)

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def write(self, data: bytes) -> int:
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd, view) :]
        return len(data)

    def writelines(self, pieces: Iterable[bytes]) -> None:
        for piece in pieces:
            self.write(piece)

    def fileno(self) -> int:
        return self.fd


class _TempFile:
    """A new temporary file beside `folder/name` (see TEMP_NAME), open for writing: `with` gives its writer
    and path; closed (and fsync'd if `sync`) on leaving, removed on error. A class, not @contextmanager:
    it is entered once per output."""

    __slots__ = ("fd", "sync", "tmp")

    def __init__(self, folder: str, name: str, sync: bool) -> None:
        self.fd, self.tmp = _create_temp(folder, name)
        self.sync = sync

    def __enter__(self) -> tuple[FdWriter, str]:
        return FdWriter(self.fd), self.tmp

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: Any) -> None:
        try:
            try:
                if kind is None and self.sync:
                    os.fsync(self.fd)
            finally:
                os.close(self.fd)
        except BaseException:
            _unlink_quietly(self.tmp)
            raise
        if kind is not None:
            _unlink_quietly(self.tmp)


def _unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return pid != 0 and not _zombie(pid)


def _zombie(pid: int) -> bool:
    """A process that has exited but is not reaped yet (a killed run's orphaned worker, where the init
    process is slow to reap, as in containers without one): it answers signals but writes nothing more."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read()
    except OSError:
        return False  # no /proc (not Linux): trust the signal
    state = fields[fields.rfind(b")") + 2 :][:1]  # after "pid (command) ": the command may hold ")"
    return state in (b"Z", b"X")


def remove_dead_temps(out: str | os.PathLike, skip: str) -> int:
    """Delete the temporary files of ours that dead processes left under `out`; returns how many.

    `out`'s own `skip` folder (its state folder) is swept, not descended into; other `skip` folders are
    not, nor any sub-folder that is another run's output folder (it has its own `skip` folder, its own
    lock and its own sweep). A temp of a live process (this one, or another run's) is left alone.
    """
    root = os.fspath(out)
    removed, stack = 0, [(root, True)]
    while stack:
        folder, descend = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue  # a folder we cannot list holds nothing we could remove either
        if folder != root and descend and any(e.name == skip for e in entries):
            continue
        for e in entries:
            if e.is_dir(follow_symlinks=False):
                if descend and (e.name != skip or folder == root):
                    stack.append((e.path, e.name != skip))
                continue
            pid = temp_owner(e.name)
            if pid is not None and not _pid_alive(pid) and e.is_file(follow_symlinks=False):
                _unlink_quietly(e.path)
                removed += 1
    return removed


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


def flush_soon(folder: str) -> None:
    """Start writing the dirty data of `folder`'s file system to disk, in a thread (one syncfs), so that a
    batch's commit finds less to wait for in its own sync. A head start only: what is durable, and what
    failed, is still what the commit's sync says."""
    if _syncfs is not None:
        threading.Thread(target=_flush, args=(folder,), name="flush-soon", daemon=True).start()


def _flush(folder: str) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
        try:
            _syncfs(fd)
        finally:
            os.close(fd)
    except OSError:
        pass  # the commit's own sync reports it


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
    tmp: str  # its temporary name ("" while it is an anonymous file: `fd`)
    final: str
    folder: str
    phase: int
    dev: int
    backup: str | None = None  # a hard link to the old `final`, to put it back if the key fails
    done: bool = False  # renamed (or linked) into place
    fd: int = -1  # an anonymous file (O_TMPFILE), open until commit() links it in place


# Linux's anonymous files: an output is written to an O_TMPFILE file (no name, no directory entry) and, once
# the batch is synced, linked under its final name: one directory entry per output, not a temporary name
# created, renamed and removed (20,000 files: ~0.4 system CPU s less, RESULTS.md 2026-12-02), and a kill
# leaves no temporary file behind. Where the file system has none (EOPNOTSUPP; EISDIR or EINVAL from
# kernels before 3.11) or there is no /proc to link through, outputs take temporary names as before.
_ANON_FLAGS = os.O_WRONLY | getattr(os, "O_TMPFILE", 0) | getattr(os, "O_CLOEXEC", 0)
_ANON_UNSUPPORTED = (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL)
ANONYMOUS = hasattr(os, "O_TMPFILE") and os.path.isdir("/proc/self/fd")


def _held_fds_max() -> int:
    """How many anonymous files a batch may hold open: a quarter of the open-file limit, so a batch of 512
    inputs never runs a process out of descriptors (the rest of its outputs take temporary names)."""
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    except (ImportError, OSError, ValueError):
        return 0
    return 4096 if soft == resource.RLIM_INFINITY else min(4096, soft // 4)


HELD_FDS_MAX = _held_fds_max()


class OutputBatch:
    """Many files' outputs written as one: every output goes to a temporary file, one sync makes them
    all durable, then they are renamed into place phase by phase, and each folder is fsync'd once.

    Same guarantees as atomic_write (a reader or a crash sees the old file or the new one, never
    half), for one sync per batch instead of one per output. Outputs are grouped by a key (one
    input's outputs); a key's phase-1 outputs are renamed only after all its phase-0 outputs are
    in place, and not at all if one of those failed: so "report present => text and diff
    complete" holds when the report is phase 1. Renames of phase 0 for every key come before any
    of phase 1, so a run killed in between leaves at most whole texts without their reports.
    A key whose rename fails gets its old outputs back (each old file is kept as a hard link until
    the commit is over): a failed write never replaces a good output with part of a new set.
    `shared_key`: a key every other key depends on (the batch's records file): when it fails, they all do.
    """

    def __init__(self, shared_key: Any = None) -> None:
        self._staged: dict[Any, list[_Staged]] = {}
        self._made: dict[str, int] = {}  # folder -> its st_dev
        self._named: set[str] = set()  # folders whose file system has no anonymous files
        self._held = 0  # anonymous files open
        self._shared = shared_key
        self.renamed: set[Any] = set()  # after commit(): the keys whose new outputs are in place

    @contextmanager
    def open(self, key: Any, path: str | os.PathLike, phase: int = 0) -> Iterator[BinaryIO]:
        """A binary file to write `path`'s new content into; it replaces `path` at commit()."""
        path, folder, name, dev = self._target(path)
        fd = self._anonymous(folder)
        if fd >= 0:
            with self._closed_on_error(fd):
                yield FdWriter(fd)
            self._stage(key, _Staged("", path, folder, phase, dev, fd=fd))
            return
        # Without syncfs each file is fsync'd on its own, as atomic_write does.
        with _TempFile(folder, name, sync=_syncfs is None) as (fh, tmp):
            yield fh
        self._stage(key, _Staged(tmp, path, folder, phase, dev))

    def write(self, key: Any, path: str | os.PathLike, data: str | bytes, phase: int = 0) -> None:
        """open() and one write, for content in memory (most outputs): no context manager when it can."""
        if isinstance(data, str):
            if len(data) > WRITE_CHUNK:  # encoded a piece at a time: no whole second copy
                with self.open(key, path, phase) as fh:
                    write_text_chunks(fh, (data,))
                return
            data = data.encode("utf-8")
        path, folder, name, dev = self._target(path)
        fd = self._anonymous(folder)
        if fd >= 0:
            with self._closed_on_error(fd):
                FdWriter(fd).write(data)
            self._stage(key, _Staged("", path, folder, phase, dev, fd=fd))
            return
        with _TempFile(folder, name, sync=_syncfs is None) as (fh, tmp):
            fh.write(data)
        self._stage(key, _Staged(tmp, path, folder, phase, dev))

    @contextmanager
    def _closed_on_error(self, fd: int) -> Iterator[None]:
        try:
            yield
        except BaseException:
            self._close_anonymous(fd)
            raise

    def _close_anonymous(self, fd: int) -> None:
        os.close(fd)  # an anonymous file: closed, it is gone (unless it was linked)
        self._held -= 1

    def _stage(self, key: Any, staged: _Staged) -> None:
        self._staged.setdefault(key, []).append(staged)

    def _anonymous(self, folder: str) -> int:
        """A new anonymous file in `folder`, open for writing, or -1 where the batch uses temporary names
        (no O_TMPFILE there, no syncfs, or as many held open as a batch may)."""
        if not ANONYMOUS or _syncfs is None or self._held >= HELD_FDS_MAX or folder in self._named:
            return -1
        try:
            fd = os.open(folder, _ANON_FLAGS, 0o666)  # 0666: the umask applies, as to a named file
        except OSError as exc:
            if exc.errno not in _ANON_UNSUPPORTED:
                raise
            self._named.add(folder)
            return -1
        self._held += 1
        return fd

    def _target(self, path: str | os.PathLike) -> tuple[str, str, str, int]:
        """`path` as a string (a Path per output cost more than its system calls here), its folder (made if
        need be), its name, and the folder's st_dev: one stat per folder, not per file (a temporary file is
        on its folder's disk)."""
        path = os.fspath(path)
        folder, name = os.path.split(path)
        folder = folder or os.curdir
        dev = self._made.get(folder)
        if dev is None:
            make_folders(Path(folder))
            dev = self._made[folder] = os.stat(folder).st_dev
        return path, folder, name, dev

    def __len__(self) -> int:
        """How many keys have outputs waiting for commit()."""
        return len(self._staged)

    def discard(self, key: Any) -> None:
        """Drop what was written for `key` (its old outputs stay as they were)."""
        for s in self._staged.pop(key, []):
            self._drop(s)

    def _drop(self, s: _Staged) -> None:
        """Close an anonymous file (the kernel frees it unless it was linked) or remove a temporary name."""
        if s.fd >= 0:
            self._close_anonymous(s.fd)
            s.fd = -1
        if s.tmp and not s.done:  # renamed: its temporary name is gone
            _unlink_quietly(s.tmp)

    def commit(self) -> dict[Any, OSError]:
        """Put every staged output in place; returns the keys whose outputs could not be (with why).

        A failed key keeps its old outputs (its renames are undone); or, when its folder could not
        be synced, has all its new outputs in place, which a power cut might still undo.
        """
        failed: dict[Any, OSError] = {}
        try:
            try:
                self._sync()
            except OSError as exc:  # nothing is known to be on disk: every output fails, none is renamed
                return {key: exc for key in self._staged}
            for key, staged in self._staged.items():
                try:  # an anonymous file meets its old one when it is linked (_put_in_place)
                    _keep_old([s for s in staged if s.fd < 0])
                except OSError as exc:
                    failed[key] = exc
            folders = self._rename_all(failed)
            self.renamed = {key for key, staged in self._staged.items() if any(s.done for s in staged)}
            # The renames themselves are durable once their folders are synced.
            for folder, keys in folders.items():
                try:
                    _fsync_dir(folder)
                except OSError as exc:
                    for key in keys:
                        failed.setdefault(key, exc)
            if self._shared in failed:
                failed.update({key: failed[self._shared] for key in self._staged if key not in failed})
            return failed
        finally:
            # Temporary files and old copies never outlive the batch (a kill leaves some; a later
            # run sweeps them).
            for staged in self._staged.values():
                for s in staged:
                    self._drop(s)
                    if s.backup:
                        _unlink_quietly(s.backup)
            self._staged.clear()

    def _rename_all(self, failed: dict[Any, OSError]) -> dict[str, list[Any]]:
        """Rename phase by phase; a key whose rename fails is rolled back. Returns folder -> keys renamed
        there."""
        phases = sorted({s.phase for staged in self._staged.values() for s in staged})
        dir_fds: dict[str, int] = {}
        try:
            for phase in phases:
                for key, staged in self._staged.items():
                    if key in failed:
                        continue
                    for s in (s for s in staged if s.phase == phase):
                        try:
                            _put_in_place(s, dir_fds)
                        except OSError as exc:
                            failed[key] = exc
                            _roll_back(staged)
                            break
        finally:
            for fd in dir_fds.values():
                os.close(fd)
        if self._shared in failed:  # what depends on it goes back to how it was (commit() fails them all)
            for staged in self._staged.values():
                _roll_back(staged)
        folders: dict[str, list[Any]] = {}
        for key, staged in self._staged.items():
            for s in staged:
                if s.done:
                    folders.setdefault(s.folder, []).append(key)
        return folders

    def abort(self) -> None:
        """Remove every temporary file without putting anything in place."""
        for key in list(self._staged):
            self.discard(key)

    def _sync(self) -> None:
        if _syncfs is None:
            return  # each file was fsync'd when written
        one_per_disk = {s.dev: s for staged in self._staged.values() for s in staged}
        for s in one_per_disk.values():
            if s.fd >= 0:
                _syncfs(s.fd)
                continue
            fd = os.open(s.tmp, os.O_RDONLY)
            try:
                _syncfs(fd)
            finally:
                os.close(fd)


def _put_in_place(s: _Staged, folders: dict[str, int]) -> None:
    """Rename a temporary file over `s.final`, or link an anonymous one there. When an old output is there
    (a rerun), the anonymous file is given a temporary name first and renamed over it as a named one is,
    its old copy kept until the commit is over (so a failed key gets it back). `folders`: folder -> an
    open descriptor of it (made here when missing; the caller closes them)."""
    if s.fd >= 0:
        dir_fd = folders.get(s.folder)
        if dir_fd is None:
            dir_fd = folders[s.folder] = os.open(s.folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            _link(s.fd, os.path.basename(s.final), dir_fd)
            s.done = True
            return
        except FileExistsError:
            s.tmp = _link_temp(s, dir_fd)
        _keep_old([s])
    os.replace(s.tmp, s.final)
    s.done = True


def _link(fd: int, name: str, dir_fd: int) -> None:
    # linkat(2) following /proc's link to the open file. A dir_fd makes os.link call linkat, not link(2),
    # which would link the /proc entry itself (EXDEV).
    os.link(f"/proc/self/fd/{fd}", name, dst_dir_fd=dir_fd, follow_symlinks=True)


def _link_temp(s: _Staged, dir_fd: int) -> str:
    """A temporary name for an anonymous file, beside its final one."""
    while True:
        tmp = _temp_name(s.folder, os.path.basename(s.final))
        try:
            _link(s.fd, os.path.basename(tmp), dir_fd)
            return tmp
        except FileExistsError:
            continue


def _keep_old(staged: list[_Staged]) -> None:
    """Hard-link each existing output to a temporary name, so a failed commit can put it back."""
    for s in staged:
        try:  # one lstat: a regular file, not a link to one (nor nothing: a new output needs no copy)
            if not stat.S_ISREG(os.lstat(s.final).st_mode):
                continue
        except OSError:
            continue
        backup = _temp_name(s.folder, os.path.basename(s.final))
        try:
            os.link(s.final, backup)
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EIO, errno.EDQUOT, errno.EROFS, errno.EEXIST):
                raise
            continue  # no hard links on this file system: the old file cannot be kept
        s.backup = backup


def _roll_back(staged: list[_Staged]) -> None:
    """Undo a key's renames: old outputs back in place, outputs it did not have before removed."""
    for s in staged:
        if not s.done:
            continue
        try:
            if s.backup:
                os.replace(s.backup, s.final)
                s.backup = None
            else:
                os.unlink(s.final)
            s.done = False
        except OSError:
            pass  # best effort: the key is reported failed either way


def _fsync_dir(folder: str) -> None:
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
