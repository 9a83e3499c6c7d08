"""Shared fixtures: the repo root, and running the CLI as a subprocess against this checkout's code."""

from __future__ import annotations

import os
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
