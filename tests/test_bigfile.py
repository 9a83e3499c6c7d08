"""A huge input cleaned in windows (flows.run.bigfile) gives the whole path's outputs byte for byte,
restores losslessly, and a failure midway leaves the last good outputs in place."""

from __future__ import annotations

import errno
import random

import pytest
from conftest import cli_env, report_of, run_cli
from test_incremental import output_tree

from benchmarks.corpus import make_document
from cleaners import load_ruleset
from flows.inputs.discover import InputFile
from flows.run import bigfile
from flows.run.worker import clean_files

TINY = {"BOILERCLEAN_BIG_FILE_BYTES": "1", "BOILERCLEAN_WINDOW_CHARS": "300"}


def corpus_text(seed: int, docs: int) -> str:
    rng = random.Random(seed)
    return "".join(make_document(rng, 40) for _ in range(docs))


def make_inputs(inp) -> None:
    (inp / "sub").mkdir(parents=True)
    (inp / "big.txt").write_text(corpus_text(1, 12), encoding="utf-8")
    (inp / "sub" / "crlf.txt").write_bytes(corpus_text(2, 6).replace("\n", "\r\n").encode("utf-8"))
    (inp / "bom.txt").write_bytes(b"\xef\xbb\xbf" + corpus_text(3, 4).encode("utf-8"))
    tail = "\n\nRead more:\n\nShare this article\n\nAdvertisement"
    (inp / "tail.txt").write_text(corpus_text(4, 3) + tail, encoding="utf-8")
    (inp / "legacy.txt").write_bytes("Café crème, naïve façade.\nPhoto: Reuters\n".encode("cp1252") * 40)
    (inp / "nul.txt").write_bytes(b"text\x00more text\n")
    (inp / "utf16.txt").write_bytes("\ufeffPhoto: AP\nSome text here.\n".encode("utf-16-le"))
    (inp / "empty.txt").write_bytes(b"")
    (inp / "page.html").write_text(
        "<html><head><title>A page</title></head><body><article><p>"
        + "The council met on Tuesday to discuss the budget. " * 20
        + "</p><p>Advertisement</p></article></body></html>",
        encoding="utf-8",
    )


@pytest.mark.slow
def test_windowed_outputs_equal_the_whole_path_and_restore(tmp_path):
    inp = tmp_path / "in"
    make_inputs(inp)
    whole, windowed = tmp_path / "whole", tmp_path / "windowed"
    ref = run_cli("run", str(inp), "--out", str(whole), "--no-prefect")
    res = run_cli("run", str(inp), "--out", str(windowed), "--no-prefect", env=cli_env(**TINY))
    assert ref.returncode == res.returncode == 1  # nul.txt is not a text document, on either path
    assert res.stderr.replace(b"windowed", b"whole") == ref.stderr
    tree = output_tree(windowed)
    assert tree == output_tree(whole)
    assert b"cookie" in tree["big.diff"] or b"Photo" in tree["big.diff"]  # there were removals to window
    back = tmp_path / "back"
    res = run_cli("restore", str(windowed), "--to", str(back))
    assert res.returncode == 0, res.stderr.decode()
    for name in ("big.txt", "sub/crlf.txt", "bom.txt", "tail.txt", "legacy.txt"):
        assert (back / name).read_bytes() == (inp / name).read_bytes(), name


def test_windowed_path_is_taken_for_big_text_only(tmp_path, monkeypatch):
    make_inputs(tmp_path)
    monkeypatch.setenv("BOILERCLEAN_BIG_FILE_BYTES", "100")
    item = lambda rel: InputFile(str(tmp_path / rel), rel)  # noqa: E731
    big = bigfile.big_file_bytes()
    assert big == 100
    assert bigfile.window_limit("big.txt", big) == 100
    assert bigfile.window_limit("page.html", big) is None  # extraction needs the whole tree
    monkeypatch.setattr(bigfile, "clean_windows", _fail)
    out = str(tmp_path / "o")
    results = clean_files([item("big.txt"), item("page.html")], out, load_ruleset())
    assert "windowed path used" in results[0]["error"]
    assert results[1]["error"] is None


def _fail(*args, **kwargs):
    raise RuntimeError("windowed path used")


def _items(inp):
    return [InputFile(str(inp / "big.txt"), "big.txt"), InputFile(str(inp / "tail.txt"), "tail.txt")]


@pytest.mark.parametrize("fault", ["disk full", "input changed"])
@pytest.mark.slow
def test_a_failure_midway_keeps_the_last_good_outputs(tmp_path, monkeypatch, fault):
    inp, out = tmp_path / "in", tmp_path / "out"
    make_inputs(inp)
    ruleset = load_ruleset()
    assert all(not r["error"] for r in clean_files(_items(inp), str(out), ruleset))
    before = output_tree(out)
    monkeypatch.setenv("BOILERCLEAN_BIG_FILE_BYTES", "1")
    monkeypatch.setenv("BOILERCLEAN_WINDOW_CHARS", "300")
    real_pieces = bigfile.pieces

    def failing_pieces(chunks, removals, size):
        for n, piece in enumerate(real_pieces(chunks, removals, size)):
            if n == 3:
                if fault == "disk full":
                    raise OSError(errno.ENOSPC, "No space left on device")
                (inp / "big.txt").write_text("changed\n", encoding="utf-8")
            yield piece

    monkeypatch.setattr(bigfile, "pieces", failing_pieces)
    results = {r["input"]: r for r in clean_files(_items(inp), str(out), ruleset)}
    error = results["big.txt"]["error"]
    assert error.startswith("cannot write outputs")
    assert ("No space left" in error) if fault == "disk full" else ("changed while it was cleaned" in error)
    assert output_tree(out) == before  # nothing replaced, nothing left behind
    assert not [p for p in out.rglob("*.tmp")]


def test_review_page_of_a_huge_file_shows_its_start_with_a_note(tmp_path, monkeypatch):
    from flows.review import server, views
    from flows.review.write import original_and_cleaned

    inp, out = tmp_path / "in", tmp_path / "out"
    inp.mkdir()
    (inp / "big.txt").write_text(corpus_text(5, 20), encoding="utf-8")
    (inp / "small.txt").write_text("A short text.\nPhoto: Reuters\nThe end of it.\n", encoding="utf-8")
    assert run_cli("run", str(inp), "--out", str(out), "--no-prefect", env=cli_env(**TINY)).returncode == 0
    monkeypatch.setattr(server, "PAGE_CHARS", 2000)
    monkeypatch.setattr(server, "PAGE_ROWS", 3)
    monkeypatch.setattr(views, "PAGE_ROWS", 3)
    app = server.ReviewApp(out)
    names = [e.input for e in app.ix.files]
    big = app.get(f"/file?i={names.index('big.txt')}").body.decode()
    assert 'id="truncated"' in big and "the first 2,000" in big
    original, cleaned, _ = original_and_cleaned(out, report_of(out, "big"))
    marked, shown_cleaned = app.texts(names.index("big.txt"))[0][:2]
    assert marked == original[:2000] and original.startswith(marked)
    assert cleaned.startswith(shown_cleaned) and len(shown_cleaned) < 2000
    table = big.split('id="removal-list"')[1].split("</table>")[0]
    assert table.count("<tr ") == 3  # the first PAGE_ROWS removals (the header row is "<tr>")
    small = app.get(f"/file?i={names.index('small.txt')}").body.decode()
    assert 'id="truncated"' not in small


def test_report_line_built_a_record_at_a_time_is_the_batch_records_line():
    from cleaners import clean_text
    from flows.outputs.records import BatchRecords, count_removals, removal_records, report_line

    text = corpus_text(7, 3) + 'Photo: Zoë “quoted” \\ "removals":[] 图片来源：新华社\n'
    records = removal_records(text, clean_text(text, load_ruleset()).removals)
    assert len(records) > 2
    for recs in ([], records[:1], records):
        report = {"input": "a.txt", "error": None, "counts": count_removals(recs), "version": 1}
        whole, streamed = BatchRecords(), BatchRecords()
        whole.add({**report, "removals": recs})
        streamed.add_line("a.txt", report_line(report, iter(recs)))
        assert streamed.data() == whole.data() and streamed.name == whole.name


def test_windows_that_disagree_are_named_in_a_warning(tmp_path, monkeypatch, caplog):
    from functools import partial

    from test_window import CHAIN, PROSE

    from cleaners.window import clean_windows

    text = "\n".join([PROSE[0], "BANNER"] + [f"Button {i}" for i in range(40)] + [PROSE[1]]) + "\n"
    (tmp_path / "chain.txt").write_text(text, encoding="utf-8")
    monkeypatch.setenv("BOILERCLEAN_BIG_FILE_BYTES", "1")
    monkeypatch.setenv("BOILERCLEAN_WINDOW_CHARS", "50")
    monkeypatch.setattr(bigfile, "clean_windows", partial(clean_windows, context=4))
    item = InputFile(str(tmp_path / "chain.txt"), "chain.txt")
    with caplog.at_level("WARNING", logger="boilerclean"):
        assert clean_files([item], str(tmp_path / "o"), CHAIN)[0]["error"] is None
    assert "chain.txt: cleaned in windows; around line" in caplog.text
