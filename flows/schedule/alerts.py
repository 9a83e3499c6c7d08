"""Trend alerts: the rules whose hits per file jumped or dropped against recent runs, and how to say so."""

from __future__ import annotations

# One settings schema: alerts are validated with the ruleset's sections (cleaners/settings.py).
from cleaners.settings import AlertSettings, read_alerts

__all__ = ["AlertSettings", "alert_message", "alerts_markdown", "find_alerts", "read_alerts"]


def find_alerts(
    files: int, by_rule: dict[str, int], history: list[dict], ruleset_hash: str, settings: AlertSettings
) -> list[dict]:
    """Rules whose hits per file in this run differ from the recent average by more than settings.factor.

    Only runs under the same ruleset count (a rule edit changes rates on purpose). Expected and
    observed hits are floored at 1, so a rule that fires once where it never fired is not a jump.
    """
    if files < settings.min_files:
        return []
    recent = [h for h in history if h.get("ruleset_hash") == ruleset_hash and h.get("files", 0) > 0][
        -settings.window :
    ]
    past_files = sum(h["files"] for h in recent)
    if past_files < settings.min_files:
        return []
    past_hits: dict[str, int] = {}
    for h in recent:
        for rule, n in h["by_rule"].items():
            past_hits[rule] = past_hits.get(rule, 0) + n
    alerts = []
    for rule in sorted(set(past_hits) | set(by_rule)):
        average = past_hits.get(rule, 0) / past_files
        hits = by_rule.get(rule, 0)
        expected = average * files
        ratio = max(hits, 1) / max(expected, 1)
        if ratio > settings.factor or 1 / ratio > settings.factor:
            alerts.append(
                {
                    "rule": rule,
                    "direction": "up" if ratio > 1 else "down",
                    "hits": hits,
                    "files": files,
                    "rate": round(hits / files, 4),
                    "recent_rate": round(average, 4),
                    "recent_runs": len(recent),
                    "recent_files": past_files,
                }
            )
    return alerts


def alert_message(a: dict) -> str:
    return (
        f"trend alert: {a['rule']} fired {a['rate']:.3g} times per file in this run "
        f"({a['hits']} in {a['files']} files) against {a['recent_rate']:.3g} over the last "
        f"{a['recent_runs']} runs ({a['recent_files']} files)"
    )


def alerts_markdown(alerts: list[dict]) -> str:
    """Alerts as a Markdown section, for the index page or a Prefect artifact ("" when there are none)."""
    if not alerts:
        return ""
    lines = [
        "## Trend alerts",
        "",
        "| rule | change | this run (per file) | recent average (per file) | files |",
        "|---|---|---|---|---|",
    ]
    for a in alerts:
        arrow = "jumped up" if a["direction"] == "up" else "dropped"
        lines.append(
            f"| {a['rule']} | {arrow} | {a['rate']:.3g} ({a['hits']}) | {a['recent_rate']:.3g} "
            f"({a['recent_runs']} runs) | {a['files']} |"
        )
    return "\n".join(lines) + "\n"
