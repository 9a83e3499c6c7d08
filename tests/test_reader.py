"""One document reader: `run`, `clean` and `mine` read an input alike (text, encoding, domain, titles)."""

from __future__ import annotations

import logging

import pytest
import yaml

from flows.inputs.read import document_from_bytes
from flows.run.pipeline import run_clean

HOTLINE = "Hotline: 010-85061466"
PAGE = f"""<html><head><title>Rivers rise after storm</title><link rel="canonical" href="https://www.{{domain}}/news/rivers"></head>
<body><article><h1>Rivers rise after storm</h1>
<p>Heavy rain over the weekend pushed the river above its banks in three towns, officials said on Monday.</p>
<p>{HOTLINE}</p>
<p>Residents were moved to schools and sports halls while crews worked through the night to shore up the levees.</p>
<p>The weather service expects more rain later in the week, though less than before.</p>
</article></body></html>
"""  # noqa: E501 - test page text, kept on its lines
DOMAIN_RULE = {
    "sources": [
        {"match": {"domain": "example.com"}, "rules": [{"name": "hotline", "pattern": f"^{HOTLINE}$"}]}
    ]
}


@pytest.mark.slow
def test_clean_applies_a_domain_rule_to_a_page_as_run_does(tmp_path, cli):
    config = tmp_path / "rules.yaml"
    config.write_text(yaml.safe_dump(DOMAIN_RULE), encoding="utf-8")
    ours, theirs = tmp_path / "in" / "ours.html", tmp_path / "in" / "theirs.html"
    ours.parent.mkdir()
    ours.write_text(PAGE.format(domain="example.com"), encoding="utf-8")
    theirs.write_text(PAGE.format(domain="example.org"), encoding="utf-8")
    cleaned = cli("clean", str(ours), "--config", str(config))
    assert cleaned.returncode == 0, cleaned.stderr.decode()
    assert HOTLINE not in cleaned.stdout.decode() and "Residents were moved" in cleaned.stdout.decode()
    # The rule is the domain's: a page of another domain keeps the line.
    other = cli("clean", str(theirs), "--config", str(config))
    assert HOTLINE in other.stdout.decode()
    # `run` gives the same text for the page.
    out = tmp_path / "out"
    assert cli("run", str(ours.parent), "--out", str(out), "--config", str(config)).returncode == 0
    assert (out / "ours.txt").read_bytes() == cleaned.stdout


def test_a_text_file_has_no_domain_even_with_a_canonical_link():
    data = b'<link rel="canonical" href="https://example.com/">\nBody text.\n'
    assert document_from_bytes(data, "a.txt").domain == ""
    assert document_from_bytes(data, "a.html").domain == "example.com"


def test_files_the_line_count_cannot_read_are_reported_one_line_each(tmp_path, caplog):
    inp = tmp_path / "in"
    inp.mkdir()
    for i in range(3):
        (inp / f"ok{i}.txt").write_text(f"Shared footer line\nArticle text number {i}.\n", encoding="utf-8")
    (inp / "scan.txt").write_bytes(b"%PDF-1.4 not text")
    config = tmp_path / "on.yaml"
    config.write_text(
        yaml.safe_dump({"cleaners": {"repeated_line": {"enabled": True, "options": {"min_docs": 2}}}})
    )
    with caplog.at_level(logging.INFO, logger="boilerclean"):
        summary = run_clean([str(inp)], str(tmp_path / "out"), config=str(config))
    counted = [r.getMessage() for r in caplog.records if "not counted for repeated_line" in r.getMessage()]
    assert counted == [
        "scan.txt: not counted for repeated_line: binary file (PDF signature); not a text document"
    ]
    assert any("repeated_line: counted 3 files" in r.getMessage() for r in caplog.records)
    assert summary["failed"] == 1
