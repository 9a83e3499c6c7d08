"""Rebuilding every input of a run, byte for byte, from its output folder alone (`boilerclean restore`)."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath

from cleaners.core import Removal, check_removals, restore

from ..inputs.decode import BOM_OF, encode_document
from ..inputs.discover import InputFile
from .atomic import atomic_write
from .diff import iter_diff
from .manifest import recorded_records
from .records import ReportReader, is_records_name


class RestoreError(ValueError):
    """One input that cannot be rebuilt exactly, and why."""


@dataclass(frozen=True, slots=True)
class Restored:
    rel: str
    data: bytes
    text: str | None = None  # the rebuilt text (a cleaned input; a raw copy has none)


# An HTML page is restored as its extracted text, beside where the page was:
# a/b.html -> a/b.html.extracted.txt
EXTRACTED_SUFFIX = ".extracted.txt"


def _safe_rel(rel: object) -> PurePosixPath:
    """A report's input path, refused unless it stays inside the restore folder (reports are data)."""
    if not isinstance(rel, str) or not rel or "\x00" in rel:
        raise RestoreError(f"report has no usable input path: {rel!r}")
    p = PurePosixPath(rel)
    if p.is_absolute() or any(part in ("..", "") for part in p.parts) or "\\" in rel:
        raise RestoreError(f"input path {rel!r} would leave the restore folder; refused")
    return p


def _inside(base: Path, rel: object) -> Path:
    return base.joinpath(*_safe_rel(rel).parts)


def _read_inside(base: Path, rel: object) -> bytes:
    """The bytes of base/rel, never through a link: neither the file nor a folder on the way may be one
    (a link in DIR could point at any file on the machine)."""
    path = _inside(base, rel)
    _no_links(base, path)
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise RestoreError(f"{rel}: not a regular file; refused")
        return fh.read()


def _no_links(base: Path, path: Path) -> None:
    """Refuse a path under `base` that has a symbolic link on the way (base itself is the user's choice)."""
    for parent in reversed(path.relative_to(base).parents):
        if parent.parts and os.path.islink(base / parent):
            raise RestoreError(f"{base / parent} is a symbolic link; not followed")
    if os.path.islink(path):
        raise RestoreError(f"{path} is a symbolic link; not followed")


def rebuild_input(out_dir: Path, report: dict) -> Restored:
    """The original bytes of one input from its report and the outputs beside it; raises RestoreError."""
    rel = str(_safe_rel(report.get("input")))
    expected = report.get("sha256")
    if not expected:
        raise RestoreError(
            f"not restorable: the input was never read ({report.get('error') or 'no checksum recorded'})"
        )
    if report.get("raw_copy"):
        data = _read_inside(out_dir, report["raw_copy"])
    else:
        output = report.get("output")
        if not output:
            raise RestoreError(f"not restorable: no cleaned output recorded ({report.get('error')})")
        cleaned = _read_inside(out_dir, output).decode("utf-8")
        removals = [Removal.from_dict(d) for d in report.get("removals", [])]
        text = restore(cleaned, removals)
        try:
            check_removals(text, removals)
        except ValueError as exc:
            raise RestoreError(f"removals do not fit the rebuilt text: {exc}") from None
        if report.get("extraction"):
            # An HTML page: the cleaned "original" is its extracted text; the page itself is not kept.
            expected = report["extraction"].get("text_sha256")
            if not expected:
                raise RestoreError(
                    "not restorable: HTML page cleaned before extracted-text checksums were recorded"
                )
            rel += EXTRACTED_SUFFIX
            data = text.encode("utf-8")
            return _checked(rel, data, expected, report, text)
        encoding = report.get("encoding") or "utf-8"
        if report.get("bom") and encoding not in BOM_OF:
            raise RestoreError(f"report records a byte order mark for {encoding}, which has none")
        try:
            data = encode_document(text, encoding, bool(report.get("bom")))
        except (LookupError, UnicodeEncodeError) as exc:
            raise RestoreError(f"cannot encode the rebuilt text as {encoding}: {exc}") from None
        return _checked(rel, data, expected, report, text)
    return _checked(rel, data, expected, report)


def check_outputs(out_dir: Path, report: dict) -> None:
    """Check every output the report says its input has, as a run puts them in place: the cleaned text or
    the raw copy (as restore rebuilds the input from it) and the diff (rendered again from the rebuilt
    text); raises RestoreError. A run killed between two renames leaves a new text beside an old diff."""
    restored = rebuild_input(out_dir, report)
    if restored.text is None:  # a raw copy: the input's only output
        return
    removals = [Removal.from_dict(d) for d in report.get("removals", [])]
    diff = hashlib.sha256()
    for piece in iter_diff(restored.text, removals, report["input"]):
        diff.update(piece.encode("utf-8"))
    path = report["output"].removesuffix(".txt") + ".diff"
    if hashlib.sha256(_read_inside(out_dir, path)).digest() != diff.digest():
        raise RestoreError(f"{path}: not the diff its report describes")


def _checked(rel: str, data: bytes, expected: str, report: dict, text: str | None = None) -> Restored:
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        raise RestoreError(
            f"SHA-256 mismatch: rebuilt {actual}, report says {expected} "
            f"({len(data)} bytes, report says {report.get('bytes')})"
        )
    return Restored(rel, data, text)


def load_run_summary(out_dir: str | os.PathLike) -> dict:
    """DIR/summary.json, checked to be a run summary; raises RestoreError saying why not."""
    path = Path(out_dir) / "summary.json"
    try:
        summary = json.loads(_read_inside(Path(out_dir), "summary.json").decode("utf-8"))
    except (OSError, ValueError) as exc:  # UnicodeDecodeError and JSONDecodeError included
        raise RestoreError(f"{path}: not a readable run summary ({exc})") from None
    if not isinstance(summary, dict) or not isinstance(summary.get("file_records", []), list):
        raise RestoreError(f"{path}: not a run summary (no list of file records)")
    return summary


def restore_run(
    out_dir: str | os.PathLike, to: str | os.PathLike, summary: dict | None = None
) -> tuple[list[str], list[tuple[str, str]]]:
    """Rebuild every input in DIR/summary.json into `to`; returns (restored inputs, [(input, problem)])."""
    out = Path(out_dir)
    summary = summary if summary is not None else load_run_summary(out)
    dest = Path(to)
    done, failed = [], []
    reader = ReportReader(out, read=lambda name: _read_inside(out, name))
    manifest = cache(lambda: recorded_records(out))  # read on the first mismatch only, then kept
    for record in summary.get("file_records", []):
        rel = record.get("input") if isinstance(record, dict) else None
        try:
            restored = _restore_either(out, record, reader, manifest)
            target = _inside(dest, restored.rel)
            _no_links(dest, target)
            atomic_write(target, restored.data)
            done.append(restored.rel)
        except (RestoreError, OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            failed.append((str(rel), str(exc)))
    return done, failed


def _restore_either(
    out: Path, record: dict, reader: ReportReader, manifest: Callable[[], dict[str, str]]
) -> Restored:
    """From the report summary.json names, or else the one the manifest names (`manifest()`: input ->
    records file): a run that put its outputs in place but could not rewrite summary.json left the
    older summary's pointer behind."""
    try:
        return _restore_one(out, record, reader)
    except RestoreError:
        other = manifest().get(record.get("input"))
        if other is None or other == record.get("records"):
            raise
        return _restore_one(out, {**record, "records": other}, reader)


def _restore_one(out: Path, record: dict, reader: ReportReader) -> Restored:
    rel = record.get("input")
    pointer = record.get("records")
    if pointer is None:  # a run before the batch layout: one report per input
        return _restore_legacy(out, record)
    if not is_records_name(pointer):
        raise RestoreError(f"records file {pointer!r} is not one a run writes; refused")
    report = reader.report(str(_safe_rel(rel)), pointer)
    if report is None:
        raise RestoreError(f"not restorable: its removal records are missing from {pointer}")
    return rebuild_input(out, report)


def _restore_legacy(out: Path, record: dict) -> Restored:
    rel = record.get("input")
    stem = InputFile(str(rel), str(_safe_rel(rel))).stem
    report_path = _inside(out, f"{stem}.report.json")
    if not os.path.lexists(report_path):
        raise RestoreError(f"not restorable: {record.get('error') or 'its report is missing'}")
    report = json.loads(_read_inside(out, f"{stem}.report.json").decode("utf-8"))
    if not isinstance(report, dict) or report.get("input") != rel:
        raise RestoreError(f"{report_path.name} belongs to {report.get('input')!r}")
    return rebuild_input(out, report)
