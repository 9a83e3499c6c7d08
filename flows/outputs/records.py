"""Report records: removals as recorded, counts per cleaner and rule, a file's summary record, stable JSON."""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from enum import Enum
from typing import Any

import orjson

from cleaners.core import Removal
from cleaners.quarantine import held_kind

REPORT_VERSION = 1


class Status(Enum):
    """What a recorded removal did; the value is the word reviews show."""

    ACTING = "removed"  # taken out of the cleaned text
    SHADOW = "shadow"  # a shadow-mode rule or --dry-run: reported, not removed
    HELD = "held"  # kept in the text by the over-removal quarantine, for a person to decide

    @classmethod
    def of(cls, r: Removal | dict) -> Status:
        """The status of a Removal or of its report record (two flags there: `held` wins over `shadow`)."""
        held, shadow = (r.get("held"), r.get("shadow")) if isinstance(r, dict) else (r.held, r.shadow)
        if held:
            return cls.HELD
        return cls.SHADOW if shadow else cls.ACTING


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
    starts = _line_starts(original)
    return [
        removal_record(
            r, bisect.bisect_right(starts, r.start), bisect.bisect_right(starts, max(r.start, r.end - 1))
        )
        for r in sorted(removals, key=lambda r: r.start)
    ]


def removal_record(r: Removal, line: int, end_line: int) -> dict:
    """One removal's report record, with the 1-based first and last line it touches."""
    d = r.to_dict()
    d["line"] = line
    d["end_line"] = end_line
    return d


def count_removals(records: Iterable[dict]) -> dict[str, Any]:
    """Counts of acting removals by cleaner and by rule, plus shadow matches, for reports and the summary."""
    by_cleaner: Counter = Counter()
    by_rule: Counter = Counter()
    shadow_by_rule: Counter = Counter()
    held_by_rule: Counter = Counter()
    held_by_reason: Counter = Counter()
    by_risk: Counter = Counter()  # removals that act or are held, by risk level
    chars = 0
    for d in records:
        status = Status.of(d)
        if status is not Status.SHADOW and d.get("risk"):
            by_risk[d["risk"]] += 1
        if status is Status.HELD:
            held_by_rule[rule_key(d)] += 1
            held_by_reason[held_kind(d["held"])] += 1
        elif status is Status.SHADOW:
            shadow_by_rule[rule_key(d)] += 1
        else:
            by_cleaner[d["cleaner"]] += 1
            by_rule[rule_key(d)] += 1
            chars += d["end"] - d["start"]
    counts = {
        "removals": sum(by_cleaner.values()),
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
    records: Iterable[dict], text: str, share: float, min_lines: int, lines: int | None = None
) -> dict[str, list[int]]:
    """Rule key -> [non-blank lines it removed or held, non-blank lines of the document], for the rules
    that took at least `share` of the document's lines (and `min_lines`): the run counts them per rule.
    `lines`: the text's non-blank lines when the text is not at hand (a huge file cleaned in windows)."""
    taken: Counter = Counter()
    for d in records:
        if Status.of(d) is not Status.SHADOW:
            taken[rule_key(d)] += sum(1 for ln in _LINE_BREAK.split(d["text"]) if ln.strip())
    busy = {k: n for k, n in taken.items() if n >= min_lines}
    if not busy:
        return {}
    total = sum(1 for ln in _LINE_BREAK.split(text) if ln.strip()) if lines is None else lines
    return {k: [n, total] for k, n in sorted(busy.items()) if n / total >= share}


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


def iter_report_json(report: dict, records: Iterable[dict]) -> Iterator[str]:
    """to_json_bytes({**report, "removals": [*records]}) as text, a record at a time: a huge file's
    records and their JSON are never all held (flows.run.bigfile)."""
    marker = b'\n  "removals": []'
    before, after = to_json_bytes({**report, "removals": []}).split(marker)
    yield before.decode("utf-8")
    sep = '\n  "removals": [\n'
    for rec in records:
        yield sep + "    " + orjson.dumps(rec, option=_JSON_OPTIONS).decode("utf-8").replace("\n", "\n    ")
        sep = ",\n"
    yield marker.decode("utf-8") if sep.startswith("\n  ") else "\n  ]"
    yield after.decode("utf-8")
