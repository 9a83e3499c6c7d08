"""Mining: known per-source residue is proposed, article text never; the proposal works as config."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from conftest import report_of
from synthetic_sources import RARE_HEADING, REPEATED_SENTENCE, RESIDUE, write_corpus

from cleaners import restore, ruleset_from_mapping
from cleaners.mining import (
    LineCounter,
    SpaceSaving,
    candidate_lines,
    exact_line_pattern,
    looks_like_article,
    proposal_yaml,
)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("corpus")
    write_corpus(root, docs_per_source=30)
    return root


def _count(root: Path, capacity: int = 2000) -> LineCounter:
    counter = LineCounter(capacity)
    for path in sorted(root.rglob("*.txt")):
        rel = path.relative_to(root).as_posix()
        counter.add_document(rel.rsplit("/", 1)[0], path.read_text(encoding="utf-8"), rel)
    return counter


@pytest.mark.parametrize("capacity", [2000, 40])
def test_mining_proposes_exactly_the_residue(corpus, capacity):
    # 40 slots per source is far fewer than the distinct lines (~30 docs x ~8): the space-saving
    # bound must still keep every residue line, and must not promote any article line.
    counter = _count(corpus, capacity)
    frequent = counter.frequent(min_docs=10, min_share=0.5)
    got: dict[str, set[str]] = {}
    for f in frequent:
        got.setdefault(f.source, set()).add(f.line)
    assert got == {source: set(lines) for source, lines in RESIDUE.items()}
    assert all(f.docs == 30 and f.count <= 30 for f in frequent)
    assert counter.tracked() <= capacity * len(RESIDUE)


def test_article_text_is_never_a_candidate():
    assert looks_like_article(REPEATED_SENTENCE)
    assert not looks_like_article("CHOOSE YOUR LANGUAGE")
    assert not looks_like_article("Follow us.")
    assert looks_like_article("x" * 201)
    # CJK without spaces: a long line with sentence marks is article text, a short label is not.
    assert looks_like_article(
        "中国人工智能企业近年来发展迅速，在多个领域取得了突破。专家认为这一趋势将持续下去，并带动相关产业的升级。"
    )
    assert not looks_like_article("互联网新闻信息许可证10120180008")
    assert candidate_lines("a\n\n  Share   this \r\n***\n" + REPEATED_SENTENCE) == {"a", "Share this"}


def test_rare_short_lines_are_not_proposed(corpus):
    lines = {f.line for f in _count(corpus).frequent(min_docs=2, min_share=0.5)}
    assert RARE_HEADING not in lines and REPEATED_SENTENCE not in lines


def test_space_saving_counts_are_lower_bounds():
    ss = SpaceSaving(capacity=3)
    stream = ["a"] * 10 + ["b", "c", "d", "e"] * 2 + ["a"] * 5 + ["f"]
    for key in stream:
        ss.add(key)
    assert len(ss.counts) <= 3
    true = {k: stream.count(k) for k in set(stream)}
    for key, count, error in ss.items():
        assert count - error <= true[key] <= count
    assert dict((k, c - e) for k, c, e in ss.items())["a"] == 15


def test_exact_line_pattern_matches_only_that_line():
    pattern = (
        ruleset_from_mapping(
            yaml.safe_load(
                proposal_yaml(
                    _count_lines(
                        {"x": ["Disinformation report hotline: 010-85061466 (24h) [EN]"] * 3}
                    ).frequent(2, 0.5),
                    "folder",
                )
            ),
            "<t>",
        )
        .sources[0]
        .rules[0]
        .pattern
    )
    assert pattern.search("Disinformation report hotline: 010-85061466 (24h) [EN]")
    assert pattern.search("Disinformation  report\thotline: 010-85061466 (24h) [EN]")
    assert not pattern.search("Call the Disinformation report hotline: 010-85061466 (24h) [EN] today")
    assert exact_line_pattern("a.b") == r"^a\.b$"


def _count_lines(docs: dict[str, list[str]]) -> LineCounter:
    counter = LineCounter()
    for source, texts in docs.items():
        for i, t in enumerate(texts):
            counter.add_document(source, t, f"{source}/{i}.txt")
    return counter


def test_proposal_yaml_quotes_awkward_folders_and_lines():
    counter = _count_lines(
        {
            "it's [new]/*": [
                "O'Brien's corner: 'quotes' & #tags\nbody one.",
                "O'Brien's corner: 'quotes' & #tags\nbody two.",
            ]
        }
    )
    snippet = proposal_yaml(counter.frequent(2, 0.5), "folder")
    rs = ruleset_from_mapping(yaml.safe_load(snippet), "<t>")
    group = rs.sources[0]
    assert group.matches("it's [new]/*", "") and not group.matches("it's n/x", "")
    assert group.rules[0].pattern.search("O'Brien's corner: 'quotes' & #tags")


@pytest.mark.slow
def test_mine_cli_then_run_removes_the_residue(corpus, tmp_path, cli):
    proposal = tmp_path / "proposed.yaml"
    res = cli("mine", str(corpus), "--min-docs", "10", "--min-share", "0.5", "--out", str(proposal))
    assert res.returncode == 0, res.stderr.decode()
    assert b"files/s" in res.stderr
    data = yaml.safe_load(proposal.read_text(encoding="utf-8"))
    assert {e["match"]["folder"] for e in data["sources"]} == set(RESIDUE)
    assert len([r for e in data["sources"] for r in e["rules"]]) == sum(len(v) for v in RESIDUE.values())

    out = tmp_path / "out"
    res = cli("run", str(corpus), "--out", str(out), "--config", str(proposal))
    assert res.returncode == 0, res.stderr.decode()
    for source, residue in RESIDUE.items():
        for page in sorted((corpus / source).glob("*.txt"))[:5]:
            original = page.read_text(encoding="utf-8")
            cleaned = (out / source / page.name).read_text(encoding="utf-8")
            kept = {ln.strip() for ln in cleaned.splitlines()}
            assert not kept & set(residue), f"{source}/{page.name}: residue left"
            # Everything else stays: the article lines, and the look-alikes.
            expected = {ln.strip() for ln in original.splitlines()} - set(residue)
            assert kept == expected
            report = report_of(out, f"{source}/{page.stem}")
            assert {r["source"] for r in report["removals"]} == {f"folder:{source}"}
            assert (
                restore(cleaned, [__import__("cleaners").Removal.from_dict(r) for r in report["removals"]])
                == original
            )
    summary = json.loads((out / "summary.json").read_text())
    assert summary["held"] == []
    assert "source_rules/repeated: Newsroom edition: Asia-Pacific @folder:news" in summary["by_rule"]


SEED_RESIDUE = {
    "/VCG",
    "CHOOSE YOUR LANGUAGE",
    "Disinformation report hotline: 010-85061466",
    "互联网新闻信息许可证10120180008",
}


@pytest.mark.slow
def test_mine_on_seeds_leaves_out_what_the_rules_remove(cli, tmp_path):
    # The default rules remove all four recurring lines of the seeds: nothing left to propose, and it says so.
    res = cli("mine", "seeds", "--min-docs", "2", "--min-share", "0.4")
    assert res.returncode == 0, res.stderr.decode()
    assert yaml.safe_load(res.stdout)["sources"] == []
    assert b"proposed 0 lines, left out 4 that the current rules already remove" in res.stderr
    assert "# Left out 4 recurring lines" in res.stdout.decode()
    # With the cleaners that remove them turned off, the same lines are proposed.
    off = tmp_path / "off.yaml"
    off.write_text(
        "cleaners:\n"
        + "".join(f"  {c}:\n    enabled: false\n" for c in ("site_chrome", "license_line", "image_caption")),
        encoding="utf-8",
    )
    res = cli("mine", "seeds", "--min-docs", "2", "--min-share", "0.4", "--config", str(off))
    assert res.returncode == 0, res.stderr.decode()
    rules = yaml.safe_load(res.stdout)["sources"][0]["rules"]
    assert {r["name"].removeprefix("repeated: ") for r in rules} == SEED_RESIDUE
    assert b"left out 0 that" in res.stderr


def test_mine_reports_bad_files_and_goes_on(tmp_path, cli):
    (tmp_path / "a").mkdir()
    for i in range(3):
        (tmp_path / "a" / f"{i}.txt").write_text(f"Menu\nbody text number {i}.\n", encoding="utf-8")
    # Not b"\xff\xfe...": that is a UTF-16 byte order mark, and the bytes after it now decode (issue 7).
    (tmp_path / "a" / "bad.txt").write_bytes(b"bad\x00\xff")
    res = cli("mine", str(tmp_path), "--min-docs", "2")
    assert res.returncode == 1
    assert b"bad.txt" in res.stderr
    assert "^Menu$" in res.stdout.decode()
