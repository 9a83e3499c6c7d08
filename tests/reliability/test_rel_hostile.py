"""Hostile content is never interpreted: not as markup in reports, a path, a format string or a shell word."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from conftest import ROOT, records_files, report_of, run_cli
from relcorpus import BANNER

HOSTILE_LINES = [
    "<script>alert('x')</script><img src=x onerror=alert(1)>",
    "../../../../etc/passwd",
    "/etc/shadow",
    "%s %(x)s {0} {x.__class__} %n %%",
    "$(touch PWNED-dollar) `touch PWNED-backtick` ; rm -rf / && echo hi | cat",
    "\x1b[31mred terminal escape\x1b[0m",
    '", "injected": "json',
]
HOSTILE_NAMES = [
    "%2E%2E%2F%2E%2E%2Fetc%2Fpasswd.txt",
    "$(touch PWNED-name).txt",
    "`touch PWNED-name2`.txt",
    "%s %(x)s {0} bad.txt",
    "<b onmouseover=alert(1)>.txt",
    "-rf.txt",
    "--out.txt",
]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile content")
    src, out = base / "in", base / "out"
    src.mkdir()
    body = "\n".join(HOSTILE_LINES + [BANNER] + HOSTILE_LINES) + "\n"
    for name in HOSTILE_NAMES:
        (src / name).write_text(body)
    (src / "%s %(x)s {0} bad.txt").write_bytes(b"binary\x00 so this name goes through the error log\n")
    r = run_cli("-v", "run", str(src), "--out", str(out), "--pages")
    return base, src, out, body, r


def test_run_completes_and_names_pass_through_logging_verbatim(hostile):
    _, _, out, _, r = hostile
    err = r.stderr.decode()
    assert r.returncode == 1  # only the binary file fails
    assert "Traceback" not in err and "--- Logging error ---" not in err
    assert "%s %(x)s {0} bad.txt: binary file (NUL byte at offset 6)" in err


def test_outputs_land_only_under_their_own_names(hostile):
    base, src, out, _, _ = hostile
    expected = {"summary.json", "index.html", "index-data.js"}  # the run and its review index
    # The incremental run's bookkeeping, under fixed names in its hidden folder.
    expected |= {".boilerclean/manifest.sqlite", ".boilerclean/history.jsonl", ".boilerclean/lock"}
    for name in HOSTILE_NAMES:
        stem = name[:-4]
        expected |= {f"{stem}.html"} | ({f"{stem}.raw"} if "bad" in name else {f"{stem}.txt", f"{stem}.diff"})
    (records,) = records_files(out)  # the reports of the batch, under a name of digits and letters
    expected.add(records.relative_to(out).as_posix())
    assert {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()} == expected
    # Nothing written beside or above the output folder, nothing executed.
    assert sorted(p.name for p in base.iterdir()) == ["in", "out"]
    assert (
        not list(ROOT.glob("PWNED*"))
        and not list(base.rglob("PWNED*"))
        and not list(Path.cwd().glob("PWNED*"))
    )


def test_text_is_kept_verbatim_in_cleaned_text_reports_and_diffs(hostile):
    _, _, out, body, _ = hostile
    stem = HOSTILE_NAMES[0][:-4]
    cleaned = (out / f"{stem}.txt").read_text()
    assert cleaned == body.replace(BANNER + "\n", "")
    report = report_of(out, f"{stem}")
    assert report["input"] == HOSTILE_NAMES[0]
    # JSON escapes what it must and nothing else: the removed text and the name read back unchanged.
    assert [r["text"] for r in report["removals"]] == [BANNER + "\n"]
    assert set(report) >= {"input", "removals", "sha256"} and "injected" not in report
    diff = (out / f"{stem}.diff").read_text()
    body_lines = body.splitlines()
    for line in diff.splitlines()[3:]:  # after the two headers and the hunk line: body lines, verbatim
        assert line[0] in " -" and line[1:] in body_lines, line
    assert f" {HOSTILE_LINES[-1]}\n" in diff and f" {HOSTILE_LINES[0]}\n" in diff
    assert f"-{BANNER}\n" in diff


def test_diff_headers_quote_names_with_line_breaks(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "two\nlines.txt").write_text(f"{BANNER}\nkept\n")
    assert run_cli("run", str(tmp_path / "in"), "--out", str(tmp_path / "out")).returncode == 0
    diff = (tmp_path / "out" / "two\nlines.diff").read_text()
    # One header line each, quoted as git does, so patch and review tools are not fooled by the name.
    assert diff.splitlines()[:2] == ['--- "a/two\\nlines.txt"', '+++ "b/two\\nlines.txt"']


def test_no_shell_and_no_eval_anywhere():
    # Document text and file names reach subprocesses or interpreters nowhere in the package.
    for path in sorted((ROOT / "cleaners").rglob("*.py")) + sorted((ROOT / "flows").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                assert name not in {"system", "popen", "eval", "exec", "execv", "execvp", "spawnl"}, (
                    path,
                    node.lineno,
                )
                assert not any(k.arg == "shell" for k in node.keywords), (path, node.lineno)


TAGS_FROM_DOCUMENTS = ["<script>alert", "<img src=x", "<b onmouseover", "</script><img"]


def test_review_pages_show_document_text_and_names_as_text(hostile):
    _, _, out, _, _ = hostile
    pages = sorted(out.glob("*.html"))
    assert len(pages) == len(HOSTILE_NAMES) + 1  # one per input and the index
    for page in pages:
        markup = page.read_text()
        for tag in TAGS_FROM_DOCUMENTS:
            assert tag not in markup, (page.name, tag)
    page = (out / f"{HOSTILE_NAMES[0][:-4]}.html").read_text()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "%s %(x)s {0} {x.__class__} %n %%" in page  # not formatted either
    index_js = (out / "index-data.js").read_text()
    assert index_js.startswith("window.BOILERCLEAN_INDEX = {") and "<" not in index_js
    data = json.loads(index_js[len("window.BOILERCLEAN_INDEX = ") : -2])
    assert "<b onmouseover=alert(1)>.txt" in json.dumps(data, ensure_ascii=False)
