"""The last lines of `boilerclean run`, for a person: what happened, what it found, where to look next."""

from __future__ import annotations

import os
import shlex

TOP_CLEANERS = 4  # cleaners named in the removals line; the rest are counted


def final_lines(summary: dict, out: str) -> list[str]:
    """Files cleaned, unchanged and failed; removals by top cleaner; time and MB/s; held files; the index."""
    run, this = summary["run"], summary.get("this_run", {})
    unchanged, failed = run["unchanged"], summary["failed"]
    cleaned = summary["files"] - unchanged - failed
    seconds = this.get("seconds", 0.0)
    timing = f"{seconds:.1f} s"
    if cleaned or failed:
        timing += f", {_rate(this.get('bytes', 0), seconds)}"
    if cleaned or failed or not unchanged:
        lines = [f"cleaned {_n(cleaned, 'file')}, {unchanged} unchanged, {failed} failed in {timing}"]
    else:
        lines = [f"nothing new or changed: {_n(unchanged, 'file')} unchanged ({timing})"]
    lines.append(_removals_line(summary))
    if run.get("gone"):
        pruned = len(run.get("pruned_outputs", []))
        kept = f"pruned {pruned} outputs" if run.get("pruned") else "outputs kept; --prune deletes them"
        lines.append(f"{_n(run['gone'], 'input')} gone since the last run ({kept})")
    if summary.get("timeouts"):
        lines.append(f"rules timed out in {_n(len(summary['timeouts']), 'file')} (see summary.json)")
    q = shlex.quote(out)
    if summary["held"]:
        lines.append(
            f"removals held for review (kept in the text) in {_n(len(summary['held']), 'document')}; "
            f"list them: boilerclean held {q}"
        )
    if failed:
        lines.append(f"failed files are listed above and in {os.path.join(out, 'summary.json')}")
    index = os.path.join(out, "index.html")
    lines.append(f"review: open {index} in a browser, or run: boilerclean review {q}")
    return lines


def _removals_line(summary: dict) -> str:
    if summary.get("dry_run"):
        shadow = sum(summary.get("shadow_by_rule", {}).values())
        return f"dry run: nothing removed; {shadow} matches would have been"
    ranked = sorted(summary["by_cleaner"].items(), key=lambda kv: (-kv[1], kv[0]))
    top = ", ".join(f"{name} {n}" for name, n in ranked[:TOP_CLEANERS])
    rest = len(ranked) - TOP_CLEANERS
    top += f", {rest} more" if rest > 0 else ""
    files = summary["files"] - summary["failed"]
    return (
        f"{summary['removals']} removals ({summary['chars_removed']} characters) in the {_n(files, 'file')}"
        + (f": {top}" if top else "")
    )


def _rate(nbytes: int, seconds: float) -> str:
    rate = nbytes / 1e6 / max(seconds, 1e-9)
    return f"{rate:.1f} MB/s" if rate >= 0.1 else f"{rate * 1000:.1f} KB/s"


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
