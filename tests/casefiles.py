"""Labelled cleaner cases as data files: tests/cases/<cleaner>/<lang>.yaml, run by tests/test_cases.py.

Each file holds `cases:`, a list of {name, text, remove} and optionally `titles` (the page's titles,
as HTML extraction gives them) and `source` (the document's path, for per-folder rules). `remove`
lists the stripped lines the cleaner must remove from `text`; every other non-blank line must stay
(look-alike article lines belong in `text` and not in `remove`). The cleaner runs alone (all others
disabled), so a case tests exactly that cleaner's rules; `all_cleaners: false` on a case skips the
second check, that the full default ruleset keeps its look-alike lines too (for a case whose lines
another cleaner rightly removes). A third check runs the cleaner with the quarantine off: its rules
themselves keep the look-alike lines, not only the quarantine's holding (round 22).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from cleaners import clean_text, load_ruleset, restore, ruleset_from_mapping
from cleaners.registry import CLEANER_NAMES

CASES = Path(__file__).parent / "cases"
CASE_KEYS = {"name", "text", "remove", "titles", "source", "all_cleaners"}


@cache
def ruleset_only(cleaner: str):
    """The default ruleset with every cleaner but `cleaner` disabled."""
    return ruleset_from_mapping(
        {"cleaners": {name: {"enabled": name == cleaner} for name in CLEANER_NAMES}}, "<test>"
    )


@cache
def default_ruleset():
    return load_ruleset()


@cache
def rules_alone(cleaner: str):
    """ruleset_only(cleaner) with the quarantine off: what the cleaner's rules themselves remove."""
    return ruleset_from_mapping(
        {
            "cleaners": {name: {"enabled": name == cleaner} for name in CLEANER_NAMES},
            "quarantine": {"enabled": False},
        },
        "<test>",
    )


def case_files() -> list[Path]:
    """Every case file, tests/cases/<cleaner>/<lang>.yaml."""
    return sorted(CASES.glob("*/*.yaml"))


@cache
def _read(path: Path) -> tuple[dict, ...]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return tuple(data.get("cases", []))


def load_cases(cleaner: str) -> list[tuple[str, dict]]:
    """(id, case) pairs from every language file of a cleaner."""
    return [(f"{p.stem}:{c['name']}", c) for p in sorted((CASES / cleaner).glob("*.yaml")) for c in _read(p)]


def all_cases() -> list[tuple[str, str, dict]]:
    """(cleaner, id, case) for every case of every cleaner."""
    return [
        (p.parent.name, f"{p.parent.name}/{p.stem}:{c['name']}", c) for p in case_files() for c in _read(p)
    ]


def _clean(case: dict, ruleset):
    return clean_text(
        case["text"], ruleset, source=case.get("source", ""), titles=tuple(case.get("titles", ()))
    )


def unexercised_rules(cleaner: str) -> set[str]:
    """The cleaner's default rules that remove nothing in any of its cases."""
    fired = set()
    for _, case in load_cases(cleaner):
        fired.update(r.rule for r in _clean(case, ruleset_only(cleaner)).acting)
    return {r.name for r in ruleset_only(cleaner).spec(cleaner).rules} - fired


def kept_lines(case: dict) -> set[str]:
    """The case's non-blank lines that must stay."""
    return {ln.strip() for ln in case["text"].splitlines() if ln.strip()} - {
        ln.strip() for ln in case.get("remove", [])
    }


def check_case(cleaner: str, case: dict) -> None:
    """Assert the cleaner removes exactly the lines in case['remove'] and keeps all the others."""
    assert set(case) <= CASE_KEYS, f"{case.get('name')}: unknown keys {sorted(set(case) - CASE_KEYS)}"
    text = case["text"]
    result = _clean(case, ruleset_only(cleaner))
    assert restore(result.cleaned, result.removals) == text
    removed = {ln.strip() for r in result.acting for ln in r.text.splitlines() if ln.strip()}
    expected = {ln.strip() for ln in case.get("remove", [])}
    missing = expected - removed
    extra = removed - expected
    assert not missing, f"{case['name']}: not removed: {sorted(missing)}"
    assert not extra, f"{case['name']}: removed article lines: {sorted(extra)}"
    assert all(r.cleaner == cleaner for r in result.removals)


def check_keeps_without_quarantine(cleaner: str, case: dict) -> None:
    """Assert the cleaner's rules keep the case's look-alike lines themselves, not only because the
    quarantine holds them (round 22: a rule is fixed where it matches article text, not left to risk)."""
    result = _clean(case, rules_alone(cleaner))
    expected = {ln.strip() for ln in case.get("remove", [])}
    removed = {(r.rule, ln.strip()) for r in result.acting for ln in r.text.splitlines() if ln.strip()}
    extra = sorted(x for x in removed if x[1] not in expected)
    assert not extra, f"{case['name']}: article lines removed with the quarantine off: {extra}"


def check_keeps_with_all_cleaners(case: dict) -> None:
    """Assert no default cleaner removes a line of the case that is not in case['remove']."""
    result = _clean(case, default_ruleset())
    expected = {ln.strip() for ln in case.get("remove", [])}
    removed = {
        (r.cleaner, r.rule, ln.strip()) for r in result.acting for ln in r.text.splitlines() if ln.strip()
    }
    extra = sorted(x for x in removed if x[2] not in expected)
    assert not extra, f"{case['name']}: article lines removed by the default ruleset: {extra}"
