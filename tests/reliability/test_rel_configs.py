"""Broken configs fail first (exit 2, naming file, key path and pattern); runaway regexes time out."""

from __future__ import annotations

import json

import pytest
import regex
from conftest import report_of, run_cli
from relcorpus import BANNER

from cleaners import clean_text, ruleset_from_mapping
from cleaners.text import Document, search
from flows.cli import main as cli_main

BAD_CONFIGS = [
    # (yaml text, substrings the message must contain)
    ("cleaners: [unclosed\n", ["invalid YAML", "line 1"]),
    ("cleanrs: {}\n", ["cleanrs: unknown key (did you mean 'cleaners'?)"]),
    (
        "cleaners:\n  cookie_banner:\n    rules:\n      - name: x\n        patern: foo\n",
        ["cleaners.cookie_banner.rules[0].patern: unknown key (did you mean 'pattern'?)"],
    ),
    (
        "cleaners:\n  cookie_baner:\n    enabled: false\n",
        ["cleaners.cookie_baner: unknown cleaner (did you mean 'cookie_banner'?)"],
    ),
    (
        "cleaners:\n  advertisement:\n    max_chars: ten\n",
        ["cleaners.advertisement.max_chars: expected a positive integer, got str 'ten'"],
    ),
    (
        "cleaners:\n  advertisement:\n    enabled: 'no'\n",
        ["cleaners.advertisement.enabled: expected true or false"],
    ),
    (
        "cleaners:\n  advertisement:\n    rules: {name: x}\n",
        ["cleaners.advertisement.rules: expected a list of rules"],
    ),
    (
        "cleaners:\n  mine:\n    new: true\n    rules:\n      - name: broken\n        pattern: 'Photo: "
        "([A-Z]'\n",
        ["cleaners.mine.rules[0].pattern: pattern 'Photo: ([A-Z]' does not compile"],
    ),
    (
        "cleaners:\n  mine:\n    new: true\n    rules:\n      - name: everything\n        pattern: "
        "'(?:Photo)?\\s*'\n",
        ["cleaners.mine.rules[0].pattern", "matches the empty string"],
    ),
    ("keep: ['x', '^']\n", ["keep[1]: pattern '^' matches the empty string"]),
    ("regex_timeout: fast\n", ["regex_timeout: expected a number of seconds"]),
    ("regex_timeout: -1\n", ["regex_timeout: expected a number of seconds between 0 and 3600, got -1"]),
    ("regex_timeout: .nan\n", ["regex_timeout: expected a number of seconds between 0 and 3600"]),
    ("regex_timeout: true\n", ["regex_timeout: expected a number of seconds"]),
    ("- just\n- a list\n", ["expected a mapping at the top level"]),
    ("version: 2\n", ["version: unsupported config version 2"]),
]


@pytest.mark.parametrize("text,needles", BAD_CONFIGS, ids=[n[0] for _, n in BAD_CONFIGS])
def test_bad_config_exits_2_naming_file_and_key(tmp_path, capsys, text, needles):
    cfg = tmp_path / "rules.yaml"
    cfg.write_text(text)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("text\n")
    code = cli_main(
        ["run", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--config", str(cfg), "--no-prefect"]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert f"config error: {cfg}: " in err
    for needle in needles:
        assert needle in err, err
    assert not (tmp_path / "out").exists()  # failed before any file was touched


def test_bad_config_through_a_real_process(tmp_path):
    cfg = tmp_path / "rules.yaml"
    cfg.write_text(BAD_CONFIGS[7][0])
    r = run_cli("clean", "-", "--config", str(cfg), input=b"text\n")
    assert r.returncode == 2
    assert BAD_CONFIGS[7][1][0] in r.stderr.decode()
    assert r.stdout == b""


# (a|aa)+c tries every way to split a run of a's before failing: exponential in the run's length.
RUNAWAY = {
    "regex_timeout": 0.05,
    "cleaners": {
        "runaway": {
            "new": True,
            "rules": [
                {"name": "catastrophic", "pattern": "^(a|aa)+c$"},
                {"name": "fine", "pattern": "^REMOVE ME$"},
            ],
        }
    },
}


def test_runaway_rule_times_out_and_other_rules_still_apply():
    ruleset = ruleset_from_mapping(RUNAWAY, "runaway.yaml")
    # The runaway line holds the rule's literal "c" (a line without it is never searched: it cannot match).
    text = "\n".join(["a" * 64 + "bc", BANNER, "REMOVE ME", "a" * 70 + "bc", "an article line", "aac"]) + "\n"
    result = clean_text(text, ruleset)
    assert result.timed_out == ("runaway/catastrophic",)
    removed = {r.rule for r in result.acting}
    # The banner (another cleaner) and the runaway cleaner's other rule still act; the timed-out rule adds
    # nothing.
    assert "fine" in removed and "catastrophic" not in removed
    assert BANNER not in result.cleaned and "an article line" in result.cleaned
    # Given up for the rest of the document: even the short line it would have matched is kept.
    assert "aac" in result.cleaned


def test_runaway_rule_is_reported_in_report_and_summary(tmp_path):
    cfg = tmp_path / "rules.yaml"
    cfg.write_text(json.dumps(RUNAWAY))  # JSON is YAML
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "slow.txt").write_text("a" * 64 + "bc\n" + BANNER + "\nkept\n")
    (tmp_path / "in" / "fine.txt").write_text(BANNER + "\nkept\n")
    r = run_cli("run", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--config", str(cfg))
    assert r.returncode == 0, r.stderr.decode()  # a timeout is reported, not a failed file
    out = tmp_path / "out"
    report = report_of(out, "slow")
    assert report["timed_out"] == ["runaway/catastrophic"]
    assert (out / "slow.txt").read_text() == "a" * 64 + "bc\nkept\n"
    assert "timed_out" not in report_of(out, "fine")
    summary = json.loads((out / "summary.json").read_text())
    assert summary["timeouts"] == [{"input": "slow.txt", "rules": ["runaway/catastrophic"]}]
    assert "slow.txt: rules timed out" in r.stderr.decode()


class _CountingTimeout:
    """A pattern that always runs out of time, counting how often it is tried."""

    pattern = "fake"

    def __init__(self):
        self.calls = 0

    def search(self, s, timeout=None):
        self.calls += 1
        assert timeout == 0.5
        raise TimeoutError("regex timed out")


def test_timed_out_rule_is_tried_once_per_document():
    doc = Document("x\n" * 100)
    doc.regex_timeout = 0.5
    pat = _CountingTimeout()
    assert all(search(doc, "c/r", pat, "x") is None for _ in range(100))
    assert pat.calls == 1 and list(doc.timed_out) == ["c/r"]
    assert Document("x").timed_out == {}  # a new document gets a fresh budget


def test_no_limit_means_no_timeout_argument():
    doc = Document("x")
    assert doc.regex_timeout is None
    assert search(doc, "c/r", regex.compile("x"), "x")
    assert ruleset_from_mapping({"regex_timeout": None}).regex_timeout is None


def test_timed_out_keep_pattern_keeps_the_line():
    # Any line without a digit sends this keep pattern through every split of the line.
    ruleset = ruleset_from_mapping({"regex_timeout": 0.05, "keep": ["^(?:.|..)+\\d$"]}, "keep.yaml")
    text = "an article line\n" + BANNER + "\n"
    result = clean_text(text, ruleset)
    # The keep pattern could not be evaluated on the banner line: when in doubt, remove nothing.
    assert result.timed_out == ("keep/^(?:.|..)+\\d$",)
    assert result.cleaned == text
