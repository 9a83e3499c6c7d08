"""One huge text input cleaned in windows (cleaners.window): memory grows with a window and the
removals, not with the file. Its outputs are byte for byte those of the whole path (worker.clean_file).

Pass one reads and decodes the file in chunks and finds every removal and hold; pass two reads it
again and writes the cleaned text and the diff piece by piece through the batch's temporary files
(put in place by the batch, as every output is). HTML inputs stay on the whole path: extraction
needs the whole tree. So do inputs that are not UTF-8 (a legacy encoding is guessed from all the bytes).
"""

from __future__ import annotations

import codecs
import hashlib
import logging
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cleaners import Ruleset, apply_removals
from cleaners.window import CORE_CHARS, WindowedResult, clean_windows, pieces

from ..inputs.decode import BINARY_SIGNATURES, BOM_OF, BOMS
from ..inputs.discover import InputFile
from ..inputs.extract import is_html
from ..outputs.diff import iter_diff_pieces
from ..outputs.records import (
    add_outcome,
    count_removals,
    heavy_rules,
    removal_record,
    report_line,
    report_start,
    summary_record,
)

# Inputs of at least this many bytes are cleaned in windows of about WINDOW_ENV characters (tests set
# both tiny); the environment reaches pool and Dask workers.
BIG_FILE_ENV = "BOILERCLEAN_BIG_FILE_BYTES"
DEFAULT_BIG_FILE_BYTES = 64 << 20
WINDOW_ENV = "BOILERCLEAN_WINDOW_CHARS"
READ_BYTES = 1 << 20

log = logging.getLogger("boilerclean")


def _env_int(name: str, default: int) -> int:
    try:
        return max(1, int(os.environ.get(name, default)))
    except ValueError:
        return default


def big_file_bytes() -> int:
    return _env_int(BIG_FILE_ENV, DEFAULT_BIG_FILE_BYTES)


def window_limit(rel: str, big: int) -> int | None:
    """The size (`big`: big_file_bytes()) from which the input `rel` is cleaned in windows; None for HTML,
    whose extraction needs the whole tree."""
    return None if is_html(rel) else big


class NotStreamable(Exception):
    """The input needs the whole path's decoding (not UTF-8, a UTF-16/32 mark, a NUL byte, binary)."""


class InputChanged(OSError):
    """The input changed between the two passes."""


@dataclass(slots=True)
class _Read:
    """What reading the file once found out."""

    sha256: str = ""
    bytes: int = 0
    bom: bool = False
    lfs: int = 0
    last: str = ""


def text_chunks(path: str, seen: _Read) -> Iterator[str]:
    """The input's text in chunks, decoded as decode_document decodes UTF-8 (a BOM dropped); raises
    NotStreamable for anything else. `seen` is filled in once the file is read to its end."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    digest = hashlib.sha256()
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise NotStreamable("not a regular file")
        first = True
        while True:
            data = fh.read(READ_BYTES)
            digest.update(data)
            seen.bytes += len(data)
            if first:
                data = _after_mark(data, seen)
                first = False
            if not seen.bom and b"\x00" in data:
                raise NotStreamable("NUL byte")
            try:
                text = decoder.decode(data, final=not data)
            except UnicodeDecodeError:
                raise NotStreamable("not UTF-8") from None
            if text:
                seen.lfs += text.count("\n")
                seen.last = text[-1]
                yield text
            if not data:
                break
    seen.sha256 = digest.hexdigest()


def _after_mark(data: bytes, seen: _Read) -> bytes:
    """The first bytes without a UTF-8 byte order mark; NotStreamable for a binary signature or
    another encoding's mark (the order of decode_document's checks)."""
    if any(data.startswith(sig) for sig, _ in BINARY_SIGNATURES):
        raise NotStreamable("binary signature")
    mark = next((m for m, _ in BOMS if data.startswith(m)), None)
    if mark is None:
        return data
    if mark != BOM_OF["utf-8"]:
        raise NotStreamable("UTF-16/32")
    seen.bom = True
    return data[len(mark) :]


def clean_big_file(
    item: InputFile,
    out_dir: str,
    ruleset: Ruleset,
    stage_output: Callable[[Path, Iterable[str]], None],
    add_report: Callable[[str, bytearray], None],
) -> dict[str, Any] | None:
    """Clean one huge text input in windows, stage its .txt and .diff, and give its report's line to the
    batch's records (`add_report`); its summary record.

    None when the input is not UTF-8 text (or cannot be read): the whole path then handles it.
    """
    seen = _Read()
    try:
        size = _env_int(WINDOW_ENV, CORE_CHARS)
        result = clean_windows(text_chunks(item.path, seen), ruleset, source=item.rel, core_chars=size)
    except (NotStreamable, OSError):
        return None
    if result.seams:
        lines = ", ".join(map(str, result.seams[:5])) + (" ..." if len(result.seams) > 5 else "")
        log.warning(
            "%s: cleaned in windows; around line %s two windows saw different removals (a chain of lines "
            "longer than the context): there the result may differ from cleaning the whole text",
            item.rel,
            lines,
        )
    out = Path(out_dir)
    report = _report(item, ruleset, result, seen)
    stage_output(out / report["output"], _cleaned(item.path, result, seen.sha256, size))
    total = seen.lfs + (1 if seen.last not in ("", "\n") else 0)
    stage_output(out / f"{item.stem}.diff", _diff(item, result, seen.sha256, total, size))
    add_report(item.rel, report_line(report, _records(result)))
    return summary_record(report)


def _records(result: WindowedResult) -> Iterator[dict]:
    """The report records of the removals, one at a time (a huge file may have millions)."""
    for r, lines in zip(result.removals, result.lines, strict=True):
        yield removal_record(r, *lines)


def _report(item: InputFile, ruleset: Ruleset, result: WindowedResult, seen: _Read) -> dict[str, Any]:
    """The report clean_file writes for the same input, less its removals (report_line adds them)."""
    removed = sum(r.end - r.start for r in result.removals if not r.shadow)
    report: dict[str, Any] = {
        **report_start(item.rel, ruleset.hash),
        "sha256": seen.sha256,
        "bytes": seen.bytes,
        **({"bom": True} if seen.bom else {}),
        "encoding": "utf-8",
        "output": f"{item.stem}.txt",
        "chars_in": result.chars,
        "chars_out": result.chars - removed,
        "counts": count_removals(_records(result)),
    }
    heavy = heavy_rules(_records(result), "", ruleset.quarantine, lines=result.nonblank_lines)
    add_outcome(report, result.held, result.timed_out, heavy)
    return report


def _again(path: str, sha256: str) -> Iterator[str]:
    """The input's text read a second time; InputChanged (an OSError: its outputs are dropped) when
    it is not what pass one cleaned."""
    seen = _Read()
    try:
        yield from text_chunks(path, seen)
    except NotStreamable:
        raise InputChanged(f"{path}: changed while it was cleaned; run again") from None
    if seen.sha256 != sha256:
        raise InputChanged(f"{path}: changed while it was cleaned; run again")


def _cleaned(path: str, result: WindowedResult, sha256: str, size: int) -> Iterator[str]:
    for text, removals in pieces(_again(path, sha256), result.removals, size):
        yield apply_removals(text, removals)


def _diff(item: InputFile, result: WindowedResult, sha256: str, total: int, size: int) -> Iterator[str]:
    return iter_diff_pieces(pieces(_again(item.path, sha256), result.removals, size), item.rel, total)
