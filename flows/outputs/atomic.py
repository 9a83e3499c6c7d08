"""Finding inputs, reading and decoding them, and writing outputs atomically."""

from __future__ import annotations

import ctypes
import hashlib
import os
import re
import stat
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, Callable, Iterable, Iterator

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
    skipped: str = ""  # non-empty: why this path is listed but not read (e.g. a link leaving the input folder)

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
            if not d.startswith(".") and (out_real is None or os.path.realpath(os.path.join(dirpath, d)) != out_real)
        )
        # os.walk does not follow folder links; one that leaves the input folder is listed as skipped.
        outside = [d for d in dirnames if os.path.islink(os.path.join(dirpath, d)) and not _inside(os.path.join(dirpath, d), root_real)]
        for name in sorted(filenames):
            if not _is_input(name):
                continue
            full = os.path.join(dirpath, name)
            # A link may point anywhere; follow it only if it stays inside the input folder, and say so if not.
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


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class Decoded:
    """A document's text and how to turn it back into the exact original bytes."""

    text: str
    encoding: str  # a Python codec name; text.encode(encoding) gives the bytes after the BOM
    bom: bool = False  # the bytes started with the encoding's byte order mark
    detected: bool = False  # the encoding was guessed (not UTF-8, not given by a BOM)


# Byte order marks, longest first (the UTF-32-LE mark starts with the UTF-16-LE one).
BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\xff\xfe", "utf-16-le"),
)
BOM_OF = {enc: mark for mark, enc in BOMS}

# Signatures of binary formats that can otherwise pass for legacy-encoded text (a PDF may have no NUL byte).
BINARY_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "PDF"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"PK\x03\x04", "ZIP"),
    (b"\x1f\x8b", "gzip"),
    (b"\x7fELF", "ELF"),
)

# Legacy encodings preferred when the detector ranks several as equally likely: charset_normalizer
# ties cp1250 with cp1252 on French and Spanish text and lists cp1250 first, which turns è into č.
PREFERRED_ON_TIE = ("cp1252", "latin_1", "iso8859_15")

# Share of control characters (other than tab, line and page breaks) above which a guessed decoding
# is taken to be binary data, not text.
MAX_CONTROL_SHARE = 0.01
_TEXT_CONTROLS = set("\t\n\r\x0b\x0c\x1b")


_BAD_BYTE = re.compile("[\udc80-\udcff]")
_VALID_NON_ASCII = re.compile("[^\x00-\x7f\udc80-\udcff]")


def _control_share(text: str) -> float:
    if not text:
        return 0.0
    controls = sum(1 for c in text if (c < " " or "\x7f" <= c <= "\x9f") and c not in _TEXT_CONTROLS)
    return controls / len(text)


def _detect(data: bytes) -> str | None:
    """The likeliest legacy encoding of data, or None (charset_normalizer, with the tie-break above)."""
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data))
    if not matches:
        return None
    best = matches[0]
    for name in PREFERRED_ON_TIE:
        for m in matches:
            if m.encoding == name and m.chaos <= best.chaos and m.coherence >= best.coherence:
                return m.encoding
    return best.encoding


def decode_document(data: bytes) -> Decoded:
    """The text of a document: BOM first, then strict UTF-8, then a detected legacy encoding.

    Raises ValueError naming the problem for binary data or bytes no encoding decodes losslessly.
    Every accepted decoding round-trips: encode_document(decoded) == data.
    """
    for sig, kind in BINARY_SIGNATURES:
        if data.startswith(sig):
            raise ValueError(f"binary file ({kind} signature); not a text document")
    for mark, encoding in BOMS:
        if data.startswith(mark):
            try:
                return _checked(Decoded(data[len(mark) :].decode(encoding), encoding, bom=True), data)
            except UnicodeDecodeError as exc:
                raise ValueError(f"starts with a {encoding} byte order mark but is not valid {encoding}: {exc.reason} at byte {exc.start + len(mark)}") from None
    nul = data.find(b"\x00")
    if nul != -1:
        raise ValueError(f"binary file (NUL byte at offset {nul}); not a text document")
    try:
        # Valid UTF-8 is always read as UTF-8: never second-guessed by the detector.
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as exc:
        utf8_problem = f"not valid UTF-8 ({exc.reason} at byte {exc.start})"
    # Mostly-valid UTF-8 with a few bad bytes is damaged UTF-8: any legacy reading of it would be mojibake.
    escaped = data.decode("utf-8", "surrogateescape")
    bad = len(_BAD_BYTE.findall(escaped))
    if len(_VALID_NON_ASCII.findall(escaped)) > bad:
        raise ValueError(f"{utf8_problem}; {bad} bad byte(s) in otherwise valid UTF-8 text, so no other encoding is guessed")
    encoding = _detect(data)
    if encoding is None:
        raise ValueError(f"{utf8_problem} and no other encoding fits; not decoded")
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        raise ValueError(f"{utf8_problem}; detected {encoding} does not decode it") from None
    if _control_share(text) > MAX_CONTROL_SHARE:
        raise ValueError(f"binary file ({utf8_problem}, mostly control characters as {encoding}); not a text document")
    return _checked(Decoded(text, encoding, detected=True), data)


def _checked(decoded: Decoded, data: bytes) -> Decoded:
    # Some codecs map several byte sequences to one character; such a decoding could not be undone.
    if encode_document(decoded.text, decoded.encoding, decoded.bom) != data:
        raise ValueError(f"decoding as {decoded.encoding} does not round-trip to the same bytes; not decoded")
    return decoded


def encode_document(text: str, encoding: str, bom: bool = False) -> bytes:
    """The bytes of a document from its text and recorded encoding (the inverse of decode_document)."""
    return (BOM_OF[encoding] if bom else b"") + text.encode(encoding)


def decode_text(data: bytes) -> tuple[str, str]:
    """The text of a document and the encoding used; raises ValueError naming the problem."""
    decoded = decode_document(data)
    return decoded.text, decoded.encoding


def read_input(path: str | os.PathLike) -> bytes:
    """The bytes of an input file; raises OSError for anything but a regular file (a FIFO would block)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as fh:
        mode = os.fstat(fh.fileno()).st_mode
        if not stat.S_ISREG(mode):
            kind = "folder" if stat.S_ISDIR(mode) else "FIFO" if stat.S_ISFIFO(mode) else "special file"
            raise OSError(f"not a regular file ({kind})")
        return fh.read()


def atomic_write(path: str | os.PathLike, data: str | bytes) -> None:
    """Write to a temporary file beside `path`, fsync, then rename over it: readers see old or new, never half."""
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
            for i in range(0, len(chunk), WRITE_CHUNK):
                fh.write(chunk[i : i + WRITE_CHUNK].encode("utf-8"))
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
        for dev, tmp in {s.dev: s.tmp for staged in self._staged.values() for s in staged}.items():
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
