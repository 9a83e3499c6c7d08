"""Trend alerts over a run history: a rule whose hit rate jumps is flagged, steady and sparse ones are not."""

from __future__ import annotations

import json

from conftest import SEEDS, run_cli

from flows.run.prefect_flow import clean_flow
from flows.schedule.alerts import AlertSettings, alerts_markdown, find_alerts
from flows.schedule.history import append_history, history_path, read_history

HASH = "h1"


def steady_history(
    runs: int = 10, files: int = 50, rates: dict[str, float] | None = None, ruleset_hash: str = HASH
) -> list[dict]:
    rates = rates or {"cookie_banner/consent sentence": 0.1, "image_caption/agency credit line": 0.5}
    return [
        {
            "ruleset_hash": ruleset_hash,
            "files": files,
            "by_rule": {r: round(x * files) for r, x in rates.items()},
        }
        for _ in range(runs)
    ]


def test_rule_that_jumps_is_flagged_and_steady_ones_are_not():
    alerts = find_alerts(
        50,
        {
            "cookie_banner/consent sentence": 40,
            "image_caption/agency credit line": 26,
            "license_line/news licence number": 1,
        },
        steady_history(),
        HASH,
        AlertSettings(),
    )
    assert [(a["rule"], a["direction"], a["hits"], a["recent_rate"]) for a in alerts] == [
        ("cookie_banner/consent sentence", "up", 40, 0.1)
    ]


def test_rule_that_stops_firing_is_flagged():
    alerts = find_alerts(50, {"cookie_banner/consent sentence": 5}, steady_history(), HASH, AlertSettings())
    assert [(a["rule"], a["direction"], a["hits"]) for a in alerts] == [
        ("image_caption/agency credit line", "down", 0)
    ]


def test_factor_is_configurable_and_either_way():
    history = steady_history()
    now = {"cookie_banner/consent sentence": 12, "image_caption/agency credit line": 25}  # 2.4x the usual 5
    assert find_alerts(50, now, history, HASH, AlertSettings(factor=3)) == []
    assert [a["rule"] for a in find_alerts(50, now, history, HASH, AlertSettings(factor=2))] == [
        "cookie_banner/consent sentence"
    ]


def test_too_few_files_or_no_comparable_history_gives_no_alert():
    now = {"cookie_banner/consent sentence": 19, "image_caption/agency credit line": 0}
    assert find_alerts(19, now, steady_history(), HASH, AlertSettings(min_files=20)) == []
    assert (
        find_alerts(50, now, steady_history(ruleset_hash="other"), HASH, AlertSettings()) == []
    )  # rules edited since
    assert find_alerts(50, now, steady_history(runs=1, files=10), HASH, AlertSettings(min_files=20)) == []
    assert find_alerts(50, now, [], HASH, AlertSettings()) == []


def test_window_uses_only_recent_runs():
    old = steady_history(runs=10, rates={"cookie_banner/consent sentence": 0.8})
    recent = steady_history(runs=3, rates={"cookie_banner/consent sentence": 0.1})
    now = {"cookie_banner/consent sentence": 40}
    assert find_alerts(50, now, old + recent, HASH, AlertSettings(window=3))[0]["direction"] == "up"
    assert find_alerts(50, now, old + recent, HASH, AlertSettings(window=13)) == []


def test_damaged_history_line_is_skipped(tmp_path):
    append_history(tmp_path, {"ruleset_hash": HASH, "files": 3, "by_rule": {}})
    with open(history_path(tmp_path), "a") as fh:
        fh.write('{"ruleset_hash": "h1", "fil')  # a crash mid-append
    assert len(read_history(tmp_path)) == 1


def test_flow_run_marks_a_jump_in_summary_log_and_history_command(tmp_path, caplog):
    # A first real run gives each rule's rate on the seeds; the synthetic history keeps those
    # rates except for one rule, which used to fire ten times less often.
    first = clean_flow.fn([str(SEEDS)], str(tmp_path / "probe"))
    files, by_rule = first["cleaned"], first["by_rule"]
    jumped = max(by_rule, key=by_rule.get)
    out = tmp_path / "out"
    for _ in range(5):
        past = {r: n * 10 for r, n in by_rule.items()}
        past[jumped] = by_rule[jumped]  # a tenth of today's rate
        append_history(
            out,
            {
                "time": "2026-01-01T00:00:00Z",
                "ruleset_hash": first["ruleset_hash"],
                "files": files * 10,
                "by_rule": past,
            },
        )
    summary = clean_flow.fn([str(SEEDS)], str(out), alerts={"min_files": files})
    alerts = summary["run"]["alerts"]
    assert [(a["rule"], a["direction"]) for a in alerts] == [(jumped, "up")]
    assert json.loads((out / "summary.json").read_text())["run"]["alerts"] == alerts
    assert any(rec.levelname == "WARNING" and jumped in rec.getMessage() for rec in caplog.records)
    assert read_history(out)[-1]["alerts"] == [jumped]
    assert jumped in alerts_markdown(alerts)
    # The review index page and the Prefect markdown artifact show it too.
    from flows.review.artifacts import markdown_summary
    from flows.review.data import collect_review

    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'id="trend-alerts"' in index and f"<td>{jumped}</td><td>jumped up</td>" in index
    assert "## Trend alerts" in markdown_summary(collect_review(out, summary), "index.html")
    assert 'id="trend-alerts"' not in (tmp_path / "probe" / "index.html").read_text(encoding="utf-8")

    res = run_cli("history", str(out))
    assert res.returncode == 0, res.stderr
    table = res.stdout.decode()
    row = next(line for line in table.splitlines() if jumped in line)
    assert row.rstrip(" │").endswith(
        f"! {by_rule[jumped] / files:.2f} ({by_rule[jumped]})"
    )  # newest run, marked
    steady = next(
        line
        for line in table.splitlines()
        if line.startswith("│ ") and jumped not in line and "/" in line and "files" not in line
    )
    assert "!" not in steady


def test_history_command_without_history(tmp_path):
    res = run_cli("history", str(tmp_path))
    assert res.returncode == 2 and b"no run history" in res.stderr
