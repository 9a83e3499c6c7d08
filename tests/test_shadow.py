"""Shadow mode: shadow matches are reported, never removed, and never change what the acting rules remove."""

from __future__ import annotations

import json

from conftest import report_of

from cleaners import apply_removals, clean_text, restore, ruleset_from_mapping

# A caption the image_caption cleaner removes, a cookie sentence, and article lines around them.
TEXT = (
    "By continuing to browse our site you agree to our use of cookies and our Privacy Policy.\n"
    "Accept all\n"
    "\n"
    "The council met on Tuesday to discuss the budget.\n"
    "Photo: Reuters\n"
    "Officials said the plan would be published next week.\n"
)


def _removals(result):
    return [(r.cleaner, r.rule, r.shadow) for r in result.removals]


def test_defaults_remove_banner_and_caption():
    result = clean_text(TEXT, ruleset_from_mapping({}))
    assert _removals(result) == [
        ("cookie_banner", "consent sentence", False),
        ("cookie_banner", "banner button", False),
        ("image_caption", "credit-only line", False),
    ]


def test_cleaner_in_shadow_removes_nothing_but_is_reported():
    rs = ruleset_from_mapping({"cleaners": {"cookie_banner": {"mode": "shadow"}}})
    result = clean_text(TEXT, rs)
    assert ("cookie_banner", "consent sentence", True) in _removals(result)
    assert ("cookie_banner", "banner button", True) in _removals(result)
    assert ("image_caption", "credit-only line", False) in _removals(result)
    assert result.cleaned.startswith(TEXT[: TEXT.index("The council")])  # the banner is still there
    assert "Photo: Reuters" not in result.cleaned
    assert restore(result.cleaned, result.removals) == TEXT
    assert apply_removals(TEXT, result.removals) == result.cleaned


def test_single_rule_in_shadow():
    rs = ruleset_from_mapping(
        {"cleaners": {"image_caption": {"rules": [{"name": "credit-only line", "mode": "shadow"}]}}}
    )
    result = clean_text(TEXT, rs)
    assert ("image_caption", "credit-only line", True) in _removals(result)
    assert ("cookie_banner", "consent sentence", False) in _removals(result)
    assert "Photo: Reuters\n" in result.cleaned
    assert "By continuing" not in result.cleaned


def test_shadow_rule_never_changes_the_output():
    # A shadow rule in a higher-priority cleaner matching the caption line must not stop image_caption
    # from removing it (in one pass the shadow match would win the overlap).
    plain = clean_text(TEXT, ruleset_from_mapping({}))
    rs = ruleset_from_mapping(
        {
            "cleaners": {
                "cookie_banner": {"rules": [{"name": "try reuters", "pattern": "Reuters", "mode": "shadow"}]}
            }
        }
    )
    result = clean_text(TEXT, rs)
    assert result.cleaned == plain.cleaned
    assert [r for r in result.removals if not r.shadow] == list(plain.removals)


def test_shadow_anchor_does_not_make_a_near_rule_act():
    # With the consent sentence in shadow, the button beside it is only a shadow match too.
    text = (
        "We use cookies on this site to improve your experience and for our cookie policy.\n"
        "Accept all\nBody text of the article goes here.\n"
    )
    rs = ruleset_from_mapping(
        {"cleaners": {"cookie_banner": {"rules": [{"name": "consent sentence", "mode": "shadow"}]}}}
    )
    result = clean_text(text, rs)
    assert result.cleaned == text
    button = [r for r in result.removals if r.rule == "banner button"]
    assert len(button) == 1 and button[0].shadow and "shadow rules on" in button[0].detail


def test_all_shadow_reports_exactly_what_a_real_run_removes():
    rs = ruleset_from_mapping({})
    real = clean_text(TEXT, rs)
    dry = clean_text(TEXT, rs.all_shadow())
    assert dry.cleaned == TEXT
    assert [(r.start, r.end, r.cleaner, r.rule) for r in dry.removals] == [
        (r.start, r.end, r.cleaner, r.rule) for r in real.removals
    ]
    assert all(r.shadow for r in dry.removals)


def test_dry_run_cli_writes_shadow_reports(tmp_path, cli):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(TEXT, encoding="utf-8")
    out = tmp_path / "out"
    proc = cli("run", str(src), "--out", str(out), "--dry-run", "--no-prefect")
    assert proc.returncode == 0, proc.stderr.decode()
    assert (out / "a.txt").read_text(encoding="utf-8") == TEXT
    report = report_of(out, "a")
    assert report["counts"]["removals"] == 0
    assert report["counts"]["shadow_by_rule"] == {
        "cookie_banner/banner button": 1,
        "cookie_banner/consent sentence": 1,
        "image_caption/credit-only line": 1,
    }
    assert all(r["shadow"] for r in report["removals"])
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["dry_run"] is True and summary["removals"] == 0
    assert sum(summary["shadow_by_rule"].values()) == 3


def test_per_source_rule_in_shadow():
    text = "Newsroom edition: Asia\nThe council met on Tuesday.\n"
    mapping = {
        "sources": [
            {
                "match": {"folder": "news"},
                "rules": [{"name": "edition line", "pattern": "^Newsroom edition", "mode": "shadow"}],
            }
        ]
    }
    rs = ruleset_from_mapping(mapping)
    result = clean_text(text, rs, source="news/a.txt")
    assert result.cleaned == text
    assert [(r.rule, r.shadow, r.source) for r in result.removals] == [("edition line", True, "folder:news")]
    mapping["sources"][0]["rules"][0]["mode"] = "remove"
    assert (
        clean_text(text, ruleset_from_mapping(mapping), source="news/a.txt").cleaned
        == "The council met on Tuesday.\n"
    )


def test_shadow_variants_keep_the_cleaners_state():
    # repeated_line carries a corpus line table on its cleaner object; the shadow views must keep it.
    from cleaners.mining import LineTable
    from cleaners.repeated_line import attach_line_table, repeated_line_cleaner

    rs = ruleset_from_mapping({"cleaners": {"repeated_line": {"enabled": True, "mode": "shadow"}}})
    assert rs.has_shadow()  # a cleaner without rules of its own, in shadow mode
    table = LineTable.__new__(LineTable)
    rs = attach_line_table(rs, table)
    assert repeated_line_cleaner(rs.shadow_switched_on()).table is table
    assert repeated_line_cleaner(rs.shadow_switched_on()).spec.mode == "remove"
    assert repeated_line_cleaner(rs.without_shadow()) is None
    assert repeated_line_cleaner(rs).spec.mode == "shadow"  # the original is untouched


def test_shadow_variants_cache_is_bounded():
    from cleaners import engine

    for i in range(engine._SHADOW_VARIANTS_MAX + 5):
        rules = [{"name": f"r{i}", "pattern": f"^x{i}$", "mode": "shadow"}]
        clean_text("x\n", ruleset_from_mapping({"cleaners": {"advertisement": {"rules": rules}}}, "<t>"))
    assert len(engine._SHADOW_VARIANTS) <= engine._SHADOW_VARIANTS_MAX
