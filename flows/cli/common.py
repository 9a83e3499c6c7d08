"""What the commands share: exit codes, loading the ruleset, the Prefect check, the alert options."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_FAILED_FILES, EXIT_USAGE = 0, 1, 2


def prefect_api_configured() -> bool:
    """Whether Prefect's settings name an API (then `run` is a tracked flow run). Prefect's own answer
    costs importing it (~1.3 s, more than a small run); it is asked only when a source it reads may hold
    one (prefect_may_have_api), and its answer decides."""
    if os.environ.get("PREFECT_API_URL"):
        return True
    if not prefect_may_have_api():
        return False
    from prefect.settings import get_current_settings

    return bool(get_current_settings().api.url)


def prefect_may_have_api(cwd: Path | None = None, prefect_home: Path | None = None) -> bool:
    """False only when none of the sources Prefect 3 reads its settings from can name an API: the
    environment (or a PREFECT_PROFILE choosing one of its packaged profiles), `.env`, `prefect.toml` and
    `pyproject.toml`'s [tool.prefect] in the working folder, and the profiles file (PREFECT_PROFILES_PATH,
    PREFECT_HOME/profiles.toml or ~/.prefect/profiles.toml). Errs towards True: then Prefect is asked."""
    names = {k.upper() for k in os.environ}
    if names & {"PREFECT_API_URL", "PREFECT_PROFILE", "PREFECT_PROFILES_PATH"}:
        return True
    try:
        cwd = cwd or Path.cwd()
    except OSError:  # the working folder was removed: Prefect decides
        return True
    if _text(cwd / "prefect.toml") or "prefect" in _text(cwd / ".env").lower():
        return True
    pyproject = _text(cwd / "pyproject.toml")
    if "prefect" in pyproject:
        import tomllib  # here: few runs have a pyproject.toml that names Prefect

        try:
            if "prefect" in tomllib.loads(pyproject).get("tool", {}):
                return True
        except tomllib.TOMLDecodeError:
            return True
    try:
        home = os.environ.get("PREFECT_HOME") or prefect_home or Path.home() / ".prefect"
    except RuntimeError:  # no home folder to be found
        return True
    return "api_url" in _text(Path(home) / "profiles.toml").lower()


def _text(path: Path) -> str:
    """A settings file's text; "" when there is none. One that cannot be read (a folder, no permission)
    may say anything."""
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except (FileNotFoundError, NotADirectoryError):
        return ""
    except OSError:
        return "prefect api_url"


def add_config(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", metavar="FILE", help="YAML ruleset overriding the packaged defaults")


def load_ruleset_or_exit(config: str | None):
    from cleaners import ConfigError

    from ..run.rulecache import cached_load_ruleset

    try:
        return cached_load_ruleset(config)
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
    from ..terminal_text import printable

    for rel, problem in problems:
        print(f"boilerclean: {printable(rel)}: {printable(problem)}", file=sys.stderr)


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
