"""Finding inputs: the documents under the given files and folders, and where their outputs go."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, fields
from operator import attrgetter
from pathlib import Path, PurePosixPath

from .extract import HTML_SUFFIXES

# Suffixes read as documents; everything else in an input folder is left alone.
TEXT_SUFFIXES = (".txt",)
INPUT_SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES  # HTML pages go through trafilatura first (inputs/extract.py)
_LONGEST_FIRST = sorted(INPUT_SUFFIXES, key=len, reverse=True)  # ".html.gz" before ".gz"


class UsageError(ValueError):
    """A problem with the command line (paths that do not exist, output inside itself ...): exit code 2."""


@dataclass(frozen=True, slots=True)
class InputFile:
    """One document to clean: where it is and where its outputs go (relative to the output folder)."""

    path: str  # as found on disk
    rel: str  # POSIX relative path used for outputs and reports
    skipped: str = (
        ""  # non-empty: why this path is listed but not read (e.g. a link leaving the input folder)
    )
    unread_folder: bool = False  # a folder that could not be listed: what is under it is unknown, not gone

    def __reduce__(self) -> tuple:
        # Batches go to the workers pickled: a frozen dataclass's own __getstate__ and __setstate__ walk
        # its fields() per object (pickled 0.045 -> 0.015 s, unpickled 0.05 -> 0.03 per 20,000).
        return (InputFile, _FIELD_VALUES(self))

    @property
    def stem(self) -> str:
        """The relative path without the document suffix: outputs are stem + .txt/.diff/.report.json."""
        lower = self.rel.lower()
        for suffix in _LONGEST_FIRST:
            if lower.endswith(suffix):
                return self.rel[: -len(suffix)]
        return str(PurePosixPath(self.rel).with_suffix(""))


# Every field, in order, from the class itself: a field added later is pickled too.
_FIELD_VALUES = attrgetter(*(f.name for f in fields(InputFile)))


def _is_input(name: str) -> bool:
    return not name.startswith(".") and name.lower().endswith(INPUT_SUFFIXES)


def discover_inputs(
    paths: Iterable[str | os.PathLike], out_dir: str | os.PathLike | None = None
) -> Iterator[InputFile]:
    """Yield input files under the given paths (recursively, sorted), never anything inside out_dir."""
    out_real = os.path.realpath(out_dir) if out_dir is not None else None
    for given in paths:
        p = Path(given)
        real = os.path.realpath(p)
        if out_real is not None and real == out_real:
            raise UsageError(f"{given}: the output folder cannot also be an input")
        if out_real is not None and os.path.commonpath([real, out_real]) == out_real:
            # Its outputs could land on the input itself (DIR/a.txt cleaned into DIR/a.txt).
            raise UsageError(f"{given}: an input cannot be inside the output folder")
        if p.is_dir():
            yield from _walk(p, out_real)
        elif os.path.lexists(p):
            # Files, and also FIFOs or devices: those get a per-file error when read, not a usage error.
            yield InputFile(str(p), p.name)
        else:
            raise UsageError(f"{given}: no such file or folder")


def _walk(root: Path, out_real: str | None) -> Iterator[InputFile]:
    """Depth first, sorted, without recursion (folders may be thousands deep); a folder that cannot be
    listed (permissions, a path beyond PATH_MAX) is yielded as an unread folder, never passed over."""
    root_real = os.path.realpath(root)
    rel = _relative_to(root)
    stack = [(os.fspath(root), root_real)]  # (folder, its real path)
    while stack:
        folder, folder_real = stack.pop()
        try:
            files, dirs, links_out = _list(folder, out_real, root_real, folder_real)
        except OSError as exc:
            where = rel(folder) if folder != os.fspath(root) else ""  # "": the whole input folder
            yield InputFile(folder, where, f"cannot read folder: {exc.strerror or exc}", unread_folder=True)
            continue
        for full, is_link in files:
            # A link may point anywhere; follow it only if it stays inside the input folder, and say so
            # if not.
            skipped = LINK_OUTSIDE if is_link and not _inside(full, root_real) else ""
            yield InputFile(full, rel(full), skipped)
        for full in links_out:
            yield InputFile(full, rel(full), LINK_OUTSIDE)
        stack.extend(reversed(dirs))


def _list(
    folder: str, out_real: str | None, root_real: str, folder_real: str
) -> tuple[list[tuple[str, bool]], list[tuple[str, str]], list[str]]:
    """One folder's input files (path, is a link), the sub-folders to descend into (path, real path) and
    the folder links leaving the input folder (each sorted; hidden folders and the output folder left out;
    folder links not followed). Whether an entry is a link comes from the listing (d_type): no lstat per
    file. A sub-folder that is not a link has the real path `folder_real`/name: realpath() of it would
    lstat each component of its path again (quadratic in the depth: 600,000 lstats at 1,100 levels)."""
    files, dirs, links_out = [], [], []
    prefix = os.path.join(folder, "")
    real_prefix = os.path.join(folder_real, "")
    for name, is_dir, is_link in _entries(folder):
        full = prefix + name
        if not is_dir:
            if _is_input(name):
                files.append((full, is_link))
            continue
        if name.startswith("."):
            continue
        real = "" if is_link else real_prefix + name
        if out_real is not None and (real or os.path.realpath(full)) == out_real:
            continue
        if not is_link:
            dirs.append((full, real))
        elif not _inside(full, root_real):
            links_out.append(full)
    return files, dirs, links_out


def _entries(folder: str) -> list[tuple[str, bool, bool]]:
    """(name, is a folder, is a link) for each entry, sorted by name. A folder whose path is longer
    than PATH_MAX is opened one component at a time, so its files are still found (and then each
    reports its own error when read) rather than the whole folder being passed over."""
    try:
        return _scan(folder)
    except OSError as exc:
        if exc.errno != errno.ENAMETOOLONG:
            raise
    fd = os.open("/" if os.path.isabs(folder) else ".", os.O_RDONLY)
    try:
        for part in (p for p in folder.split(os.sep) if p):
            nxt = os.open(part, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = nxt
        return _scan(fd)
    finally:
        os.close(fd)


def _scan(folder: str | int) -> list[tuple[str, bool, bool]]:
    found = []
    with os.scandir(folder) as it:
        for e in it:
            try:
                is_dir = e.is_dir()
            except OSError:
                is_dir = False
            found.append((e.name, is_dir, e.is_symlink()))
    return sorted(found)


LINK_OUTSIDE = "symbolic link to a path outside the input folder; not followed"


def _relative_to(root: Path) -> Callable[[str], str]:
    """rel(full): the POSIX path of `full` relative to `root`. `full` is os.path.join(root, ...) as _walk
    built it: on POSIX its tail is the relative path, cut without relpath's two abspath calls (~50 us an
    input, a second per 20,000 in the run's plan)."""
    prefix = os.path.join(os.fspath(root), "")
    cut = len(prefix)

    def rel(full: str) -> str:
        if os.sep == "/" and not os.path.altsep and full.startswith(prefix):
            return full[cut:]
        return PurePosixPath(*Path(os.path.relpath(full, root)).parts).as_posix()

    return rel


def _inside(link: str, root_real: str) -> bool:
    return os.path.commonpath([os.path.realpath(link), root_real]) == root_real
