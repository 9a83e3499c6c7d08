"""The review at scale: a synthetic run of N records (default 100,000), reviewed in headless Chromium.

    python benchmarks/review_scale.py [N]

Builds summary.json and one report and cleaned text per record (no cleaning: the records are
made up, consistent enough that restore() rebuilds each original), then measures:
- the review server: start-up (reading every report once), time to first paint of the run, lines
  and files views, and the time to apply a filter (a page load with the filter);
- the static index (index.html + index-data.js, no per-file pages): time to write it, its size,
  time to first paint, time until its tables are built, and the time to apply a filter.
Needs Debian's /usr/bin/chromium and Playwright. Figures, not assertions.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flows.outputs.records import RECORDS_DIR, BatchRecords  # noqa: E402
from flows.review.data import collect_review  # noqa: E402
from flows.review.pages import INDEX_DATA, INDEX_PAGE, index_data_js, render_index  # noqa: E402
from flows.run.pipeline import BATCH_SIZE  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
RULES = [(c, f"{c} rule {k}") for c in ("advertisement", "cookie_banner", "image_caption", "site_chrome",
                                         "license_line", "related_links") for k in range(4)]  # fmt: skip
HASH = "synthetic"


def make_record(i: int, rng: random.Random, lines: list[str]) -> tuple[dict, dict, str]:
    """(summary record, report, cleaned text) of one synthetic file: article lines with 0-5 removals."""
    rel = f"site{i % 50:02d}/f{i:06d}.txt"
    parts, removals, pos = [], [], 0
    for k in range(8):
        if rng.random() < 0.35:
            cleaner, rule = rng.choice(RULES)
            text = rng.choice(lines) + "\n"
            held = rng.random() < 0.02
            removals.append({"cleaner": cleaner, "rule": rule, "start": pos, "end": pos + len(text),
                             "text": text, "line": k + 1, "end_line": k + 1, "shadow": held,
                             **({"held": "looks like article text"} if held else {})})  # fmt: skip
        else:
            text = f"Article sentence {k} of document {i}, which stays.\n"
        parts.append(text)
        pos += len(text)
    original = "".join(parts)
    acting = [r for r in removals if not r["shadow"]]
    cleaned = _cut(original, acting)
    by_rule: dict[str, int] = {}
    for r in acting:
        by_rule[f"{r['cleaner']}/{r['rule']}"] = by_rule.get(f"{r['cleaner']}/{r['rule']}", 0) + 1
    report = {"input": rel, "output": rel, "ruleset_hash": HASH, "chars_in": len(original), "error": None,
              "removals": removals}  # fmt: skip
    record = {"input": rel, "output": rel, "chars_in": len(original), "chars_out": len(cleaned),
              "removals": len(acting), "error": None, "by_rule": by_rule}  # fmt: skip
    if len(acting) < len(removals):
        record["held"] = ["looks like article text"]
    return record, report, cleaned


def _cut(original: str, acting: list[dict]) -> str:
    out, pos = [], 0
    for r in acting:
        out.append(original[pos : r["start"]])
        pos = r["end"]
    return "".join(out) + original[pos:]


def build_run(out: Path, n: int) -> None:
    rng = random.Random(14)
    lines = [f"Boilerplate line {k}: {'subscribe ' * (k % 5)}now" for k in range(3000)]
    records, held, batch = [], [], BatchRecords()  # the reports in the run's layout: a file per batch
    (out / RECORDS_DIR).mkdir(parents=True, exist_ok=True)
    for i in range(n):
        record, report, cleaned = make_record(i, rng, lines)
        stem = out / record["input"][:-4]
        stem.parent.mkdir(parents=True, exist_ok=True)
        stem.with_suffix(".txt").write_text(cleaned, encoding="utf-8")
        batch.add(report)
        records.append(record)
        if len(batch) == BATCH_SIZE or i == n - 1:
            (out / batch.name).write_bytes(batch.data())
            for r in records[-len(batch) :]:
                r["records"] = batch.name
            batch = BatchRecords()
    for record in records:
        if "held" in record:
            held.append(
                {"input": record["input"], "report": record["records"], "reasons": record.pop("held")}
            )
    summary = {"files": n, "cleaned": n, "failed": 0, "ruleset_hash": HASH, "file_records": records,
               "removals": sum(r["removals"] for r in records), "held": held,
               "chars_in": sum(r["chars_in"] for r in records),
               "chars_removed": sum(r["chars_in"] - r["chars_out"] for r in records)}  # fmt: skip
    (out / "summary.json").write_text(json.dumps(summary), encoding="utf-8")


def first_paint(pg) -> float:
    """The page's first contentful paint in ms (polled from here: the pages' CSP forbids eval())."""
    for _ in range(600):
        ms = pg.evaluate("performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1")
        if ms >= 0:
            return ms
        time.sleep(0.1)
    return -1


def measure_server(browser, out: Path) -> None:
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "review", str(out), "--serve"], stdout=subprocess.PIPE, text=True
    )
    try:
        url = proc.stdout.readline().split()[2]
        print(f"server: start-up (reads every report once) {time.perf_counter() - t0:.2f} s")
        pg = browser.new_page(viewport={"width": 1400, "height": 900})
        for view in ("", "lines", "files", "removals", "file?i=777"):
            t = time.perf_counter()
            pg.goto(url + view)
            print(f"server: /{view:<12} first paint {first_paint(pg):7.0f} ms, loaded in "
                  f"{(time.perf_counter() - t) * 1000:6.0f} ms")  # fmt: skip
        for view in ("", "lines"):
            pg.goto(url + view)
            t = time.perf_counter()
            pg.select_option("#f-cleaner", "image_caption")
            with pg.expect_navigation():
                pg.click("#apply")
            print(f"server: filter /{view:<6} by cleaner {(time.perf_counter() - t) * 1000:6.0f} ms "
                  f"(first paint {first_paint(pg):.0f} ms)")  # fmt: skip
    finally:
        proc.terminate()
        proc.wait()


def measure_static(browser, out: Path) -> None:
    t = time.perf_counter()
    review = collect_review(out)
    (out / INDEX_DATA).write_text(index_data_js(review), encoding="utf-8")
    (out / INDEX_PAGE).write_text(render_index(review), encoding="utf-8")
    size = ((out / INDEX_DATA).stat().st_size + (out / INDEX_PAGE).stat().st_size) / 1e6
    print(f"static: index written in {time.perf_counter() - t:.2f} s, {size:.1f} MB (no per-file pages)")
    pg = browser.new_page(viewport={"width": 1400, "height": 900})
    t = time.perf_counter()
    pg.goto((out / INDEX_PAGE).as_uri())
    pg.wait_for_selector("body[data-ready='1']", timeout=120_000)
    ready = (time.perf_counter() - t) * 1000
    print(f"static: first paint {first_paint(pg):.0f} ms, tables built {ready:.0f} ms")
    filters = [("#cleaner-filter", "image_caption"), ("#rule-filter", "site_chrome/site_chrome rule 2"),
               ("#source-filter", "site07"), ("#held-filter", "yes")]  # fmt: skip
    for sel, value in filters:
        ms = pg.evaluate(
            """([sel, value]) => { const s = document.querySelector(sel), t = performance.now();
                 s.value = value; s.dispatchEvent(new Event('change')); return performance.now() - t; }""",
            [sel, value],
        )
        status = pg.text_content("#files-status")
        print(f"static: filter {sel[1:]:<15} = {value:<32} {ms:6.0f} ms ({status})")
        pg.evaluate(
            "(sel) => { const s = document.querySelector(sel); s.value = '';"
            " s.dispatchEvent(new Event('change')); }",
            sel,
        )


def main(n: int) -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        t = time.perf_counter()
        build_run(out, n)
        print(f"{n:,} synthetic records written in {time.perf_counter() - t:.1f} s")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            measure_server(browser, out)
            measure_static(browser, out)
            browser.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
