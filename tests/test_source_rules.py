"""Per-source rules: they apply only to documents of their folder or domain, and reports say so."""

from __future__ import annotations

import pytest

from cleaners import ConfigError, clean_text, restore, ruleset_from_mapping

CONFIG = {
    "sources": [
        {
            "match": {"folder": "news"},
            "rules": [{"name": "language menu", "pattern": r"^NEWSROOM\s+EDITION$"}],
        },
        {
            "match": {"folder": "blogs/*"},
            "rules": [{"name": "subscribe", "pattern": "^Gadget Corner Weekly$"}],
        },
        {
            "match": {"domain": "example.com"},
            "rules": [{"name": "hotline", "pattern": "^Hotline: 010-85061466$"}],
        },
        {"match": {"folder": "keepers"}, "keep": ["^Photo: Reuters$"]},
    ]
}
# Site-specific lines that no generic cleaner removes on its own.
TEXT = (
    "Title\nNEWSROOM EDITION\nGadget Corner Weekly\nHotline: 010-85061466\nPhoto: Reuters\nBody. It "
    "goes on.\n"
)


@pytest.fixture(scope="module")
def rs():
    return ruleset_from_mapping(CONFIG, "<test>")


def removed(rs, source, domain=""):
    result = clean_text(TEXT, rs, source=source, domain=domain)
    assert restore(result.cleaned, result.removals) == TEXT
    # The per-source removals (global cleaners' removals have no source).
    return {(r.text.strip(), r.source) for r in result.acting if r.source or r.cleaner == "source_rules"}


def test_folder_rules_apply_only_to_their_folder(rs):
    assert removed(rs, "news/a.txt") == {("NEWSROOM EDITION", "folder:news")}
    assert removed(rs, "news/sub/a.txt") == set()  # "news" is that folder, not its subfolders
    assert removed(rs, "sport/a.txt") == set()
    assert removed(rs, "a.txt") == set()
    assert removed(rs, "blogs/tech/a.txt") == {("Gadget Corner Weekly", "folder:blogs/*")}


def test_domain_rules_apply_to_the_domain_and_its_subdomains(rs):
    assert removed(rs, "x/a.html", "example.com") == {("Hotline: 010-85061466", "domain:example.com")}
    assert removed(rs, "x/a.html", "news.example.com") == {("Hotline: 010-85061466", "domain:example.com")}
    assert removed(rs, "x/a.html", "notexample.com") == set()
    assert removed(rs, "x/a.html", "") == set()


def test_source_keep_protects_lines_from_global_cleaners(rs):
    # "Photo: Reuters" is a credit line to the global image_caption cleaner ...
    credit = ("Photo: Reuters\n", "image_caption")
    assert credit in {(r.text, r.cleaner) for r in clean_text(TEXT, rs, source="news/a.txt").acting}
    # ... but the source's keep pattern wins, for that folder only.
    assert not any("Photo: Reuters" in r.text for r in clean_text(TEXT, rs, source="keepers/a.txt").acting)


def test_global_cleaner_wins_an_overlap_and_dry_run_shadows_source_rules(rs):
    overlap = ruleset_from_mapping(
        {"sources": [{"match": {"folder": "."}, "rules": [{"name": "ad", "pattern": "^Advertisement$"}]}]},
        "<t>",
    )
    result = clean_text("Body.\nAdvertisement\nMore.\n", overlap, source="a.txt")
    assert [(r.cleaner, r.source) for r in result.acting] == [("advertisement", "")]
    dry = rs.all_shadow()
    result = clean_text(TEXT, dry, source="news/a.txt")
    assert result.cleaned == TEXT and any(r.shadow and r.source == "folder:news" for r in result.removals)


def test_hash_covers_sources(rs):
    assert rs.hash != ruleset_from_mapping({}, "<t>").hash


@pytest.mark.parametrize(
    "sources, key, problem",
    [
        ("x", "sources", "expected a list"),
        ([{"match": {"folder": "a"}, "rules": [], "bogus": 1}], "sources[0].bogus", "unknown key"),
        ([{"match": {"path": "a"}, "rules": []}], "sources[0].match.path", "unknown key"),
        ([{"match": {"folder": "a", "domain": "b.com"}, "keep": ["x"]}], "sources[0].match", "exactly one"),
        ([{"match": {"domain": "http://b.com/"}, "keep": ["x"]}], "sources[0].match.domain", "domain name"),
        ([{"match": {"folder": "a"}}], "sources[0]", "needs 'rules' or 'keep'"),
        (
            [{"match": {"folder": "a"}, "rules": [{"name": "r", "pattern": "(unclosed"}]}],
            "sources[0].rules[0].pattern",
            "(unclosed",
        ),
        (
            [{"match": {"folder": "a"}, "rules": [{"name": "r", "pattern": "x", "mode": "maybe"}]}],
            "sources[0].rules[0].mode",
            "remove",
        ),
        ([{"match": {"folder": "a"}, "keep": [3]}], "sources[0].keep[0]", "regular expression"),
    ],
)
def test_bad_source_config_names_file_key_and_problem(sources, key, problem):
    with pytest.raises(ConfigError) as err:
        ruleset_from_mapping({"sources": sources}, "my.yaml")
    assert err.value.file == "my.yaml" and err.value.key == key and problem in err.value.problem


def test_page_domain_from_html_metadata():
    from flows.inputs.domain import domain_from_html

    assert (
        domain_from_html('<head><link href="https://www.Example.com/a?b" rel="canonical"></head>')
        == "example.com"
    )
    assert (
        domain_from_html("<meta property='og:url' content='http://news.example.org/x'>") == "news.example.org"
    )
    assert domain_from_html("<html><body>no metadata</body></html>") == ""
