"""`run` asks Prefect whether an API is configured only when a source Prefect reads may name one: the
quick check must never say "no" where Prefect says "yes", in any place Prefect takes its settings from."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import cli_env

URL = "http://127.0.0.1:4299/api"

# Each case: files (relative to the case's folder: cwd/ is the working folder, home/ is $HOME), extra
# environment, and whether Prefect itself names an API there.
CASES = {
    "nothing": ({}, {}, False),
    "pyproject without prefect settings": (
        {"cwd/pyproject.toml": '[project]\nname = "x"\ndependencies = ["prefect>=3"]\n'},
        {},
        False,
    ),
    "profile without an API": (
        {"home/.prefect/profiles.toml": 'active = "a"\n[profiles.a]\nPREFECT_LOGGING_LEVEL = "INFO"\n'},
        {},
        False,
    ),
    "profile in ~/.prefect": (
        {"home/.prefect/profiles.toml": f'active = "a"\n[profiles.a]\nPREFECT_API_URL = "{URL}"\n'},
        {},
        True,
    ),
    "profile in PREFECT_HOME": (
        {"ph/profiles.toml": f'active = "a"\n[profiles.a]\nPREFECT_API_URL = "{URL}"\n'},
        {"PREFECT_HOME": "ph"},
        True,
    ),
    "packaged profile chosen": ({}, {"PREFECT_PROFILE": "local"}, True),
    "prefect.toml": ({"cwd/prefect.toml": f'[api]\nurl = "{URL}"\n'}, {}, True),
    "pyproject [tool.prefect]": ({"cwd/pyproject.toml": f'[tool.prefect.api]\nurl = "{URL}"\n'}, {}, True),
    ".env": ({"cwd/.env": f"PREFECT_API_URL={URL}\n"}, {}, True),
}

ASK_BOTH = """
from flows.cli.common import prefect_may_have_api
quick = prefect_may_have_api()
from prefect.settings import get_current_settings
print(quick, bool(get_current_settings().api.url))
"""


@pytest.mark.slow
def test_the_quick_check_says_no_only_where_prefect_names_no_api(tmp_path):
    procs = {}
    for n, (name, (files, extra, _)) in enumerate(CASES.items()):
        case = tmp_path / str(n)
        for rel, text in {"cwd/.keep": "", "home/.keep": "", **files}.items():
            (case / rel).parent.mkdir(parents=True, exist_ok=True)
            (case / rel).write_text(text, encoding="utf-8")
        env = {k: v for k, v in cli_env().items() if not k.upper().startswith("PREFECT_")}
        env |= {k: str(case / v) if k == "PREFECT_HOME" else v for k, v in extra.items()}
        env["HOME"] = str(case / "home")
        cmd = [sys.executable, "-c", ASK_BOTH]
        procs[name] = subprocess.Popen(cmd, cwd=case / "cwd", env=env, stdout=subprocess.PIPE, text=True)
    for name, proc in procs.items():
        out, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0, name
        quick, prefect = out.split()
        assert prefect == str(CASES[name][2]), f"{name}: the case does not set up what it says"
        assert quick == prefect, f"{name}: quick check {quick}, Prefect {prefect}"


def test_an_unreadable_settings_file_sends_the_question_to_prefect(tmp_path, monkeypatch):
    from flows.cli.common import prefect_may_have_api

    for k in list(os.environ):
        if k.upper().startswith("PREFECT_"):
            monkeypatch.delenv(k)
    (tmp_path / "home" / ".prefect").mkdir(parents=True)
    assert not prefect_may_have_api(tmp_path, tmp_path / "home" / ".prefect")
    (tmp_path / "home" / ".prefect" / "profiles.toml").mkdir()  # a folder: reading it fails
    assert prefect_may_have_api(tmp_path, tmp_path / "home" / ".prefect")
