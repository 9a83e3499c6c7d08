"""Nothing lost: for any text and ruleset removals rebuild the original; `restore` rebuilds a whole run."""

from __future__ import annotations

import json
import random
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
import regex
from conftest import SEEDS, report_of, run_cli, write_report
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from relcorpus import BANNER, decodable_cases, undecodable_cases

from cleaners import ConfigError, clean_text, load_ruleset, ruleset_from_mapping
from cleaners import config as config_module
from cleaners.core import Removal, apply_removals, check_removals, restore
from flows.outputs.records import removal_records

# Bounded so the suite stays fast on a busy 2-core machine, generous so a slow example is not a failure.
PROPERTY = settings(
    max_examples=2000,
    deadline=timedelta(seconds=2),
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
    ],
)

DEFAULTS = load_ruleset()
# Built once: all_shadow() builds a whole ruleset (every cleaner's gates), ~50 ms, the same each time.
DRY_RUN = DEFAULTS.all_shadow()
DEFAULT_SPECS = config_module.default_specs()

# Real lines (article and boilerplate) from the seeds, so the rules have something to match.
SEED_LINES = sorted(
    {ln.strip() for p in sorted(SEEDS.glob("*.txt")) for ln in p.read_text().splitlines() if ln.strip()}
)
WORDS = ["cookies", "Photo", "AP", "Advertisement", "the", "©", "Reuters", "agree", "a", "ICP", "/", "新闻"]
EOLS = ["\n", "\r\n", "\r", "", "\n\n", "\r\n\r\n"]

# Characters the line splitter and the rules care about (every line ending, look-alike breaks, BOM,
# non-BMP), drawn cheaply; fully arbitrary characters come in through st.characters().
ALPHABET = list(
    "\n\r \t\x0b\x0c\x1c\x85\u2028\u2029\u00a0\ufeff/:.()[]©abcxyzABCXYZ019 -'\"é中文新闻Ω\U0001f600"
)
# Whole lines with their endings, precomputed: generating them per example costs 3x more.
LINE_POOL = [ln + e for ln in SEED_LINES + WORDS + [BANNER, "", "   "] for e in EOLS]
cheap_text = st.text(st.sampled_from(ALPHABET), max_size=300)
any_text = st.one_of(
    st.lists(st.sampled_from(LINE_POOL), max_size=20).map("".join),
    st.lists(
        st.one_of(st.sampled_from(LINE_POOL), st.text(st.sampled_from(ALPHABET), max_size=30)), max_size=20
    ).map("".join),
    cheap_text,
    st.text(max_size=200),
)


def random_pattern(rng: random.Random) -> str:
    """A pattern from a small regex grammar: words, classes, alternations, quantifiers, anchors, (?i)."""
    atoms = []
    for _ in range(rng.randint(1, 4)):
        kind = rng.choice(["word", "class", "alt"])
        if kind == "word":
            atom = regex.escape(rng.choice(WORDS))
        elif kind == "class":
            atom = rng.choice([r"\d", r"\s", r"\w", ".", "[a-z]", r"\p{Lu}", "[^.]", r"\r", r"\n"])
        else:
            atom = f"(?:{regex.escape(rng.choice(WORDS))}|{regex.escape(rng.choice(WORDS))})"
        atoms.append(atom + rng.choice(["", "", "+", "*", "?", "{1,3}"]))
    return rng.choice(["", "(?i)"]) + rng.choice(["", "^"]) + "".join(atoms) + rng.choice(["", "$"])


# Drawn from a pool built once: generating each pattern inside hypothesis cost 10 ms per ruleset.
# It keeps the ones that match the empty string: the loader must refuse those.
PATTERN_POOL = [random_pattern(random.Random(i)) for i in range(600)]
MODES = ["remove", "remove", "shadow"]


@st.composite
def user_configs(draw) -> dict:
    """A random user config: new pattern cleaners (near rules, modes), changed defaults, keep patterns."""
    cleaners: dict = {}
    for c in range(draw(st.integers(0, 3))):
        rules = []
        for i in range(draw(st.integers(1, 4))):
            pattern, mode, near, window, max_chars = draw(
                st.tuples(
                    st.sampled_from(PATTERN_POOL),
                    st.sampled_from(MODES),
                    st.integers(-1, i - 1),
                    st.integers(1, 3),
                    st.integers(1, 400),
                )
            )
            rule = {"name": f"r{i}", "pattern": pattern, "mode": mode, "max_chars": max_chars}
            if near >= 0:
                rule.update(near=[f"r{near}"], window=window)
            rules.append(rule)
        cleaners[f"gen{c}"] = {"new": True, "rules": rules, "mode": draw(st.sampled_from(MODES))}
    changed = draw(
        st.lists(st.tuples(st.sampled_from(DEFAULT_SPECS), st.booleans(), st.sampled_from(MODES)), max_size=2)
    )
    for spec, enabled, mode in changed:
        cleaners[spec.name] = {"enabled": enabled, "mode": mode}
    return {"cleaners": cleaners, "keep": draw(st.lists(st.sampled_from(PATTERN_POOL), max_size=2))}


def assert_exact(text: str, result) -> None:
    """The removals are exact spans of the original and together with the cleaned text rebuild it."""
    check_removals(text, result.removals)
    for r in result.removals:
        assert 0 <= r.start <= r.end <= len(text) and text[r.start : r.end] == r.text
    assert apply_removals(text, result.removals) == result.cleaned
    assert restore(result.cleaned, result.removals) == text
    # And through the report records, as `boilerclean restore` reads them back.
    records = json.loads(json.dumps(removal_records(text, result.removals)))
    assert restore(result.cleaned, [Removal.from_dict(d) for d in records]) == text


@PROPERTY
@given(any_text)
@pytest.mark.slow
def test_default_ruleset_loses_nothing(text):
    assert_exact(text, clean_text(text, DEFAULTS))


@settings(PROPERTY, max_examples=500)
@given(any_text)
@pytest.mark.slow
def test_dry_run_changes_nothing(text):
    result = clean_text(text, DRY_RUN)
    assert result.cleaned == text and not result.acting
    assert_exact(text, result)


@settings(PROPERTY, max_examples=800)
@given(any_text, user_configs())
@pytest.mark.slow
def test_random_rulesets_lose_nothing(cached_defaults, text, config):
    try:
        ruleset = ruleset_from_mapping(config, "random.yaml")
    except ConfigError as exc:
        # Only the documented refusal: a generated pattern that matches the empty string.
        assert "matches the empty string" in str(exc), exc
        return
    result = clean_text(text, ruleset)
    assert_exact(text, result)
    names = {(s.name, r.name) for s in ruleset.specs for r in s.rules}
    assert all((r.cleaner, r.rule) in names for r in result.removals)


# --- whole runs ---------------------------------------------------------------------------------


def generated_corpus(root: Path, n: int = 40, seed: int = 7) -> dict[str, bytes]:
    """Seed lines shuffled into documents with every line ending, BOMs and legacy encodings."""
    rng = random.Random(seed)
    files: dict[str, bytes] = {}
    encodings = [
        ("utf-8", b""),
        ("utf-8", b"\xef\xbb\xbf"),
        ("utf-16-le", b"\xff\xfe"),
        ("utf-16-be", b"\xfe\xff"),
    ]
    for i in range(n):
        lines = (
            rng.sample(SEED_LINES, rng.randint(0, 12))
            + [BANNER] * rng.randint(0, 2)
            + [""] * rng.randint(0, 3)
        )
        rng.shuffle(lines)
        eol = rng.choice(["\n", "\r\n", "\r"])
        text = eol.join(lines) + rng.choice([eol, ""])
        encoding, bom = rng.choice(encodings)
        files[f"gen/{i:02d} {eol.encode().hex()}.txt"] = bom + text.encode(encoding)
    for name, (data, _) in {**decodable_cases(), **undecodable_cases()}.items():
        files[f"cases/{name}"] = data
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    return files


def _all_files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_restore_rebuilds_the_seeds_byte_for_byte(tmp_path):
    out, back = tmp_path / "out", tmp_path / "back"
    assert run_cli("run", str(SEEDS), "--out", str(out)).returncode == 0
    r = run_cli("restore", str(out), "--to", str(back))
    assert r.returncode == 0, r.stderr.decode()
    assert _all_files(back) == _all_files(SEEDS)
    assert b"restored 5 of 5 inputs" in r.stderr


@pytest.fixture(scope="module")
def generated_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("generated")
    files = generated_corpus(base / "in")
    out = base / "out"
    run = run_cli("run", str(base / "in"), "--out", str(out))
    return base, files, out, run


def test_restore_rebuilds_a_generated_corpus(generated_run):
    base, files, out, run = generated_run
    assert run.returncode == 1  # the binary and undecodable cases fail, the run goes on
    back = base / "back"
    r = run_cli("restore", str(out), "--to", str(back))
    assert r.returncode == 0, r.stderr.decode()
    assert _all_files(back) == files
    summary = json.loads((out / "summary.json").read_text())
    encodings = {report_of(out, f"{rec['input'][:-4]}").get("encoding") for rec in summary["file_records"]}
    assert {"utf-8", "utf-16-le", "utf-16-be", "gb18030", "cp932", "cp1252"} <= encodings


def test_restore_fails_loudly_on_a_tampered_output(generated_run, tmp_path):
    _, files, out, _ = generated_run
    tampered = tmp_path / "out"
    shutil.copytree(out, tampered)
    victim = tampered / "cases" / "plain.txt"
    victim.write_bytes(victim.read_bytes().replace(b"council", b"COUNCIL"))
    r = run_cli("restore", str(tampered), "--to", str(tmp_path / "back"))
    assert r.returncode == 1
    err = r.stderr.decode()
    assert "cases/plain.txt: SHA-256 mismatch" in err and "1 NOT restored" in err
    assert not (tmp_path / "back" / "cases" / "plain.txt").exists()  # a wrong rebuild is never written


def test_restore_refuses_paths_from_a_hostile_report(generated_run, tmp_path):
    _, _, out, _ = generated_run
    hostile = tmp_path / "out"
    shutil.copytree(out, hostile)
    summary = json.loads((hostile / "summary.json").read_text())
    summary["file_records"].append({"input": "../../escaped.txt", "error": None})
    summary["file_records"].append({"input": "/etc/passwd", "error": None})
    (hostile / "summary.json").write_text(json.dumps(summary))
    report = report_of(hostile, "cases/plain")
    report["output"] = "../../../escaped.txt"
    write_report(hostile, "cases/plain", report)
    r = run_cli("restore", str(hostile), "--to", str(tmp_path / "back" / "inner"))
    assert r.returncode == 1
    err = r.stderr.decode()
    assert "'../../escaped.txt' would leave the restore folder; refused" in err
    assert "'/etc/passwd' would leave the restore folder; refused" in err
    assert "'../../../escaped.txt' would leave the restore folder; refused" in err
    assert not list(tmp_path.rglob("escaped.txt"))


def test_restore_refuses_to_write_into_the_output_folder(generated_run):
    _, _, out, _ = generated_run
    r = run_cli("restore", str(out), "--to", str(out))
    assert r.returncode == 2 and b"would overwrite the cleaned text" in r.stderr


def test_restore_rebuilds_an_html_page_as_its_extracted_text(tmp_path):
    # The page itself is not kept: what was cleaned, and what restore rebuilds and checks, is the extracted
    # text.
    src, out, back = tmp_path / "in", tmp_path / "out", tmp_path / "back"
    src.mkdir()
    body = "".join(
        f"<p>Paragraph {i} of the article says something long enough to be kept by the extractor.</p>"
        for i in range(8)
    )
    (src / "page.html").write_text(
        f"<html><head><title>T</title></head><body><article>{body}<p>Advertisement</p></article></body></html>",
        encoding="utf-8",
    )
    assert run_cli("run", str(src), "--out", str(out)).returncode == 0
    report = report_of(out, "page")
    r = run_cli("restore", str(out), "--to", str(back))
    assert r.returncode == 0, r.stderr.decode()
    rebuilt = (back / "page.html.extracted.txt").read_bytes()
    assert (
        restore(
            (out / "page.txt").read_text(encoding="utf-8"), [Removal.from_dict(d) for d in report["removals"]]
        ).encode()
        == rebuilt
    )
    assert "Paragraph 7" in rebuilt.decode() and not (back / "page.html").exists()
