"""Report records: removals as recorded, counts per cleaner and rule, a file's summary record, stable JSON."""

from __future__ import annotations

import bisect
import hashlib
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import orjson

from cleaners.core import Removal, Status
from cleaners.quarantine import DEFAULT_QUARANTINE, QuarantineSettings, held_kind

from ..inputs.discover import InputFile

REPORT_VERSION = 1


# The word reviews show for each status (index rows, pages, terminal, artifacts).
STATUS_WORD = {Status.ACTING: "removed", Status.SHADOW: "shadow", Status.HELD: "held"}


def status_of(r: Removal | dict) -> Status:
    """The status of a Removal or of its report record (two flags there: `held` wins over `shadow`)."""
    return Status.of_flags(r.get("held"), r.get("shadow")) if isinstance(r, dict) else r.status


def rule_key(r: Removal | dict) -> str:
    """ "cleaner/rule" (plus " @folder:GLOB" or " @domain:NAME" for a per-source rule): the key in counts."""
    if isinstance(r, dict):
        key, source = f"{r['cleaner']}/{r['rule']}", r.get("source", "")
    else:
        key, source = f"{r.cleaner}/{r.rule}", r.source
    # A per-source rule is counted with its source: two sources may use the same rule name.
    return f"{key} @{source}" if source else key


def _line_starts(text: str) -> list[int]:
    # Line numbers as a reader counts them: CRLF, LF and lone CR each end a line (a regex scan:
    # the character loop this replaces took 2 ms on a 6 KB document).
    return [0] + [m.end() for m in _LINE_BREAK.finditer(text)]


_LINE_BREAK = re.compile(r"\r\n?|\n")


def removal_records(original: str, removals: Iterable[Removal]) -> list[dict]:
    """Removals as report records, each with the 1-based first and last line it touches."""
    ordered = sorted(removals, key=_start)
    if "\r" in original:  # CR ends a line too: bisect the line starts
        starts = _line_starts(original)
        return [
            removal_record(
                r, bisect.bisect_right(starts, r.start), bisect.bisect_right(starts, max(r.start, r.end - 1))
            )
            for r in ordered
        ]
    # LF only: a line number is 1 + the LFs before the offset, counted on from the last removal's start
    # (str.count: the line starts' list cost 6 us a document).
    out, count, line, pos = [], original.count, 1, 0
    for r in ordered:
        line += count("\n", pos, r.start)
        pos = r.start
        out.append(removal_record(r, line, line + count("\n", pos, r.end - 1) if r.end - 1 > pos else line))
    return out


def _start(r: Removal) -> int:
    return r.start


def removal_record(r: Removal, line: int, end_line: int) -> dict:
    """One removal's report record, with the 1-based first and last line it touches."""
    d = r.to_dict()
    d["line"] = line
    d["end_line"] = end_line
    return d


def count_removals(records: Iterable[dict]) -> dict[str, Any]:
    """Counts of acting removals by cleaner and by rule, plus shadow matches, for reports and the summary."""
    # Plain dicts, not Counters: a Counter's missing key costs a Python call (__missing__), per removal here.
    by_cleaner: dict[str, int] = {}
    by_rule: dict[str, int] = {}
    shadow_by_rule: dict[str, int] = {}
    held_by_rule: dict[str, int] = {}
    held_by_reason: dict[str, int] = {}
    by_risk: dict[str, int] = {}  # removals that act or are held, by risk level
    chars = removals = 0
    for d in records:
        held, risk = d.get("held"), d.get("risk")  # status_of(d), inlined: it is called per removal
        key = rule_key(d)
        if held:
            if risk:
                by_risk[risk] = by_risk.get(risk, 0) + 1
            held_by_rule[key] = held_by_rule.get(key, 0) + 1
            kind = held_kind(held)
            held_by_reason[kind] = held_by_reason.get(kind, 0) + 1
        elif d.get("shadow"):
            shadow_by_rule[key] = shadow_by_rule.get(key, 0) + 1
        else:
            if risk:
                by_risk[risk] = by_risk.get(risk, 0) + 1
            cleaner = d["cleaner"]
            by_cleaner[cleaner] = by_cleaner.get(cleaner, 0) + 1
            by_rule[key] = by_rule.get(key, 0) + 1
            chars += d["end"] - d["start"]
            removals += 1
    counts = {
        "removals": removals,
        "chars_removed": chars,
        "by_cleaner": dict(sorted(by_cleaner.items())),
        "by_rule": dict(sorted(by_rule.items())),
        "shadow_by_rule": dict(sorted(shadow_by_rule.items())),
        "by_risk": dict(sorted(by_risk.items())),
    }
    if held_by_rule:  # only when the quarantine held something back, so ordinary reports stay as they were
        counts["held_by_rule"] = dict(sorted(held_by_rule.items()))
        counts["held_by_reason"] = dict(sorted(held_by_reason.items()))
    return counts


def heavy_rules(
    records: Iterable[dict], text: str, quarantine: QuarantineSettings | None, lines: int | None = None
) -> dict[str, list[int]]:
    """Rule key -> [non-blank lines it removed or held, non-blank lines of the document], for the rules
    that took at least the quarantine's runaway share of the document's lines (and its minimum): the run
    counts them per rule. `lines`: the text's non-blank lines when the text is not at hand (a huge file
    cleaned in windows)."""
    q = quarantine or DEFAULT_QUARANTINE
    taken: dict[str, int] = {}
    for d in records:
        if d.get("held") or not d.get("shadow"):  # not status_of(d) is SHADOW, inlined
            key = rule_key(d)
            taken[key] = taken.get(key, 0) + _nonblank_lines(d["text"])
    busy = {k: n for k, n in taken.items() if n >= q.runaway_min_lines}
    if not busy:
        return {}
    total = _nonblank_lines(text) if lines is None else lines
    return {k: [n, total] for k, n in sorted(busy.items()) if n / total >= q.runaway_share}


def _nonblank_lines(text: str) -> int:
    """How many lines of text (CRLF, LF and lone CR each end one) hold more than white space."""
    if "\r" not in text:
        if text.find("\n") >= len(text) - 1:  # most removals: one line, its LF at the end if any, no split
            return 1 if text.strip() else 0
        return sum(1 for ln in text.split("\n") if ln.strip())
    return sum(1 for ln in _LINE_BREAK.split(text) if ln.strip())


def report_start(rel: str, ruleset_hash: str) -> dict[str, Any]:
    """What every input's report holds first, before the input is read (whole or windowed path)."""
    return {"version": REPORT_VERSION, "input": rel, "ruleset_hash": ruleset_hash, "error": None}


def add_outcome(report: dict, held: Iterable[str], timed_out: Iterable[str], heavy: dict) -> None:
    """The quarantine's reasons, the rules given up on and the runaway rules, each only when there is any."""
    if held:  # over-removal quarantine: the text keeps the held removals; a person decides
        report["held_for_review"] = list(held)
    if timed_out:
        report["timed_out"] = list(timed_out)
    if heavy:  # rules that took a large share of this document's lines: the run lists the runaways
        report["heavy_rules"] = heavy


def summary_record(report: dict) -> dict[str, Any]:
    counts = report.get("counts") or count_removals([])
    record = {
        "input": report["input"],
        "output": report.get("output"),
        "error": report["error"],
        "sha256": report.get("sha256"),  # the content cleaned: the manifest's change check
        "chars_in": report.get("chars_in", 0),
        "chars_out": report.get("chars_out", 0),
        "removals": counts["removals"],
        "by_cleaner": counts["by_cleaner"],
        "by_rule": counts["by_rule"],
        "shadow_by_rule": counts["shadow_by_rule"],
        "by_risk": counts.get("by_risk", {}),
        **({"held_by_reason": counts["held_by_reason"]} if counts.get("held_by_reason") else {}),
        **({"heavy_rules": report["heavy_rules"]} if report.get("heavy_rules") else {}),
        **({"timed_out": report["timed_out"]} if report.get("timed_out") else {}),
        # An undecodable input's copy: an output the manifest tracks.
        **({"raw_copy": report["raw_copy"]} if report.get("raw_copy") else {}),
    }
    if report.get("held_for_review"):
        record["held"] = report["held_for_review"]
    return record


# orjson: reports and summaries were a fifth of a run's CPU time in the json module's Python encoder.
_JSON_OPTIONS = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS


def to_json_bytes(data: Any) -> bytes:
    """Stable, readable JSON as UTF-8 (sorted keys, non-ASCII kept) so committed reports diff cleanly."""
    return orjson.dumps(data, option=_JSON_OPTIONS) + b"\n"


# The layout (docs/scale.md): each input's report (its removal records, counts, checksums) is one line of
# its batch's JSON Lines file, DIR/removals/<digest of the content>.jsonl; the input's summary record
# names that file ("records"). Runs before this layout wrote DIR/<stem>.report.json: still read.
RECORDS_DIR = "removals"
DIGEST_CHARS = 32  # hex characters of the digest a records file is named by
# A records file's path relative to the output folder, as a pattern (the manifest finds it inside JSON).
RECORDS_PATTERN = rf"{RECORDS_DIR}/[0-9a-f]{{{DIGEST_CHARS}}}\.jsonl"
LEGACY_REPORT_SUFFIX = ".report.json"
_RECORDS_NAME = re.compile(f"^{RECORDS_PATTERN}$")


class BatchRecords:
    """One batch's reports as JSON Lines. Named by a digest of its bytes: the same batch gives the same
    file whoever cleans it (1 worker, N, Dask), and a later batch never overwrites a different one."""

    def __init__(self) -> None:
        self._lines: list[bytes] = []
        self._digest = hashlib.sha256()
        self.inputs: set[str] = set()
        # Each input's report while the batch is open (the batch's review counts are made from them): the
        # dict when it was added whole, else the index of its line.
        self._reports: dict[str, dict | int] = {}

    def add(self, report: dict) -> None:
        self.add_line(report["input"], orjson.dumps(report, option=orjson.OPT_SORT_KEYS) + b"\n")
        self._reports[report["input"]] = report

    def add_line(self, rel: str, line: bytes | bytearray) -> None:
        """A report already encoded as its line (report_line: a huge file's, built a record at a time)."""
        self.inputs.add(rel)
        self._reports[rel] = len(self._lines)
        self._lines.append(line)
        self._digest.update(line)

    def report(self, rel: str) -> dict | None:
        """Input `rel`'s report as the records file holds it (a huge file's parsed from its line)."""
        found = self._reports.get(rel)
        return orjson.loads(self._lines[found]) if isinstance(found, int) else found

    def __len__(self) -> int:
        return len(self._lines)

    @property
    def name(self) -> str:
        """The file's path relative to the output folder."""
        return f"{RECORDS_DIR}/{self._digest.hexdigest()[:DIGEST_CHARS]}.jsonl"

    def data(self) -> bytes:
        return b"".join(self._lines)


def is_records_name(pointer: object) -> bool:
    """True for a batch records path as a summary record names it (data from disk: checked, never trusted)."""
    return isinstance(pointer, str) and _RECORDS_NAME.match(pointer) is not None


def legacy_report_name(rel: str) -> str:
    return InputFile("", rel).stem + LEGACY_REPORT_SUFFIX


class ReportReader:
    """Reports by input, read from batch records files (or an older run's per-file reports). The last
    file read stays parsed: a run's files come in batch order, so each file is read about once."""

    def __init__(self, out_dir: str | Path, read: Callable[[str], bytes] | None = None) -> None:
        self.out = Path(out_dir)
        self._read = read or (lambda name: (self.out / name).read_bytes())  # restore reads without links
        # One attribute, replaced whole: the review server's threads share the reader.
        self._last: tuple[str, dict[str, dict]] = ("", {})

    def report(self, rel: str, pointer: object) -> dict | None:
        """The report of input `rel`, in the file its summary record names (`pointer`); None if missing."""
        if pointer is None:  # a run before the batch layout: DIR/<stem>.report.json
            try:
                report = orjson.loads((self.out / legacy_report_name(rel)).read_bytes())
            except (OSError, orjson.JSONDecodeError):
                return None
            return report if isinstance(report, dict) else None
        if not is_records_name(pointer):
            return None
        name, reports = self._last
        if pointer != name:
            reports = self._load(str(pointer))
            self._last = (str(pointer), reports)
        return reports.get(rel)

    def _load(self, name: str) -> dict[str, dict]:
        try:
            data = self._read(name)
        except OSError:
            return {}
        reports = {}
        for line in data.split(b"\n"):
            if not line:
                continue
            try:
                report = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue  # a damaged line costs its own input only
            if isinstance(report, dict) and isinstance(report.get("input"), str):
                reports[report["input"]] = report
        return reports


def report_line(report: dict, records: Iterable[dict]) -> bytearray:
    """BatchRecords.add's line for {**report, "removals": [*records]}, encoded a record at a time: a huge
    file's records are never all held as dicts (flows.run.bigfile)."""
    marker = b'"removals":[]'  # a key at the top level only: inside strings a quote is escaped
    head, tail = orjson.dumps({**report, "removals": []}, option=orjson.OPT_SORT_KEYS).split(marker)
    line = bytearray(head + b'"removals":[')
    sep = b""
    for rec in records:
        line += sep + orjson.dumps(rec, option=orjson.OPT_SORT_KEYS)
        sep = b","
    line += b"]" + tail + b"\n"
    return line
