"""Shared fixtures: the repo root, and running the CLI as a subprocess against this checkout's code."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
CLEAN = ROOT / "clean"


def cli_env(**extra: str) -> dict[str, str]:
    """Environment for a CLI subprocess: this checkout first on the path, no Prefect API unless asked."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("PREFECT_API_URL", None)
    env.update(extra)
    return env


def run_cli(
    *args: str, input: bytes | None = None, env: dict | None = None, timeout: float = 300
) -> subprocess.CompletedProcess:
    """Run `boilerclean ARGS` (as python -m flows.cli: this checkout's code) and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "flows.cli", *args],
        input=input,
        capture_output=True,
        env=env or cli_env(),
        cwd=ROOT,
        timeout=timeout,
    )


@pytest.fixture
def cli():
    return run_cli


# The review pages' browser tests (test_browser.py, test_review_server.py): Debian's chromium via Playwright.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Screenshots are kept here when set (to look at them), in the test's tmp folder otherwise.
SHOT_DIR = os.environ.get("BOILERCLEAN_SCREENSHOTS")


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium (make browser)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    """A page that records dialogs, script errors and console errors (a CSP refusal shows as one)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.problems = []
    pg.on("dialog", lambda d: (pg.problems.append(f"dialog: {d.message}"), d.dismiss()))
    pg.on("pageerror", lambda e: pg.problems.append(f"error: {e}"))
    pg.on("console", lambda m: m.type == "error" and pg.problems.append(f"console: {m.text}"))
    yield pg
    context.close()


def report_of(out: str | os.PathLike, stem: str) -> dict:
    """An input's report, found by its outputs' stem: the line of its batch's records file
    (removals/<digest>.jsonl) that its record in summary.json names."""
    import json

    from flows.inputs.discover import InputFile
    from flows.outputs.records import ReportReader

    summary = json.loads((Path(out) / "summary.json").read_text(encoding="utf-8"))
    for rec in summary["file_records"]:
        if InputFile("", rec["input"]).stem == stem:
            report = ReportReader(out).report(rec["input"], rec.get("records"))
            assert report is not None, f"{stem}: no report in {rec.get('records')}"
            return report
    raise KeyError(f"{stem}: not in {out}/summary.json")


def records_files(out: str | os.PathLike) -> list[Path]:
    """The run's batch records files."""
    return sorted((Path(out) / "removals").glob("*.jsonl"))


def write_report(out: str | os.PathLike, stem: str, report: dict) -> None:
    """Replace an input's report in its batch's records file (tests that tamper with a run's outputs)."""
    import json

    from flows.inputs.discover import InputFile

    summary = json.loads((Path(out) / "summary.json").read_text(encoding="utf-8"))
    rel = next(r["input"] for r in summary["file_records"] if InputFile("", r["input"]).stem == stem)
    path = Path(out) / next(r["records"] for r in summary["file_records"] if r["input"] == rel)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines = [json.dumps(report) if json.loads(ln)["input"] == rel else ln for ln in lines]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def cached_defaults(monkeypatch):
    """For property tests that build a ruleset per example: the packaged YAML parsed once (33 ms a parse),
    so the examples test what is built from it, not the same parse 800 times. The specs are frozen, so
    sharing them across examples is safe (hence the suppressed function_scoped_fixture health check).
    Each pattern's gate words are remembered by cleaners.fastmatch itself.
    """
    from cleaners import config as config_module

    specs = config_module.default_specs()
    monkeypatch.setattr(config_module, "default_specs", lambda: list(specs))


# --- one Prefect server for the session (tests/test_serve.py, test_serve_stop.py) ----------------------


def serve_env(home: Path, **extra: str) -> dict[str, str]:
    env = cli_env(PREFECT_HOME=str(home), PREFECT_RUNNER_POLL_FREQUENCY="1", **extra)
    env.pop("PREFECT_PROFILES_PATH", None)
    return env


@pytest.fixture(scope="session")
def server_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("prefect-home")


@pytest.fixture(scope="session")
def prefect_server(server_home):
    """A real `prefect server start` on 127.0.0.1 (free port, its own PREFECT_HOME), shared by the tests
    that need *a* server (a start costs ~13 s); yields its API URL. Tests of a server's own start and
    stop start their own."""
    from flows.schedule.server import start_server, stop_server, wait_healthy

    proc, api_url = start_server(log_path=server_home / "server.log", env=serve_env(server_home))
    try:
        wait_healthy(api_url, proc)
        # Its database as it is once healthy (migrated, no deployment or run yet), for migrated_db.
        copy_migrated_db(server_home / "prefect.db", server_home / "migrated")
        yield api_url
    finally:
        stop_server(proc)


@pytest.fixture(scope="session")
def migrated_db(prefect_server, server_home) -> Path:
    """A migrated Prefect database (as after a user's first server start) to copy into a test's own
    PREFECT_HOME: it halves that test's server start. Nothing other tests did on the server is in it."""
    return server_home / "migrated" / "prefect.db"


def copy_migrated_db(migrated: Path, home: Path) -> None:
    """Give `home` a consistent copy of a migrated database (migrated_db)."""
    home.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(migrated) as src, sqlite3.connect(home / "prefect.db") as dst:
        src.backup(dst)
