"""HTML input: pages go through trafilatura, then the cleaners; empty pages are per-file errors."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest
from conftest import report_of, run_cli

from cleaners import restore
from cleaners.core import Removal
from flows.inputs.discover import InputFile
from flows.inputs.extract import EXTRACT_SETTINGS, ExtractionError, decode_html, extract_html
from flows.run.prefect_flow import clean_flow

PAGE = Path(__file__).parent / "data" / "html" / "harbour.html"
EMPTY_PAGE = "<html><head><title>Nothing here</title></head><body><script>var x = 1;</script></body></html>"


def run(src: Path, out: Path) -> dict:
    return clean_flow.fn(paths=[str(src)], out=str(out))


def test_html_page_extracted_and_cleaned(tmp_path):
    src = tmp_path / "in"
    (src / "a").mkdir(parents=True)
    shutil.copy(PAGE, src / "a" / "b.html")
    summary = run(src, tmp_path / "out")
    assert summary["failed"] == 0, summary["errors"]
    out = tmp_path / "out" / "a"
    cleaned = (out / "b.txt").read_text(encoding="utf-8")
    report = report_of(tmp_path / "out", "a/b")
    removed = {(r["cleaner"], r["text"].strip()) for r in report["removals"]}
    assert removed == {
        ("page_title", "Harbour bridge reopens after two years of repairs"),
        ("advertisement", "Advertisement"),
        ("image_caption", "Photo: Reuters"),
        ("license_line", "© 2026 Example Harbour Media"),
    }
    # Article sentences stay, including the one about an advertisement campaign; page chrome never arrives.
    assert cleaned.startswith("The old harbour bridge reopened")
    assert "The advertisement campaign that announced the reopening" in cleaned
    assert "About us" not in cleaned and "Sport" not in cleaned
    # The report's original is the extracted text: the removals rebuild it exactly.
    ext = report["extraction"]
    original = restore(cleaned, [Removal.from_dict(r) for r in report["removals"]])
    assert len(original) == ext["chars_out"] == report["chars_in"]
    assert original.startswith("Harbour bridge reopens") and "<p>" not in original
    assert ext["tool"] == "trafilatura" and ext["version"]
    assert ext["settings"] == dict(sorted(EXTRACT_SETTINGS.items()))
    assert ext["settings"]["include_comments"] is False
    assert ext["chars_in"] == len(PAGE.read_text(encoding="utf-8")) > ext["chars_out"]
    assert ext["titles"] == ["Harbour bridge reopens after two years of repairs"]
    assert report["output"] == "a/b.txt"
    assert (out / "b.diff").read_text(encoding="utf-8").startswith("--- a/a/b.html\n")


def test_html_gz_and_htm_outputs_use_the_stem(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "p.html.gz").write_bytes(gzip.compress(PAGE.read_bytes()))
    shutil.copy(PAGE, src / "q.HTM")
    summary = run(src, tmp_path / "out")
    assert summary["failed"] == 0 and summary["files"] == 2
    a = (tmp_path / "out" / "p.txt").read_text(encoding="utf-8")
    b = (tmp_path / "out" / "q.txt").read_text(encoding="utf-8")
    assert a == b and "harbour bridge reopened" in a
    for stem in ("p", "q"):
        assert report_of(tmp_path / "out", stem)["removals"] and (tmp_path / "out" / f"{stem}.diff").exists()
    assert InputFile("x", "a/b.html.gz").stem == "a/b"


def test_empty_extraction_is_a_per_file_error_and_the_run_goes_on(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "empty.html").write_text(EMPTY_PAGE, encoding="utf-8")
    (src / "broken.html.gz").write_bytes(b"\x1f\x8b\x08 not really gzip")
    shutil.copy(PAGE, src / "good.html")
    proc = run_cli("run", str(src), "--out", str(tmp_path / "out"))
    assert proc.returncode == 1
    err = proc.stderr.decode()
    assert "empty.html: no article text extracted" in err
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["files"] == 3 and summary["cleaned"] == 1
    errors = {e["input"]: e["error"] for e in summary["errors"]}
    assert errors["empty.html"].startswith("no article text extracted")
    assert errors["broken.html.gz"].startswith("not a readable gzip file")
    report = report_of(tmp_path / "out", "empty")
    assert report["error"] == errors["empty.html"]
    assert not (tmp_path / "out" / "empty.txt").exists()
    assert (tmp_path / "out" / "good.txt").read_text(encoding="utf-8").startswith("The old harbour bridge")


def test_non_utf8_page_decoded_by_charset_detection():
    page = (
        PAGE.read_text(encoding="utf-8")
        .replace("utf-8", "windows-1252")
        .replace("brass band played", "brass band played a café waltz")
    )
    html, encoding = decode_html(page.encode("cp1252"), "page.html")
    assert encoding != "utf-8" and "café waltz" in html
    assert "café waltz" in extract_html(page.encode("cp1252"), "page.html").text


def test_empty_page_raises_extraction_error():
    with pytest.raises(ExtractionError, match="no article text extracted"):
        extract_html(EMPTY_PAGE.encode(), "e.html")


def test_clean_command_reads_a_page(tmp_path):
    proc = run_cli("clean", str(PAGE))
    assert proc.returncode == 0, proc.stderr.decode()
    out = proc.stdout.decode("utf-8")
    assert out.startswith("The old harbour bridge reopened") and "Photo: Reuters" not in out
    empty = tmp_path / "empty.htm"
    empty.write_text(EMPTY_PAGE, encoding="utf-8")
    proc = run_cli("clean", str(empty))
    assert proc.returncode == 1 and "no article text extracted" in proc.stderr.decode()


def test_page_titles_include_title_og_title_and_first_h1():
    from flows.inputs.extract import page_titles

    html = (
        "<html><head><title>Bridge row over - Harbour News</title>"
        '<meta property="og:title" content="Bridge row over"></head>'
        "<body><h1>Harbour bridge reopens after two years</h1><h1>Second</h1><p>Text.</p></body></html>"
    )
    titles = page_titles(html)
    assert "Bridge row over - Harbour News" in titles and "Bridge row over" in titles
    assert "Harbour bridge reopens after two years" in titles and "Second" not in titles
    assert len(titles) == len(set(titles))


def test_page_and_text_with_the_same_stem_clash(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(PAGE, src / "a.html")
    (src / "a.txt").write_text("Advertisement\nText.\n", encoding="utf-8")
    summary = run(src, tmp_path / "out")
    assert summary["files"] == 2 and summary["failed"] == 1
    assert "clashes" in summary["errors"][0]["error"]


def test_extraction_and_headline_are_config_choices(tmp_path):
    """`extraction:` picks trafilatura's settings (in the report); `headline: keep` leaves the headline."""
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(PAGE, src / "b.html")
    config = tmp_path / "c.yaml"
    config.write_text("extraction: precision\nheadline: keep\n", encoding="utf-8")
    summary = clean_flow.fn(paths=[str(src)], out=str(tmp_path / "out"), config=str(config))
    assert summary["failed"] == 0, summary["errors"]
    report = report_of(tmp_path / "out", "b")
    assert report["extraction"]["mode"] == "precision"
    assert report["extraction"]["settings"] == {"favor_precision": True, "include_comments": False}
    assert "page_title" not in {r["cleaner"] for r in report["removals"]}
    cleaned = (tmp_path / "out" / "b.txt").read_text(encoding="utf-8")
    assert cleaned.startswith("Harbour bridge reopens after two years of repairs\n")


def test_default_extraction_is_consensus_and_headline_removed():
    from cleaners import load_ruleset

    rs = load_ruleset()
    assert rs.extraction == "consensus" and EXTRACT_SETTINGS == {"include_comments": False}
    assert rs.spec("page_title").enabled
    record = extract_html(PAGE.read_bytes(), "b.html").record()
    assert record["mode"] == "consensus"
    assert record["trimmed_by"] == {"favor_precision": True, "include_comments": False}
    assert record["added_by"] == {"favor_recall": True, "include_comments": False}
    assert record["judged_by"]["tool"] == "justext" and record["judged_by"]["language"] == "English"
    # this page's default text ends with what favor_precision keeps, and the three extractions agree
    assert record["trimmed"] == [] and record["added"] == [] and record["dropped"] == []
    trimmed = extract_html(PAGE.read_bytes(), "b.html", "trimmed").record()
    assert "added" not in trimmed and "judged_by" not in trimmed


@pytest.mark.parametrize(
    "text, key",
    [
        ("extraction: fast\n", "extraction"),
        ("headline: drop\n", "headline"),
        ("headline: true\n", "headline"),
    ],
)
def test_bad_extraction_or_headline_is_one_clear_error(tmp_path, text, key):
    from cleaners import load_ruleset
    from cleaners.settings import ConfigError

    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_ruleset(path)
    assert err.value.key == key and "expected one of" in err.value.problem
    assert str(path) in str(err.value)


def test_extraction_is_part_of_the_ruleset_hash():
    from cleaners import ruleset_from_mapping

    assert ruleset_from_mapping({"extraction": "precision"}).hash != ruleset_from_mapping({}).hash
