"""The review pages in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright), from file://.

Counts and marked spans are read from the DOM and checked against the report JSON on disk.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from conftest import SHOT_DIR
from reviewruns import (
    HOSTILE_KEPT,
    HOSTILE_NAME,
    HOSTILE_REMOVED,
    HOSTILE_RULE,
    reports,
    run_hostile,
    run_seeds,
)

from flows.review.data import Review
from flows.review.pages import INDEX_DATA, index_data_bytes, render_index

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def seeds_out(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bseeds") / "out"
    run_seeds(out)
    return out


@pytest.fixture(scope="module")
def hostile_out(tmp_path_factory) -> Path:
    return run_hostile(tmp_path_factory.mktemp("bhostile"))


def _open_index(pg, out: Path):
    pg.goto((out / "index.html").as_uri())
    pg.wait_for_selector("body[data-ready='1']", timeout=10000)


def _file_rows(pg) -> list[dict]:
    return pg.eval_on_selector_all(
        "#files-body tr",
        "rows => rows.map(r => ({input: r.dataset.input, cells: Array.from(r.children).map(td => "
        "td.textContent)}))",
    )


def _column(pg, label: str) -> int:
    heads = pg.eval_on_selector_all("#files-head th", "ths => ths.map(th => th.textContent)")
    return heads.index(label)


def _shot(pg, tmp_path: Path, name: str) -> Path:
    path = Path(SHOT_DIR or tmp_path) / name
    pg.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000  # a real rendering, not an empty canvas
    return path


def test_index_totals_and_files_match_the_reports(page, seeds_out, tmp_path):
    _open_index(page, seeds_out)
    rep = reports(seeds_out)
    by_cleaner, files_with = Counter(), Counter()
    for r in rep.values():
        for d in r["removals"]:
            by_cleaner[d["cleaner"]] += 1
        files_with.update({d["cleaner"] for d in r["removals"]})
    dom = page.eval_on_selector_all(
        "#by-cleaner tbody tr",
        "rows => rows.map(r => [r.dataset.cleaner, ...Array.from(r.querySelectorAll('td.n')).map(td => "
        "+td.textContent)])",
    )
    assert {
        row[0]: (row[1], row[6]) for row in dom
    }  # removals, lines, chars, shadow, held, files == {c: (n, files_with[c]) for c, n in by_cleaner.items()}
    rows = _file_rows(page)
    assert [r["input"] for r in rows] == sorted(rep)
    col = _column(page, "Removals")
    assert {r["input"]: int(r["cells"][col]) for r in rows} == {
        k: v["counts"]["removals"] for k, v in rep.items()
    }
    assert page.text_content("#files-status").startswith(f"files 1–{len(rep)} of {len(rep)}")
    assert page.problems == []
    _shot(page, tmp_path, "index.png")


def test_index_sorts_and_filters_by_cleaner(page, seeds_out):
    _open_index(page, seeds_out)
    rep = reports(seeds_out)
    chars = {k: v["counts"]["chars_removed"] for k, v in rep.items()}
    page.click("#files-head th[data-key='chars'] button")
    col = _column(page, "Chars")
    got = [(r["input"], int(r["cells"][col])) for r in _file_rows(page)]
    assert got == sorted(chars.items(), key=lambda kv: (-kv[1], kv[0]))
    assert page.get_attribute("#files-head th[data-key='chars']", "aria-sort") == "descending"
    page.click("#files-head th[data-key='chars'] button")
    got = [int(r["cells"][col]) for r in _file_rows(page)]
    assert got == sorted(chars.values())

    page.select_option("#cleaner-filter", "advertisement")
    expected = sorted(
        k for k, v in rep.items() if any(d["cleaner"] == "advertisement" for d in v["removals"])
    )
    assert sorted(r["input"] for r in _file_rows(page)) == expected and len(expected) < len(rep)
    page.select_option("#cleaner-filter", "")
    page.fill("#name-filter", "004_")
    assert [r["input"] for r in _file_rows(page)] == [k for k in rep if k.startswith("004_")]
    assert page.problems == []


def test_distinct_lines_most_frequent_first_with_links(page, seeds_out):
    _open_index(page, seeds_out)
    counts = Counter()
    for r in reports(seeds_out).values():
        for d in r["removals"]:
            for ln in d["text"].splitlines():
                if ln.strip():
                    counts[ln.strip()] += 1
    rows = page.eval_on_selector_all(
        "#lines-body tr",
        "rows => rows.map(r => ({count: +r.children[0].textContent, text: r.children[2].textContent,"
        " links: Array.from(r.children[3].querySelectorAll('a')).map(a => a.getAttribute('href'))}))",
    )
    assert [r["count"] for r in rows] == sorted(counts.values(), reverse=True)
    assert {r["text"]: r["count"] for r in rows} == dict(counts)
    page.click(f"#lines-body tr:first-child a[href='{rows[0]['links'][0]}']")
    page.wait_for_load_state()
    anchor = rows[0]["links"][0].split("#")[1]
    assert page.url.endswith(rows[0]["links"][0])
    assert page.text_content(f"#{anchor}").strip() == rows[0]["text"]


def test_file_page_marks_every_removal_and_toggles(page, seeds_out, tmp_path):
    rep = reports(seeds_out)
    inputs = sorted(rep)
    rel = inputs[1]
    report = rep[rel]
    page.goto((seeds_out / (rel[:-4] + ".html")).as_uri())
    spans = page.eval_on_selector_all(
        "#marked del, #marked mark",
        "els => els.map(e => ({tag: e.tagName, cleaner: e.dataset.cleaner, rule: e.dataset.rule, text: "
        "e.textContent,"
        " deco: getComputedStyle(e).textDecorationLine, label: getComputedStyle(e, '::before').content}))",
    )
    assert [(s["cleaner"], s["rule"], s["text"]) for s in spans] == [
        (d["cleaner"], d["rule"], d["text"]) for d in report["removals"]
    ]
    assert all(s["tag"] == "DEL" and "line-through" in s["deco"] for s in spans)
    assert all(s["label"] == f'"{s["cleaner"]} · {s["rule"]}"' for s in spans)
    counts = page.eval_on_selector_all(
        "#counts tbody tr", "rows => rows.map(r => [r.dataset.cleaner, +r.children[1].textContent])"
    )
    assert dict(counts) == report["counts"]["by_cleaner"]
    original = (Path(__file__).parent.parent / "seeds" / rel).read_text(encoding="utf-8")
    assert page.text_content("#marked") == original
    assert page.is_visible("#marked") and not page.is_visible("#cleaned")
    _shot(page, tmp_path, "file-marked.png")

    page.click("label[for='v-cleaned']")
    assert page.is_visible("#cleaned") and not page.is_visible("#marked")
    assert page.text_content("#cleaned") == (seeds_out / rel).read_text(encoding="utf-8")
    page.click("label[for='v-marked']")
    assert page.is_visible("#marked")

    page.click("#next")
    assert page.url.endswith(inputs[2][:-4] + ".html")
    page.click("#prev")
    page.click("#prev")
    assert page.url.endswith(inputs[0][:-4] + ".html")
    assert page.query_selector("#prev") is None
    page.click("#to-index")
    assert page.url.endswith("/index.html")
    assert page.problems == []


def test_hostile_documents_run_no_script(page, hostile_out, tmp_path):
    _open_index(page, hostile_out)
    pages = [hostile_out / "index.html"] + sorted(
        p for p in hostile_out.rglob("*.html") if p.name != "index.html"
    )
    assert len(pages) == 4
    for p in pages:
        page.goto(p.as_uri())
        page.wait_for_timeout(200)  # time for an onerror or a nested frame to fire if anything were injected
        assert page.evaluate("typeof window.__pwned") == "undefined", p.name
        assert page.evaluate("document.querySelectorAll('img, iframe, b, object, embed').length") == 0, p.name
        assert page.evaluate("document.scripts.length") == (2 if p.name == "index.html" else 0), p.name
    assert page.problems == []

    page.goto((hostile_out / (HOSTILE_NAME[:-4] + ".html")).as_uri())
    marked = page.text_content("#marked")
    for line in HOSTILE_KEPT + [HOSTILE_REMOVED]:
        assert line in marked
    assert page.text_content("#title") == HOSTILE_NAME
    rule_span = page.query_selector("#marked del[data-cleaner='advertisement']")
    assert (
        rule_span.get_attribute("data-rule") == HOSTILE_RULE
        and rule_span.text_content() == HOSTILE_REMOVED + "\n"
    )
    shadow = page.eval_on_selector_all(
        "#marked mark.shadow",
        "els => els.map(e => [e.dataset.rule, e.textContent, getComputedStyle(e).textDecorationLine])",
    )
    assert shadow == [["credit-only line", "Photo: Reuters\n", "none"]]  # shown, marked, not struck
    assert "Photo: Reuters" in (hostile_out / (HOSTILE_NAME[:-4] + ".txt")).read_text(encoding="utf-8")
    _shot(page, tmp_path, "hostile-file.png")

    _open_index(page, hostile_out)
    names = [r["input"] for r in _file_rows(page)]
    assert HOSTILE_NAME in names
    lines = page.eval_on_selector_all("#lines-body td.text", "tds => tds.map(td => td.textContent)")
    assert HOSTILE_REMOVED.strip() in lines
    failed = page.eval_on_selector_all(
        "#failed-body tr", "rows => rows.map(r => [r.children[0].textContent, r.children[1].textContent])"
    )
    assert len(failed) == 1 and failed[0][0] == "broken.txt" and "not valid UTF-8" in failed[0][1]
    shadow_cells = page.eval_on_selector_all(
        "#by-cleaner tbody tr[data-cleaner='image_caption'] td.n", "tds => tds.map(td => +td.textContent)"
    )
    assert shadow_cells[3] == 1
    page.select_option("#cleaner-filter", "image_caption")  # the shadow match counts as the cleaner's
    assert [r["input"] for r in _file_rows(page)] == [HOSTILE_NAME]
    assert page.problems == []


def test_index_pages_through_10000_files(page, tmp_path):
    # Synthetic rows (no cleaning): only the index's paging and sorting at scale are under test here.
    files = [
        {
            "input": f"f{i:05d}.txt",
            "page": f"f{i:05d}.html",
            "error": None,
            "chars_in": 1000,
            "removals": i % 7,
            "lines": i % 7,
            "chars": (i * 37) % 1001,
            "shadow": 0,
            "held": 0,
            "by_cleaner": {"image_caption": [i % 7, i % 7, (i * 37) % 1001, 0, 0]},
            "by_rule": {"image_caption/credit": [i % 7, i % 7, (i * 37) % 1001, 0, 0]},
            "source": ".",
            "risks": ["likely"],
        }
        for i in range(10_000)
    ]
    review = Review(
        summary={"files": 10_000, "cleaned": 10_000},
        files=files,
        cleaners=["image_caption"],
        by_cleaner={
            "image_caption": {"removals": 1, "lines": 1, "chars": 1, "shadow": 0, "held": 0, "files": 1}
        },
    )
    (tmp_path / "index.html").write_text(render_index(review), encoding="utf-8")
    (tmp_path / INDEX_DATA).write_bytes(index_data_bytes(review))
    _open_index(page, tmp_path)
    assert page.eval_on_selector_all("#files-body tr", "rows => rows.length") == 100
    assert "of 10000 (page 1 of 100)" in page.text_content("#files-status")
    page.click("#files-next")
    assert _file_rows(page)[0]["input"] == "f00100.txt"
    page.click("#files-head th[data-key='chars'] button")
    top = max(f["chars"] for f in files)
    assert int(_file_rows(page)[0]["cells"][_column(page, "Chars")]) == top
    assert page.problems == []
