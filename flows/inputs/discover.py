"""Finding inputs: the documents under the given files and folders, and where their outputs go."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .extract import HTML_SUFFIXES

# Suffixes read as documents; everything else in an input folder is left alone.
TEXT_SUFFIXES = (".txt",)
INPUT_SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES  # HTML pages go through trafilatura first (inputs/extract.py)


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

    @property
    def stem(self) -> str:
        """The relative path without the document suffix: outputs are stem + .txt/.diff/.report.json."""
        for suffix in sorted(INPUT_SUFFIXES, key=len, reverse=True):
            if self.rel.lower().endswith(suffix):
                return self.rel[: -len(suffix)]
        return str(PurePosixPath(self.rel).with_suffix(""))


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
    root_real = os.path.realpath(root)
    for dirpath, dirnames, filenames in os.walk(root):
        # Sorted, hidden folders skipped, the output folder never descended into.
        dirnames[:] = sorted(
            d
            for d in dirnames
            if not d.startswith(".")
            and (out_real is None or os.path.realpath(os.path.join(dirpath, d)) != out_real)
        )
        # os.walk does not follow folder links; one that leaves the input folder is listed as skipped.
        outside = [
            d
            for d in dirnames
            if os.path.islink(os.path.join(dirpath, d)) and not _inside(os.path.join(dirpath, d), root_real)
        ]
        for name in sorted(filenames):
            if not _is_input(name):
                continue
            full = os.path.join(dirpath, name)
            # A link may point anywhere; follow it only if it stays inside the input folder, and say so if
            # not.
            skipped = LINK_OUTSIDE if os.path.islink(full) and not _inside(full, root_real) else ""
            yield InputFile(full, _rel(full, root), skipped)
        for d in outside:
            full = os.path.join(dirpath, d)
            yield InputFile(full, _rel(full, root), LINK_OUTSIDE)


LINK_OUTSIDE = "symbolic link to a path outside the input folder; not followed"


def _rel(full: str, root: Path) -> str:
    return PurePosixPath(*Path(os.path.relpath(full, root)).parts).as_posix()


def _inside(link: str, root_real: str) -> bool:
    return os.path.commonpath([os.path.realpath(link), root_real]) == root_real
