"""What the commands share: exit codes, loading the ruleset, the Prefect check, the alert options."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

EXIT_OK, EXIT_FAILED_FILES, EXIT_USAGE = 0, 1, 2


def prefect_api_configured() -> bool:
    if os.environ.get("PREFECT_API_URL"):
        return True
    from prefect.settings import get_current_settings

    return bool(get_current_settings().api.url)


def add_config(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", metavar="FILE", help="YAML ruleset overriding the packaged defaults")


def load_ruleset_or_exit(config: str | None):
    from cleaners import ConfigError, load_ruleset

    try:
        return load_ruleset(config)
    except ConfigError as exc:
        print(f"boilerclean: config error: {exc}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE) from None


def checked_run_args(args: argparse.Namespace) -> tuple[dict[str, Any], Any] | None:
    """The alert settings and ruleset of `run` or `serve`, checked before any file is touched; None after
    one line on stderr when an alert option or an input path is wrong (a bad config exits here)."""
    try:
        alerts = alert_settings_from_args(args)
    except ValueError as exc:
        print(f"boilerclean: {exc}", file=sys.stderr)
        return None
    ruleset = load_ruleset_or_exit(args.config)
    missing = next((p for p in args.paths if not os.path.exists(p)), None)
    if missing is not None:
        print(f"boilerclean: {missing}: no such file or folder", file=sys.stderr)
        return None
    return alerts, ruleset


def report_problems(problems: Iterable[tuple[str, str]]) -> None:
    """One line per (file, problem) on stderr."""
    for rel, problem in problems:
        print(f"boilerclean: {rel}: {problem}", file=sys.stderr)


def add_alert_options(p: argparse.ArgumentParser) -> None:
    from ..schedule.alerts import AlertSettings

    d = AlertSettings()
    g = p.add_argument_group("trend alerts")
    g.add_argument(
        "--alert-factor",
        type=float,
        default=d.factor,
        metavar="F",
        help=f"warn when a rule's hits per file differ from the recent average by more than F times "
        f"(default {d.factor})",
    )
    g.add_argument(
        "--alert-min-files",
        type=int,
        default=d.min_files,
        metavar="N",
        help=f"compare only when the run cleaned at least N files (default {d.min_files})",
    )
    g.add_argument(
        "--alert-window",
        type=int,
        default=d.window,
        metavar="RUNS",
        help=f"average over the last RUNS runs (default {d.window})",
    )


def alert_settings_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """The alert options as a flow parameter; raises ValueError for a bad value, before any run."""
    from ..schedule.alerts import read_alerts

    raw = {"factor": args.alert_factor, "min_files": args.alert_min_files, "window": args.alert_window}
    return asdict(read_alerts(raw, "<command line>", "alerts"))
