"""Reading an input: its bytes, and the one document reader that run, clean and mine use."""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass, field
from typing import Any

from cleaners.settings import DEFAULT_EXTRACTION

from .decode import decode_document
from .discover import InputFile
from .extract import extract_html, is_html


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_input(path: str | os.PathLike, big: int | None = None) -> bytes | None:
    """The bytes of an input file; raises OSError for anything but a regular file (a FIFO would block).
    None, unread, when it holds `big` bytes or more (the run then cleans it in windows: its size is taken
    from the fstat made here, not from a stat of its own per input)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            mode = st.st_mode
            kind = "folder" if stat.S_ISDIR(mode) else "FIFO" if stat.S_ISFIFO(mode) else "special file"
            raise OSError(f"not a regular file ({kind})")
        if big is not None and st.st_size >= big:
            return None
        # Read by the size fstat gave, to the end (the file may have grown): not os.fdopen, whose
        # buffered file costs three more system calls (fstat, ioctl, lseek) per input.
        pieces = [os.read(fd, st.st_size + 1)]
        if len(pieces[0]) == st.st_size:  # the size fstat gave and no more: the end (no read of it)
            return pieces[0]
        while pieces[-1]:
            pieces.append(os.read(fd, 1 << 20))
        return pieces[0] if len(pieces) <= 2 else b"".join(pieces)  # one piece: no second copy
    finally:
        os.close(fd)


@dataclass(frozen=True, slots=True)
class InputText:
    """One input as the cleaners see it, and what its report records about how it was read."""

    text: str  # a page's extracted article text, or a text file's decoded content
    encoding: str  # the codec that turns `text` back into the input's bytes (utf-8 for a page's text)
    domain: str = ""  # a page's domain from its metadata (per-source rules); "" for text files
    titles: tuple[str, ...] = ()  # a page's titles, for page_title
    record: dict[str, Any] = field(default_factory=dict)  # report entries: extraction, bom, encoding_detected


def document_from_bytes(data: bytes, name: str, extraction_mode: str = DEFAULT_EXTRACTION) -> InputText:
    """The text of one input from its bytes; raises ValueError (ExtractionError too) naming the problem.

    extraction_mode: the config's `extraction:` (the ruleset's), for HTML pages only.
    """
    if is_html(name):
        extraction = extract_html(data, name, extraction_mode)
        record = extraction.record()
        # What restore can rebuild for a page is its extracted text, so that is what it checks.
        record["text_sha256"] = sha256_bytes(extraction.text.encode("utf-8"))
        return InputText(
            extraction.text, "utf-8", extraction.domain, extraction.titles, {"extraction": record}
        )
    decoded = decode_document(data)
    record = {"bom": True} if decoded.bom else {}
    if decoded.detected:
        record["encoding_detected"] = True
    return InputText(decoded.text, decoded.encoding, record=record)


def read_document(item: InputFile, extraction_mode: str = DEFAULT_EXTRACTION) -> InputText:
    """One input as `run`, `clean` and `mine` read it; raises OSError or ValueError naming the problem."""
    return document_from_bytes(read_input(item.path), item.rel, extraction_mode)
