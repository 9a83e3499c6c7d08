"""The look-alike lines of a labelled case must also survive the full default ruleset, not only their own cleaner."""

from __future__ import annotations

from functools import lru_cache

from cleaners import clean_text, load_ruleset


@lru_cache(maxsize=None)
def default_ruleset():
    return load_ruleset()


def check_keeps_with_all_cleaners(case: dict) -> None:
    """Assert no default cleaner removes a line of the case that is not in case['remove']."""
    result = clean_text(case["text"], default_ruleset())
    expected = {ln.strip() for ln in case.get("remove", [])}
    removed = {(r.cleaner, r.rule, ln.strip()) for r in result.acting for ln in r.text.splitlines() if ln.strip()}
    extra = sorted(x for x in removed if x[2] not in expected)
    assert not extra, f"{case['name']}: article lines removed by the default ruleset: {extra}"
