"""`boilerclean review DIR --serve` in a real headless Chromium, against the real server (one per module).

The run: the seeds in two folders (two sources), a hostile file, a file with a very long name and a
long unbroken removed line, and a user rule whose article-like match the quarantine holds.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest
from conftest import ROOT, SEEDS, SHOT_DIR, cli_env, records_files, report_of
from reviewruns import HOSTILE_CONFIG, HOSTILE_KEPT, HOSTILE_NAME, HOSTILE_REMOVED, HOSTILE_TEXT

from cleaners import load_ruleset
from flows.review.decisions import DECISIONS, confidence_supported, exact_line_pattern
from flows.run.prefect_flow import clean_flow

pytestmark = pytest.mark.browser

LONG_NAME = "a-very-long-file-name-" + "without-any-break-" * 7 + ".txt"
LONG_LINE = "LONGTOKEN" + "x" * 380  # one unbroken word, removed by the config's "long token" rule
HELD_LINE = "Sponsored: " + "The council met on Monday to discuss the budget for the coming year. " * 5
CONFIG = (
    HOSTILE_CONFIG
    + "      - name: sponsored paragraph\n        pattern: '^Sponsored: '\n        max_chars: 2000\n"
    + "      - name: long token\n        pattern: '^LONGTOKEN'\n        max_chars: 2000\n"
)
KEPT_LINE = "CHOOSE YOUR LANGUAGE"  # removed by site_chrome in the seeds; the test rejects it


def _inputs(root: Path) -> Path:
    src = root / "in"
    for i, seed in enumerate(sorted(SEEDS.glob("*.txt"))):
        d = src / ("news" if i % 2 else "blogs")
        d.mkdir(parents=True, exist_ok=True)
        shutil.copy(seed, d / seed.name)
    (src / HOSTILE_NAME).write_text(HOSTILE_TEXT, encoding="utf-8")
    (src / LONG_NAME).write_text(f"An article line.\n{LONG_LINE}\nAnother article line.\n", encoding="utf-8")
    (src / "news" / "held.txt").write_text(f"Budget news\n\n{HELD_LINE}\n\nThe end.\n", encoding="utf-8")
    return src


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """(inputs, output folder, config file) of the module's run."""
    root = tmp_path_factory.mktemp("srv")
    src = _inputs(root)
    config = root / "review.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    out = root / "out"
    clean_flow.fn(paths=[str(src)], out=str(out), config=str(config))
    return src, out, config


@pytest.fixture(scope="module")
def server(run):
    """The URL of `boilerclean review OUT --serve --config FILE`, stopped with SIGTERM at the end."""
    _, out, config = run
    proc = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "review", str(out), "--serve", "--config", str(config)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env(), cwd=ROOT,
    )  # fmt: skip
    line = proc.stdout.readline()
    assert line.startswith("boilerclean review: http://127.0.0.1:"), line + proc.stderr.read()
    yield line.split()[2]
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0 and "Traceback" not in err, err


def _open(pg, url: str) -> None:
    pg.set_viewport_size({"width": 1400, "height": 900})  # the width the layout must fit
    pg.goto(url)
    pg.wait_for_selector("body[data-ready='1']", timeout=10_000)


def _shot(pg, name: str) -> None:
    if SHOT_DIR:
        pg.screenshot(path=str(Path(SHOT_DIR) / name), full_page=False)


def _file_index(out: Path, name: str) -> int:
    records = json.loads((out / "summary.json").read_text(encoding="utf-8"))["file_records"]
    return [r["input"] for r in records].index(name)


def _http(url: str, method: str = "GET", headers: dict | None = None, body: bytes | None = None) -> int:
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_binds_loopback_only_and_checks_the_host(server):
    port = int(server.rsplit(":", 1)[1].strip("/"))
    listening = [
        line.split()[1]
        for name in ("/proc/net/tcp", "/proc/net/tcp6")
        if os.path.exists(name)
        for line in Path(name).read_text().splitlines()[1:]
        if line.split()[3] == "0A" and int(line.split()[1].split(":")[1], 16) == port
    ]
    assert listening == [f"0100007F:{port:04X}"]  # 127.0.0.1 only, no IPv6, no 0.0.0.0
    assert _http(server) == 200
    assert _http(server, headers={"Host": f"evil.example:{port}"}) == 403  # DNS rebinding


def test_refuses_paths_outside_dir(server, run):
    _, out, _ = run
    (out / "escape").symlink_to("/etc/hostname")
    report = records_files(out)[0].relative_to(out).as_posix()
    assert _http(server + "out/" + quote(report)) == 200
    for path in ("out/../summary.json", "out/%2e%2e/%2e%2e/etc/passwd", "out/..%2f..%2fetc%2fpasswd",
                 "out/escape", "out//etc/passwd"):  # fmt: skip
        assert _http(server + path) in (403, 404), path


def test_no_horizontal_overflow_at_1400px(page, server, run):
    _, out, _ = run
    views = ["", "lines", "files", "removals", "config", f"file?i={_file_index(out, LONG_NAME)}"]
    for view in views:
        _open(page, server + view)
        assert page.evaluate("document.documentElement.scrollWidth") <= 1400, view
    assert LONG_LINE in page.text_content("#marked")
    assert LONG_LINE in page.eval_on_selector_all(
        "#removal-list td.text", "tds => tds.map(t => t.textContent)"
    )
    _shot(page, "server-long-name.png")
    page.goto((out / "index.html").as_uri())
    page.wait_for_selector("body[data-ready='1']")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1400
    assert page.problems == []


def _chip_colour(pg, cleaner: str) -> str:
    return pg.eval_on_selector(f".chip.k-{cleaner}", "e => getComputedStyle(e).backgroundColor")


def test_colours_stable_across_two_runs(page, server, run, tmp_path):
    src, out, _ = run
    config = tmp_path / "fewer.yaml"  # other cleaners: image_caption's place in the list changes
    config.write_text("cleaners:\n  advertisement: {enabled: false}\n  cookie_banner: {enabled: false}\n")
    out2 = tmp_path / "out2"
    clean_flow.fn(paths=[str(src)], out=str(out2), config=str(config))
    colours = []
    for index in (out / "index.html", out2 / "index.html"):
        page.goto(index.as_uri())
        page.wait_for_selector("body[data-ready='1']")
        cleaners = page.eval_on_selector_all(
            "#by-cleaner-body tr", "rows => rows.map(r => r.dataset.cleaner)"
        )
        colours.append((cleaners, _chip_colour(page, "image_caption"), _chip_colour(page, "site_chrome")))
    _open(page, server)
    served = (_chip_colour(page, "image_caption"), _chip_colour(page, "site_chrome"))
    assert colours[0][0].index("image_caption") != colours[1][0].index("image_caption")
    assert colours[0][1:] == colours[1][1:] == served
    assert served[0] != served[1]


def test_filters_apply_to_every_table(page, server, run):
    _, out, _ = run
    rep = reports_of(out)
    _open(page, server + "?cleaner=image_caption&source=news")
    assert page.eval_on_selector_all("#by-cleaner tbody tr", "rs => rs.map(r => r.dataset.cleaner)") == [
        "image_caption"
    ]
    rules = page.eval_on_selector_all("#by-rule tbody tr", "rs => rs.map(r => r.dataset.cleaner)")
    assert rules and set(rules) == {"image_caption"}
    expected = sorted(k for k, v in rep.items() if k.startswith("news/") and
                      any(d["cleaner"] == "image_caption" for d in v["removals"]))  # fmt: skip
    _open(page, server + "files?cleaner=image_caption&source=news")
    assert (
        sorted(page.eval_on_selector_all("#files tbody tr", "rs => rs.map(r => r.dataset.input)")) == expected
    )
    _open(page, server + "lines?cleaner=image_caption&source=news")
    chips = page.eval_on_selector_all("#lines tbody tr .chip", "cs => cs.map(c => c.textContent)")
    assert chips and all(c.startswith("image_caption/") for c in chips)
    _open(page, server + "removals?held=yes")
    held = page.eval_on_selector_all("#removals tbody tr", "rs => rs.map(r => r.dataset.input)")
    assert held == ["news/held.txt"]
    page.goto((out / "index.html").as_uri())  # the static index: the same filters on every table
    page.wait_for_selector("body[data-ready='1']")
    page.select_option("#cleaner-filter", "image_caption")
    page.select_option("#source-filter", "news")
    assert page.eval_on_selector_all("#by-cleaner-body tr", "rs => rs.map(r => r.dataset.cleaner)") == [
        "image_caption"
    ]
    assert {
        r.split("/")[0]
        for r in page.eval_on_selector_all("#by-rule-body tr", "rs => rs.map(r => r.dataset.rule)")
    } == {"image_caption"}
    assert (
        sorted(page.eval_on_selector_all("#files-body tr", "rs => rs.map(r => r.dataset.input)")) == expected
    )
    line_chips = page.eval_on_selector_all(
        "#lines-body tr td:nth-child(2) .chip[class*='k-']", "cs => cs.map(c => c.textContent)"
    )
    assert line_chips and set(line_chips) == {"image_caption"}
    assert page.problems == []


def reports_of(out: Path) -> dict[str, dict]:
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    return {r["input"]: report_of(out, r["input"][:-4])
            for r in summary["file_records"] if not r.get("error")}  # fmt: skip


def _decisions(out: Path) -> dict:
    return json.loads((out / DECISIONS).read_text(encoding="utf-8"))["decisions"]


def test_keyboard_navigation_and_decisions(page, server, run):
    _, out, config = run
    before = _sha(config)
    rep = reports_of(out)
    names = list(rep)
    i = next(n for n, k in enumerate(names[:-1]) if k.startswith("blogs/") and len(rep[k]["removals"]) >= 3)
    i = _file_index(out, names[i])
    _open(page, server + f"file?i={i}")
    name = page.text_content("h1")
    page.keyboard.press("j")
    assert page.evaluate("document.body.dataset.current") == "0"
    assert "current" in page.get_attribute("#r0", "class")
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    assert page.evaluate("document.body.dataset.current") == "1"
    assert "current" in page.get_attribute("#r1", "class") and "current" not in page.get_attribute(
        "#r0", "class"
    )
    page.keyboard.press("a")
    page.wait_for_selector("#removal-list tr.verdict-approve")
    assert _decisions(out)[f"removal:{name}#1"]["verdict"] == "approve"
    page.keyboard.press("j")
    page.keyboard.press("r")
    page.wait_for_selector("#removal-list tr.verdict-reject")
    _shot(page, "server-file.png")
    assert _decisions(out)[f"removal:{name}#2"]["verdict"] == "reject"
    page.keyboard.press("n")
    page.wait_for_url(lambda u: u.endswith(f"file?i={i + 1}"))
    page.keyboard.press("p")
    page.wait_for_url(lambda u: u.endswith(f"file?i={i}"))
    _open(page, server + f"file?i={i}")  # decisions survive a reload (stored beside the run)
    verdicts = page.eval_on_selector_all("#removal-list tbody tr", "rs => rs.map(r => r.dataset.verdict)")
    assert verdicts[1:3] == ["approve", "reject"]
    assert _sha(config) == before  # no click on "write": the config is untouched
    assert page.problems == []


def test_reject_a_line_write_the_config_rerun_keeps_it(page, server, run, tmp_path):
    src, out, config = run
    before = config.read_text(encoding="utf-8")
    _open(page, server + "lines")
    row = page.locator("#lines tbody tr", has_text=KEPT_LINE).first
    row.locator("button[data-verdict='reject']").click()
    page.wait_for_selector("#lines tbody tr.verdict-reject")
    _open(page, server + "config")
    added = [ln for ln in page.text_content("#diff").splitlines() if ln.startswith("+")]
    assert any(ln.strip("+ -'") == exact_line_pattern(KEPT_LINE) for ln in added)
    _shot(page, "server-config.png")
    assert config.read_text(encoding="utf-8") == before  # shown, not written
    page.click("#write-config")
    page.wait_for_selector("#status:has-text('wrote')")
    backups = list(config.parent.glob(config.name + ".*.bak"))
    assert len(backups) == 1 and backups[0].read_text(encoding="utf-8") == before
    load_ruleset(config)
    out2 = tmp_path / "rerun"
    clean_flow.fn(paths=[str(src)], out=str(out2), config=str(config))
    kept = [k for k, v in reports_of(out).items() if any(KEPT_LINE in d["text"] for d in v["removals"])]
    assert kept
    for name in kept:
        assert KEPT_LINE in (out2 / name).read_text(encoding="utf-8")
        assert KEPT_LINE not in (out / name).read_text(encoding="utf-8")
    assert not any(KEPT_LINE in d["text"] for v in reports_of(out2).values() for d in v["removals"])
    assert page.problems == []


def test_approve_a_rule_its_removals_are_no_longer_held(page, server, run, tmp_path):
    _open(page, server)
    assert page.eval_on_selector_all(
        "#held tbody tr td:first-child", "tds => tds.map(t => t.textContent)"
    ) == ["news/held.txt"]
    row = page.locator("#by-rule tbody tr[data-rule='sponsored paragraph']")
    row.locator("button[data-verdict='approve']").click()
    page.wait_for_selector("#by-rule tbody tr.verdict-approve")
    _shot(page, "server-run.png")
    _open(page, server)
    assert page.eval_on_selector_all("#held tbody tr", "rs => rs.length") == 0
    _open(page, server + "config")
    notes = page.text_content("#notes") if page.query_selector("#notes") else ""
    if not confidence_supported():  # per-rule risk (issue 12) not merged: the promotion is said, not written
        assert "sponsored paragraph would set confidence: certain" in notes
        return
    assert "confidence: certain" in page.text_content("#diff")
    page.click("#write-config")
    page.wait_for_selector("#status:has-text('wrote')")
    src, _, config = run
    out3 = tmp_path / "approved"
    summary = clean_flow.fn(paths=[str(src)], out=str(out3), config=str(config))
    assert summary["held"] == []  # a rule declared certain is never held
    sponsored = [
        d for d in reports_of(out3)["news/held.txt"]["removals"] if d["rule"] == "sponsored paragraph"
    ]
    assert [(d["risk"], d.get("held")) for d in sponsored] == [("certain", None)]
    assert HELD_LINE not in (out3 / "news/held.txt").read_text(encoding="utf-8")
    assert page.problems == []


def test_hostile_names_and_texts_inject_nothing(page, server, run):
    _, out, _ = run
    i = _file_index(out, HOSTILE_NAME)
    for view in ("", "lines", "files", "removals", "config", f"file?i={i}"):
        _open(page, server + view)
        page.wait_for_timeout(100)
        assert page.evaluate("typeof window.__pwned") == "undefined", view
        assert page.evaluate("document.querySelectorAll('img, iframe, b, object, embed').length") == 0, view
        assert page.evaluate("document.scripts.length") == 1, view
    assert page.text_content("h1") == HOSTILE_NAME
    marked = page.text_content("#marked")
    assert all(line in marked for line in HOSTILE_KEPT + [HOSTILE_REMOVED])
    _open(page, server + "lines")
    assert HOSTILE_REMOVED.strip() in page.eval_on_selector_all(
        "#lines td.text", "tds => tds.map(t => t.textContent)"
    )
    assert page.problems == []


def test_posts_need_the_header_and_never_write_by_themselves(server, run):
    _, out, config = run
    before = _sha(config)
    body = json.dumps({"kind": "line", "text": KEPT_LINE, "verdict": "reject"}).encode()
    json_type = {"Content-Type": "application/json"}
    assert (
        _http(server + "api/decide", "POST", json_type, body) == 403
    )  # a cross-site form cannot add the header
    assert _http(server + "api/write-config", "POST", json_type, b"{}") == 403
    hdr = {**json_type, "X-Boilerclean": "1"}
    unknown = json.dumps({"kind": "rule", "cleaner": "x", "rule": "y", "verdict": "reject"}).encode()
    assert _http(server + "api/decide", "POST", hdr, unknown) == 409  # only what the run holds can be decided
    stale = json.dumps({"shown": "0" * 64}).encode()
    assert (
        _http(server + "api/write-config", "POST", hdr, stale) == 409
    )  # not the config the diff was made from
    assert _sha(config) == before
