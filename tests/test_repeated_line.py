"""repeated_line: removes what recurs across a source (counted before); each removal names its count."""

from __future__ import annotations

import pytest
import yaml
from conftest import report_of
from synthetic_sources import RARE_HEADING, REPEATED_SENTENCE, RESIDUE, write_corpus

from cleaners import ConfigError, clean_text, restore, ruleset_from_mapping
from cleaners.mining import LineCounter, LineTable
from cleaners.repeated_line import attach_line_table, repeated_line_cleaner

ON = {"cleaners": {"repeated_line": {"enabled": True, "options": {"min_docs": 3, "min_share": 0.5}}}}


def _table(docs: dict[str, list[str]], min_docs=3, min_share=0.5) -> LineTable:
    counter = LineCounter()
    for source, texts in docs.items():
        for i, t in enumerate(texts):
            counter.add_document(source, t, f"{source}/{i}.txt")
    return LineTable("folder", tuple(counter.frequent(min_docs, min_share)))


DOCS = {
    "news": [
        f"Menu\nStory {i} begins here and it is long enough to be text.\nNEWSROOM EDITION\n" for i in range(4)
    ],
    "blog": ["Menu\nA post.\n", "Other post.\n", "Third post.\n", "Fourth.\n"],
}


def test_off_by_default_and_finds_nothing_without_a_table():
    assert repeated_line_cleaner(ruleset_from_mapping({}, "<t>")) is None
    rs = ruleset_from_mapping(ON, "<t>")
    assert clean_text(DOCS["news"][0], rs, source="news/0.txt").removals == ()


def test_removes_the_counted_lines_of_the_source_only_and_names_the_count():
    rs = attach_line_table(ruleset_from_mapping(ON, "<t>"), _table(DOCS))
    text = DOCS["news"][0]
    result = clean_text(text, rs, source="news/0.txt")
    assert restore(result.cleaned, result.removals) == text
    got = {(r.text.strip(), r.detail) for r in result.acting}
    assert got == {
        ("Menu", "in 4 of 4 docs of source news"),
        ("NEWSROOM EDITION", "in 4 of 4 docs of source news"),
    }
    assert all(r.cleaner == "repeated_line" and r.rule == "repeated line" for r in result.acting)
    # "Menu" is in 1 of 4 blog pages: not blog boilerplate, and news' counts do not apply there.
    assert clean_text(DOCS["blog"][0], rs, source="blog/0.txt").acting == ()


def test_the_table_changes_the_ruleset_hash():
    rs = ruleset_from_mapping(ON, "<t>")
    assert attach_line_table(rs, _table(DOCS)).hash != rs.hash


def test_shadow_mode_records_without_removing():
    cfg = {"cleaners": {"repeated_line": {**ON["cleaners"]["repeated_line"], "mode": "shadow"}}}
    rs = attach_line_table(ruleset_from_mapping(cfg, "<t>"), _table(DOCS))
    result = clean_text(DOCS["news"][1], rs, source="news/1.txt")
    assert result.cleaned == DOCS["news"][1]
    assert len([r for r in result.removals if r.shadow and r.detail]) == 2


@pytest.mark.parametrize(
    "options, key",
    [
        ({"source_by": "page"}, "source_by"),
        ({"min_share": 1.5}, "min_share"),
        ({"min_docs": "3"}, "min_docs"),
        ({"bogus": 1}, "bogus"),
    ],
)
def test_bad_options_fail(options, key):
    with pytest.raises(ConfigError) as err:
        ruleset_from_mapping(
            {"cleaners": {"repeated_line": {"enabled": True, "options": options}}}, "my.yaml"
        )
    assert key in err.value.key
    assert err.value.file == "my.yaml" and str(err.value).startswith("my.yaml: ")  # not "<config>"


def test_bad_options_are_refused_even_while_the_cleaner_is_off():
    with pytest.raises(ConfigError, match="min_docs: expected an integer of at least 2"):
        ruleset_from_mapping({"cleaners": {"repeated_line": {"options": {"min_docs": 1}}}}, "my.yaml")


@pytest.mark.slow
def test_run_counts_first_then_cleans(tmp_path, cli):
    corpus = tmp_path / "corpus"
    write_corpus(corpus, docs_per_source=12)
    config = tmp_path / "on.yaml"
    config.write_text(
        yaml.safe_dump(
            {"cleaners": {"repeated_line": {"enabled": True, "options": {"min_docs": 6, "min_share": 0.5}}}}
        )
    )
    out = tmp_path / "out"
    res = cli("run", str(corpus), "--out", str(out), "--config", str(config))
    assert res.returncode == 0, res.stderr.decode()
    for source, residue in RESIDUE.items():
        page = sorted((corpus / source).glob("*.txt"))[0]
        report = report_of(out, f"{source}/{page.stem}")
        removed = {r["text"].strip() for r in report["removals"] if r["cleaner"] == "repeated_line"}
        assert removed == set(residue) & {ln.strip() for ln in page.read_text().splitlines()}
        assert all(
            r["detail"].endswith(f"docs of source {source}")
            for r in report["removals"]
            if r["cleaner"] == "repeated_line"
        )
    # Look-alikes stay: a sentence in most news pages (article text) and a heading in a few pages.
    for look_alike in (REPEATED_SENTENCE, RARE_HEADING):
        pages = [p for s in RESIDUE for p in (corpus / s).glob("*.txt") if look_alike in p.read_text()]
        assert pages
        for p in pages:
            assert look_alike in (out / p.relative_to(corpus)).read_text()


def test_ruleset_with_table_survives_pickling():
    # Distributed task runners pickle the ruleset to send it to workers.
    import pickle

    rs = attach_line_table(ruleset_from_mapping(ON, "<t>"), _table(DOCS))
    back = pickle.loads(pickle.dumps(rs))
    assert back.hash == rs.hash
    assert (
        clean_text(DOCS["news"][2], back, source="news/2.txt").acting
        == clean_text(DOCS["news"][2], rs, source="news/2.txt").acting
    )
