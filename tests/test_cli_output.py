"""What a person sees: the last lines of `run`, `clean --explain`, --diff, --version, hints, closed pipes."""

from __future__ import annotations

import fcntl
import io
import os
import pty
import re
import shutil
import subprocess
import sys

import pytest
from conftest import ROOT, SEEDS, cli_env, run_cli

SEED = "seeds/000_7c75f56354bcfa60.txt"


def normalise_times(text: str) -> str:
    """Elapsed seconds and rates vary from run to run: replace them, keep the rest of the line."""
    text = re.sub(r"\d+\.\d s", "T s", text)
    return re.sub(r"\d+\.\d [KM]B/s", "R B/s", text)


def test_run_final_lines_first_run_and_rerun(tmp_path):
    out = tmp_path / "out"
    first = run_cli("run", str(SEEDS), "--out", str(out), "--workers", "1")
    assert first.returncode == 0, first.stderr.decode()
    assert normalise_times(first.stdout.decode()) == (
        "cleaned 5 files, 0 unchanged, 0 failed in T s, R B/s\n"
        "34 removals (1612 characters) in the 5 files: image_caption 11, site_chrome 9, cookie_banner 5, "
        "related_links 4, 3 more\n"
        f"review: open {out}/index.html in a browser, or run: boilerclean review {out}\n"
    )
    # The log lines (timestamps, the in-process notice) are for -v; nothing else on stderr.
    assert first.stderr.decode() == ""
    again = run_cli("run", str(SEEDS), "--out", str(out), "--workers", "1")
    lines = normalise_times(again.stdout.decode()).splitlines()
    assert lines[0] == "nothing new or changed: 5 files unchanged (T s)"
    assert "cleaned" not in lines[0]
    verbose = run_cli("-v", "run", str(SEEDS), "--out", str(out), "--workers", "1")
    assert "running the flow in-process" in verbose.stderr.decode()
    assert re.search(r"^\d{4}-\d\d-\d\d .* INFO boilerclean: ", verbose.stderr.decode(), re.M)


def held_inputs(src, copies: int = 1):
    """Copies of a seed about DeepSeek, and a config whose greedy rule gets them held (test_quarantine.py)."""
    src.mkdir()
    for i in range(copies):
        shutil.copy(SEEDS / "002_9e3bfe6b2bbd3194.txt", src / f"held{i:03}.txt")
    config = src.parent / "greedy.yaml"
    config.write_text(
        "cleaners:\n  greedy:\n    new: true\n    rules:\n      - name: mentions deepseek\n"
        "        pattern: DeepSeek\n",
        encoding="utf-8",
    )
    return config


def test_run_final_lines_name_held_and_failed_files(tmp_path):
    src = tmp_path / "in"
    config = held_inputs(src)
    (src / "bad.txt").write_bytes(b"binary\x00bytes\n")
    (src / "good.txt").write_text("Advertisement\nThe council met.\n", encoding="utf-8")
    out = tmp_path / "out"
    res = run_cli("run", str(src), "--out", str(out), "--workers", "1", "--config", str(config))
    assert res.returncode == 1
    assert normalise_times(res.stdout.decode()) == (
        "cleaned 2 files, 0 unchanged, 1 failed in T s, R B/s\n"
        "7 removals (211 characters) in the 2 files: advertisement 3, image_caption 2, comments_widget 1, "
        "related_links 1\n"
        f"removals held for review (kept in the text) in 1 document; list them: boilerclean held {out}\n"
        f"failed files are listed above and in {out}/summary.json\n"
        f"review: open {out}/index.html in a browser, or run: boilerclean review {out}\n"
    )
    err = res.stderr.decode()
    assert "boilerclean: bad.txt: " in err  # a failed file is named at once; a held one at -v (one per file)
    assert "held000.txt" not in err


def test_clean_explain_snapshot():
    res = run_cli("clean", SEED, "--explain")
    assert res.returncode == 0, res.stderr.decode()
    assert res.stdout.decode() == (
        "line 1: removed by cookie_banner / consent sentence [risk certain]: By continuing to browse our "
        "site you agree to our use of cookies, rev...\n"
        "line 2: removed by site_chrome / language picker [risk likely]: CHOOSE YOUR LANGUAGE\\n\n"
        "line 3: removed by site_chrome / language picker [risk likely]: CHOOSE YOUR LANGUAGE\\n\n"
        "line 4: removed by license_line / news licence number [risk likely]: "
        "互联网新闻信息许可证10120180008\\n\n"
        "line 5: removed by site_chrome / report hotline [risk likely]: Disinformation report hotline: "
        "010-85061466\\n\n"
        "line 6: removed by image_caption / agency credit line [risk likely]: CFP\\n\n"
        "line 19: removed by image_caption / caption ending in slash credit [risk likely]: A humanoid robot "
        "takes selfies with a visitor at the seventh World Vo...\n"
        "7 removed, 0 held for review, 0 shadow matches; 6125 of 6545 characters kept\n"
    )


def test_clean_diff_is_the_runs_diff(tmp_path):
    res = run_cli("clean", SEED, "--diff")
    assert res.returncode == 0, res.stderr.decode()
    golden = (ROOT / "clean" / "000_7c75f56354bcfa60.diff").read_text(encoding="utf-8")
    # Same hunks as the committed run's diff; only the file names in the header differ.
    assert res.stdout.decode().split("\n", 2)[2] == golden.split("\n", 2)[2]
    assert res.stdout.decode().startswith(f"--- a/{SEED}\n+++ b/{SEED}\n")


def test_explain_and_diff_exclude_each_other():
    res = run_cli("clean", SEED, "--explain", "--diff")
    assert res.returncode == 2 and b"not allowed with" in res.stderr


def test_version():
    res = run_cli("--version")
    assert res.returncode == 0
    assert re.fullmatch(r"boilerclean \S+\n", res.stdout.decode())


def test_help_examples_never_write_into_the_golden_folder():
    for args in (["--help"], ["run", "--help"], ["clean", "--help"], ["serve", "--help"]):
        text = run_cli(*args).stdout.decode()
        assert not re.search(r"--out\s+clean\b", text), args


def test_clean_on_a_terminal_without_input_prints_a_hint():
    # stdin is a terminal (a pty): clean must not sit waiting for typed input.
    parent, child = pty.openpty()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "flows.cli", "clean"],
            stdin=child,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=ROOT,
            env=cli_env(),
        )
        out, err = proc.communicate(timeout=60)
    finally:
        os.close(child)
        os.close(parent)
    assert proc.returncode == 2
    assert out == b""
    assert b"no document given" in err and b"cat article.txt | boilerclean clean -" in err


@pytest.mark.parametrize("command", ["held", "review", "clean"])
@pytest.mark.slow
def test_closed_pipe_ends_quietly(tmp_path, command):
    # Enough output that the writer meets the closed pipe: many held files, or one long document.
    src, out = tmp_path / "in", tmp_path / "out"
    if command == "clean":
        big = tmp_path / "big.txt"
        lines = (f"Advertisement\nThe council met on day {i} for {i % 7 + 1} hours.\n" for i in range(5_000))
        big.write_text("".join(lines), encoding="utf-8")
        args = ["clean", str(big), "--explain"]  # a line per removal: many writes
    else:
        config = held_inputs(src, copies=100)
        assert run_cli("run", str(src), "--out", str(out), "--config", str(config)).returncode == 0
        args = [command, str(out)] + (["--held"] if command == "review" else [])
    # A small pipe (4 KB, Linux) so that the writer meets the closed end however much it writes.
    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, 4096)
    proc = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", *args],
        stdout=write_end,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env=cli_env(COLUMNS="80"),
    )
    os.close(write_end)
    assert os.read(read_end, 1)  # like `| head -c 1`: read a little, then go away
    os.close(read_end)
    err = proc.stderr.read().decode()
    proc.wait(60)
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
    # 141 as a tool ended by SIGPIPE (0 if every write got through first); rich's own handler said 1.
    assert proc.returncode in (0, 141)


def test_run_output_has_no_prefect_or_httpx_lines(tmp_path):
    home = tmp_path / "home"
    res = run_cli("run", str(SEEDS), "--out", str(tmp_path / "o"), env=cli_env(PREFECT_HOME=str(home)))
    both = (res.stdout + res.stderr).decode().replace(str(tmp_path), "TMP")  # the path names this test
    assert res.returncode == 0, both
    assert not re.search(r"prefect|httpx|HTTP Request|telemetry|anonymous", both, re.I), both
    # Prefect's first-run notice leaves this marker when it is shown; boilerclean never lets it.
    assert not (home / ".sdk_telemetry").exists()


def test_quiet_prefect_env_keeps_what_the_user_set():
    from flows.run.quiet import quiet_prefect_env

    assert quiet_prefect_env({}) == {"DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    assert quiet_prefect_env({"DO_NOT_TRACK": "0", "PREFECT_SERVER_ANALYTICS_ENABLED": "true"}) == {}


@pytest.mark.slow
def test_progress_bar_on_a_terminal_names_each_phase(tmp_path):
    parent, child = pty.openpty()
    out = str(tmp_path / "o")
    cmd = [sys.executable, "-m", "flows.cli", "run", str(SEEDS), "--out", out, "--workers", "2"]
    proc = subprocess.Popen(cmd, stdin=child, stdout=child, stderr=child, cwd=ROOT, env=cli_env())
    os.close(child)
    chunks = []
    while True:
        try:
            data = os.read(parent, 4096)
        except OSError:  # the terminal's other end closed: the run is over
            break
        if not data:
            break
        chunks.append(data)
    os.close(parent)
    assert proc.wait(120) == 0
    text = re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", b"".join(chunks).decode(errors="replace"))
    assert "Traceback" not in text
    assert all(phase in text for phase in ("reading", "cleaning", "writing", "index")), text[-2000:]
    assert "5/5" in text and "cleaned 5 files, 0 unchanged, 0 failed" in text


def test_rich_output_to_a_closed_pipe_is_a_broken_pipe():
    # rich's own Console exits with status 1 here; ours lets main() end the command as SIGPIPE would.
    from flows.console import Console

    class ClosedPipe(io.StringIO):
        def write(self, text):
            raise BrokenPipeError

    with pytest.raises(BrokenPipeError):
        Console(file=ClosedPipe()).print("a table row")
