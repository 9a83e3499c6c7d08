"""Labelled cleaner cases as data files: tests/cases/<cleaner>/<lang>.yaml.

Each file holds `cases:`, a list of {name, text, remove}: `remove` lists the stripped lines that
the cleaner must remove from `text`; every other non-blank line must stay (look-alike article
lines belong in `text` and not in `remove`). The cleaner runs alone (all others disabled), so a
case tests exactly that cleaner's rules.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest
import yaml

from cleaners import clean_text, restore, ruleset_from_mapping
from cleaners.registry import CLEANER_NAMES

CASES = Path(__file__).parent / "cases"


@lru_cache(maxsize=None)
def ruleset_only(cleaner: str):
    """The default ruleset with every cleaner but `cleaner` disabled."""
    return ruleset_from_mapping(
        {"cleaners": {name: {"enabled": name == cleaner} for name in CLEANER_NAMES}}, "<test>"
    )


def load_cases(cleaner: str) -> list[tuple[str, dict]]:
    """(id, case) pairs from every language file of a cleaner, for pytest.mark.parametrize."""
    out = []
    for path in sorted((CASES / cleaner).glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for case in data.get("cases", []):
            out.append((f"{path.stem}:{case['name']}", case))
    return out


def case_params(cleaner: str) -> list:
    """A cleaner's cases as pytest params, each with its file:name id."""
    return [pytest.param(case, id=case_id) for case_id, case in load_cases(cleaner)]


def unexercised_rules(cleaner: str) -> set[str]:
    """The cleaner's default rules that remove nothing in any of its cases."""
    fired = set()
    for _, case in load_cases(cleaner):
        fired.update(r.rule for r in clean_text(case["text"], ruleset_only(cleaner)).acting)
    return {r.name for r in ruleset_only(cleaner).spec(cleaner).rules} - fired


def check_case(cleaner: str, case: dict) -> None:
    """Assert the cleaner removes exactly the lines in case['remove'] and keeps all the others."""
    text = case["text"]
    result = clean_text(text, ruleset_only(cleaner))
    assert restore(result.cleaned, result.removals) == text
    removed = {ln.strip() for r in result.acting for ln in r.text.splitlines() if ln.strip()}
    expected = {ln.strip() for ln in case.get("remove", [])}
    missing = expected - removed
    extra = removed - expected
    assert not missing, f"{case['name']}: not removed: {sorted(missing)}"
    assert not extra, f"{case['name']}: removed article lines: {sorted(extra)}"
    assert all(r.cleaner == cleaner for r in result.removals)
