"""A batch whose worker kept dying (given up: pool_batches, Dask's KilledWorker): did it commit first?

A batch's records file is named by a digest of its content, which only its worker knows. So, before it
puts the batch in place, the worker adds that name to the batch's claim, DIR/.boilerclean/batches/<digest
of the batch's inputs>; the run deletes the claim when it has the batch's result. For a lost batch, the
run reads the claim and takes the results of the files whose outputs in place are the ones a claimed
records file describes (text and diff, or raw copy: checked as `restore` rebuilds the input), instead of
failing them.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from ..inputs.discover import InputFile
from ..outputs.manifest import STATE_DIR
from ..outputs.records import ReportReader, is_records_name, summary_record

CLAIMS_DIR = "batches"


def _claims_dir(out_dir: str | os.PathLike) -> str:
    return os.path.join(out_dir, STATE_DIR, CLAIMS_DIR)


def claim_path(out_dir: str, items: list[InputFile]) -> str:
    """The claim of the batch of `items`: each input is in one batch of a run, so the name is the batch's."""
    digest = hashlib.sha256("\0".join(item.rel for item in items).encode()).hexdigest()[:32]
    return os.path.join(_claims_dir(out_dir), digest)


def claims_folder(out_dir: str) -> str:
    """The folder of the run's claims (made now), where pool workers also hand back their batches' results
    (run/handback.py): a killed run's are swept with its claims."""
    folder = _claims_dir(out_dir)
    os.makedirs(folder, exist_ok=True)
    return folder


def write_claim(out_dir: str, items: list[InputFile], records_name: str) -> None:
    """Add the batch's records file to its claim, before its commit (one line per attempt: a retry whose
    input changed names another file). Not written (a full disk): a lost batch fails, as it did before."""
    path = claim_path(out_dir, items)
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(records_name + "\n")
    except OSError:
        pass


def drop_claim(out_dir: str, items: list[InputFile]) -> None:
    """The run has the batch's result: its claim is not needed."""
    try:
        os.unlink(claim_path(out_dir, items))
    except OSError:
        pass  # none (nothing was committed), or left: the next run sweeps it


def drop_claims_folder(out_dir: str) -> None:
    """Every batch's result is in: the claims folder goes if it is empty (it was made for this run's)."""
    try:
        os.rmdir(_claims_dir(out_dir))
    except OSError:
        pass  # none, or a claim left (a lost batch's that could not be deleted): the next run sweeps it


def sweep_claims(out_dir: str | os.PathLike) -> None:
    """Delete the claims killed runs left (the caller holds DIR's lock: no batch of this run is out yet)."""
    folder = _claims_dir(out_dir)
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        try:
            os.unlink(os.path.join(folder, name))
        except OSError:
            pass  # left for the next run


def read_back(out_dir: str, items: list[InputFile], ruleset_hash: str) -> tuple[bool, dict, dict]:
    """Whether the lost batch's worker got as far as its commit (it claimed a records file), and the
    summary records and the reports, by input, of the files whose outputs it put in place."""
    try:
        claimed = Path(claim_path(out_dir, items)).read_text(encoding="utf-8").split()
    except (OSError, UnicodeDecodeError):
        return False, {}, {}
    drop_claim(out_dir, items)
    names = [n for n in reversed(claimed) if is_records_name(n)]  # the last attempt's first
    reader = ReportReader(out_dir)
    records, reports = {}, {}
    for item in items:
        for name in names:
            report = reader.report(item.rel, name)
            if report is not None and _in_place(Path(out_dir), report, ruleset_hash):
                records[item.rel] = {**summary_record(report), "records": name}
                reports[item.rel] = report
                break
    return True, records, reports


def _in_place(out: Path, report: dict, ruleset_hash: str) -> bool:
    """Whether the report is this run's and its input's outputs in place (text and diff, or raw copy) are
    the ones it describes."""
    # Imported here: the workers, which import this module, never read a batch back.
    from ..outputs.restore import RestoreError, check_outputs

    if report.get("ruleset_hash") != ruleset_hash:
        return False
    if not report.get("sha256"):  # never read: it has no outputs, only its error
        return bool(report.get("error")) and not report.get("output") and not report.get("raw_copy")
    try:
        check_outputs(out, report)
    except (RestoreError, OSError, ValueError):
        return False
    return True
