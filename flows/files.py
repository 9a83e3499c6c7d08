"""Finding inputs, reading and decoding them, and writing outputs atomically."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Iterable, Iterator

from .extract import HTML_SUFFIXES

# Suffixes read as documents; everything else in an input folder is left alone.
TEXT_SUFFIXES = (".txt",)
INPUT_SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES  # HTML pages go through trafilatura first (flows/extract.py)


class UsageError(ValueError):
    """A problem with the command line (paths that do not exist, output inside itself ...): exit code 2."""


@dataclass(frozen=True, slots=True)
class InputFile:
    """One document to clean: where it is and where its outputs go (relative to the output folder)."""

    path: str  # as found on disk
    rel: str  # POSIX relative path used for outputs and reports

    @property
    def stem(self) -> str:
        """The relative path without the document suffix: outputs are stem + .txt/.diff/.report.json."""
        for suffix in sorted(INPUT_SUFFIXES, key=len, reverse=True):
            if self.rel.lower().endswith(suffix):
                return self.rel[: -len(suffix)]
        return str(PurePosixPath(self.rel).with_suffix(""))


def _is_input(name: str) -> bool:
    return not name.startswith(".") and name.lower().endswith(INPUT_SUFFIXES)


def discover_inputs(paths: Iterable[str | os.PathLike], out_dir: str | os.PathLike | None = None) -> Iterator[InputFile]:
    """Yield input files under the given paths (recursively, sorted), never anything inside out_dir."""
    out_real = os.path.realpath(out_dir) if out_dir is not None else None
    for given in paths:
        p = Path(given)
        real = os.path.realpath(p)
        if out_real is not None and real == out_real:
            raise UsageError(f"{given}: the output folder cannot also be an input")
        if p.is_file():
            yield InputFile(str(p), p.name)
        elif p.is_dir():
            yield from _walk(p, out_real)
        else:
            raise UsageError(f"{given}: no such file or folder")


def _walk(root: Path, out_real: str | None) -> Iterator[InputFile]:
    root_real = os.path.realpath(root)
    for dirpath, dirnames, filenames in os.walk(root):
        # Sorted, hidden folders skipped, the output folder never descended into.
        dirnames[:] = sorted(
            d
            for d in dirnames
            if not d.startswith(".") and (out_real is None or os.path.realpath(os.path.join(dirpath, d)) != out_real)
        )
        for name in sorted(filenames):
            if not _is_input(name):
                continue
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, root)
            if os.path.islink(full):
                # A link may point anywhere; follow it only if it stays inside the input folder.
                target = os.path.realpath(full)
                if os.path.commonpath([target, root_real]) != root_real:
                    continue
            yield InputFile(full, PurePosixPath(*Path(rel).parts).as_posix())


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode_text(data: bytes) -> tuple[str, str]:
    """The text of a document and the encoding used; raises ValueError naming the problem."""
    nul = data.find(b"\x00")
    if nul != -1:
        raise ValueError(f"binary file (NUL byte at offset {nul}); not a text document")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        raise ValueError(f"not valid UTF-8: {exc.reason} at byte {exc.start}") from None


def atomic_write(path: str | os.PathLike, data: str | bytes) -> None:
    """Write to a temporary file beside `path`, fsync, then rename over it: readers see old or new, never half."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
