"""Over-removal quarantine: a ruleset that would strip an article has its removals held for review."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from conftest import SEEDS, cli_env
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaners import ConfigError, Removal, clean_text, load_ruleset, restore, ruleset_from_mapping

GREEDY = {
    "cleaners": {"greedy": {"new": True, "rules": [{"name": "mentions deepseek", "pattern": "DeepSeek"}]}}
}
# A rule allowed to take long lines: it strips one paragraph, far under 30% of the page.
PARAGRAPH = {
    "cleaners": {
        "greedy": {
            "new": True,
            "max_chars": 5000,
            "rules": [{"name": "open source", "pattern": "^Open-source means"}],
        }
    }
}


def test_default_seeds_are_never_held():
    rs = load_ruleset()
    for path in sorted(SEEDS.glob("*.txt")):
        result = clean_text(path.read_text(encoding="utf-8"), rs, source=path.name)
        assert result.held == (), path.name


def test_a_rule_matching_article_lines_is_held_by_share():
    # Page 002 is about DeepSeek: the rule would take 37% of it (every line short enough for a rule).
    text = (SEEDS / "002_9e3bfe6b2bbd3194.txt").read_text(encoding="utf-8")
    rs = ruleset_from_mapping(GREEDY, "<t>")
    result = clean_text(text, rs, source="002.txt")
    assert result.cleaned == text  # nothing removed: the document waits for a person
    assert len(result.held) == 1 and "of the document's characters (limit 30%)" in result.held[0]
    held = [r for r in result.removals if r.held]
    assert held and all(r.shadow for r in held)
    # Every removal of the page is held: the same removals act once the limit is raised.
    loose = ruleset_from_mapping({**GREEDY, "quarantine": {"max_share": 0.9}}, "<t>")
    acting = clean_text(text, loose, source="002.txt").acting
    assert "greedy" in {r.cleaner for r in held}
    assert [(r.start, r.cleaner, r.rule) for r in held] == [(r.start, r.cleaner, r.rule) for r in acting]
    assert restore(result.cleaned, result.removals) == text
    # A higher limit lets the same ruleset act.
    assert clean_text(text, loose).held == () and clean_text(text, loose).cleaned != text


def test_an_article_paragraph_is_held_alone():
    text = (SEEDS / "001_81ab90ff5b4357a1.txt").read_text(encoding="utf-8")
    result = clean_text(text, ruleset_from_mapping(PARAGRAPH, "<t>"))
    held = [r for r in result.removals if r.held]
    assert [r.cleaner for r in held] == ["greedy"]
    assert held[0].held.startswith("article-like paragraph removed (502 characters")
    # The other cleaners' removals still act.
    assert (
        result.acting
        and "Open-source means" in result.cleaned
        and "互联网新闻信息许可证" not in result.cleaned
    )


def test_disabled_quarantine_lets_everything_through():
    text = (SEEDS / "002_9e3bfe6b2bbd3194.txt").read_text(encoding="utf-8")
    rs = ruleset_from_mapping({**GREEDY, "quarantine": {"enabled": False}}, "<t>")
    result = clean_text(text, rs)
    assert result.held == () and len(result.cleaned) < len(text) * 0.7


def test_removal_round_trips_held():
    r = Removal(0, 3, "c", "r", "abc", shadow=True, held="why")
    assert Removal.from_dict(r.to_dict()) == r


@pytest.mark.parametrize(
    "raw, key",
    [
        ({"max_share": 0}, "quarantine.max_share"),
        ({"max_share": "30%"}, "quarantine.max_share"),
        ({"maxshare": 0.3}, "quarantine.maxshare"),
        ({"paragraph_chars": -1}, "quarantine.paragraph_chars"),
        ({"enabled": "yes"}, "quarantine.enabled"),
        ("on", "quarantine"),
    ],
)
def test_bad_quarantine_config(raw, key):
    with pytest.raises(ConfigError) as err:
        ruleset_from_mapping({"quarantine": raw}, "my.yaml")
    assert err.value.file == "my.yaml" and err.value.key == key


def test_run_flags_held_documents_and_held_lists_them(tmp_path, cli):
    config = tmp_path / "greedy.yaml"
    config.write_text(yaml.safe_dump(GREEDY), encoding="utf-8")
    out = tmp_path / "out"
    res = cli("run", str(SEEDS), "--out", str(out), "--config", str(config))
    assert res.returncode == 0, res.stderr.decode()
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    held = {h["input"] for h in summary["held"]}
    # Pages about DeepSeek lose most lines to the greedy rule; each is held, written unchanged.
    assert held == {"002_9e3bfe6b2bbd3194.txt", "003_e9683d8b42e70a2b.txt"}
    for name in held:
        assert (out / name).read_text(encoding="utf-8") == (SEEDS / name).read_text(encoding="utf-8")
        report = json.loads((out / name.replace(".txt", ".report.json")).read_text(encoding="utf-8"))
        assert report["held_for_review"] and report["counts"]["removals"] == 0
        assert report["counts"]["held_by_rule"]["greedy/mentions deepseek"] > 0
    listing = cli("held", str(out))
    assert listing.returncode == 1
    assert {line.split("\t")[0] for line in listing.stdout.decode().splitlines()} == held
    clean_listing = cli("held", str(Path(__file__).resolve().parent.parent / "clean"))
    assert clean_listing.returncode == 0 and clean_listing.stdout == b""
    review = cli("review", str(out), "--held", env=cli_env(COLUMNS="200"))
    assert review.returncode == 0, review.stderr.decode()
    shown = review.stdout.decode()
    assert "held for review: 2 documents" in shown and all(name in shown for name in held)
    assert "of the document's characters" in shown


_SPACES = [chr(c) for c in range(0x110000) if chr(c).isspace()]


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(_SPACES + list("ab é中\x00\x7f\U0001f600")), max_size=40))
def testsolid_chars_counts_what_str_split_keeps(text):
    """The share check's character count (ASCII fast path or not) is exactly the non-space characters."""
    from cleaners.quarantine import solid_chars

    assert solid_chars(text) == sum(map(len, text.split()))
    ascii_only = "".join(c for c in text if c.isascii())
    assert solid_chars(ascii_only) == sum(map(len, ascii_only.split()))
