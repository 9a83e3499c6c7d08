"""Finding inputs, reading and decoding them, and writing outputs atomically."""

from __future__ import annotations

import hashlib
import os
import re
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Iterable, Iterator

# Suffixes read as documents; everything else in an input folder is left alone.
TEXT_SUFFIXES = (".txt",)
INPUT_SUFFIXES = TEXT_SUFFIXES


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
