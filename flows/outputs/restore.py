"""Rebuilding every input of a run, byte for byte, from its output folder alone (`boilerclean restore`)."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from cleaners.core import Removal, check_removals, restore

from ..inputs.decode import BOM_OF, encode_document
from ..inputs.discover import InputFile
from .atomic import atomic_write


class RestoreError(ValueError):
    """One input that cannot be rebuilt exactly, and why."""


@dataclass(frozen=True, slots=True)
class Restored:
    rel: str
    data: bytes


# An HTML page is restored as its extracted text, beside where the page was: a/b.html ->
# a/b.html.extracted.txt
EXTRACTED_SUFFIX = ".extracted.txt"


def _safe_rel(rel: object) -> PurePosixPath:
    """A report's input path, refused unless inside the restore folder (reports are data, not paths)."""
    if not isinstance(rel, str) or not rel or "\x00" in rel:
        raise RestoreError(f"report has no usable input path: {rel!r}")
    p = PurePosixPath(rel)
    if p.is_absolute() or any(part in ("..", "") for part in p.parts) or "\\" in rel:
        raise RestoreError(f"input path {rel!r} would leave the restore folder; refused")
    return p


def _inside(base: Path, rel: object) -> Path:
    return base.joinpath(*_safe_rel(rel).parts)


def rebuild_input(out_dir: Path, report: dict) -> Restored:
    """The original bytes of one input from its report and the outputs beside it; raises RestoreError."""
    rel = str(_safe_rel(report.get("input")))
    expected = report.get("sha256")
    if not expected:
        raise RestoreError(
            f"not restorable: the input was never read ({report.get('error') or 'no checksum recorded'})"
        )
    if report.get("raw_copy"):
        data = _inside(out_dir, report["raw_copy"]).read_bytes()
    else:
        output = report.get("output")
        if not output:
            raise RestoreError(f"not restorable: no cleaned output recorded ({report.get('error')})")
        cleaned = _inside(out_dir, output).read_bytes().decode("utf-8")
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
            return _checked(rel, data, expected, report)
        encoding = report.get("encoding") or "utf-8"
        if report.get("bom") and encoding not in BOM_OF:
            raise RestoreError(f"report records a byte order mark for {encoding}, which has none")
        try:
            data = encode_document(text, encoding, bool(report.get("bom")))
        except (LookupError, UnicodeEncodeError) as exc:
            raise RestoreError(f"cannot encode the rebuilt text as {encoding}: {exc}") from None
    return _checked(rel, data, expected, report)


def _checked(rel: str, data: bytes, expected: str, report: dict) -> Restored:
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        raise RestoreError(
            f"SHA-256 mismatch: rebuilt {actual}, report says {expected} ({len(data)} bytes, report says "
            f"{report.get('bytes')})"
        )
    return Restored(rel, data)


def restore_run(out_dir: str | os.PathLike, to: str | os.PathLike) -> tuple[list[str], list[tuple[str, str]]]:
    """Rebuild each input in DIR/summary.json into `to`; returns (restored inputs, [(input, problem)])."""
    out = Path(out_dir)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    dest = Path(to)
    done, failed = [], []
    for record in summary.get("file_records", []):
        rel = record.get("input")
        try:
            stem = InputFile(str(rel), str(_safe_rel(rel))).stem
            report_path = _inside(out, f"{stem}.report.json")
            if not report_path.exists():
                raise RestoreError(f"not restorable: {record.get('error') or 'its report is missing'}")
            report = json.loads(report_path.read_text(encoding="utf-8"))
            if report.get("input") != rel:
                raise RestoreError(f"{report_path.name} belongs to {report.get('input')!r}")
            restored = rebuild_input(out, report)
            atomic_write(_inside(dest, restored.rel), restored.data)
            done.append(restored.rel)
        except (RestoreError, OSError, ValueError, KeyError, TypeError) as exc:
            failed.append((str(rel), str(exc)))
    return done, failed
