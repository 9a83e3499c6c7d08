"""Article-body quality: both dev sets in fixed halves, or the article benchmark's pages one by one.

    python benchmarks/article_quality.py            # both dev sets, halves A/B/all, candidates, held-out
                                                    # choice and issue 12's targets (benchmarks/heldout.py)
    python benchmarks/article_quality.py --single   # the article benchmark alone through the real flow
    python benchmarks/article_quality.py -v         # ... and every removed line that was article text
    python benchmarks/article_quality.py --residue  # ... and the kept lines that are not article text
    python benchmarks/article_quality.py --sweep    # trafilatura settings (how EXTRACT_SETTINGS was chosen)

With any option but none, the single-set report: it reads ../shared/data/article-benchmark-dev/ (from the
repo root; --data to point elsewhere): html/<id>.html.gz and ground-truth.json ({id: {"articleBody",
"url"}}). The data is never copied into the repo; without it the benchmark says so and exits 0.
Scoring is in benchmarks/shingle_score.py.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: import this checkout's code
    sys.path.insert(0, str(ROOT))

from benchmarks.dev_sets import ARTICLE, data_dir, pipeline_flow, pipeline_hooks  # noqa: E402
from benchmarks.shingle_score import TOKEN, Score, score_page, score_pages, shingles  # noqa: E402
from flows.outputs.records import ReportReader  # noqa: E402

DATA_REL = Path("..") / "shared" / "data" / "article-benchmark-dev"


def default_data() -> Path:
    """../shared/data/article-benchmark-dev from the repo root; in a worktree, the main checkout's too."""
    return data_dir(ARTICLE) or (ROOT / DATA_REL).resolve()


DEFAULT_DATA = default_data()

# The target: F1 at least this, recall no lower than trafilatura alone minus RECALL_SLACK.
TARGET_F1 = 0.978
RECALL_SLACK = 0.003

# Settings compared by --sweep (include_comments is always False: comments are not the article).
SWEEP = {
    "default": {},
    "favor_precision": {"favor_precision": True},
    "favor_recall": {"favor_recall": True},
    "favor_precision, no tables": {"favor_precision": True, "include_tables": False},
    "favor_precision, deduplicate": {"favor_precision": True, "deduplicate": True},
    "favor_precision, fast": {"favor_precision": True, "fast": True},
    "default, no tables": {"include_tables": False},
}


def load_pages(data: Path) -> tuple[dict[str, dict], dict[str, Path]]:
    """Ground truth by page id, and each page's HTML file."""
    truth = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    html = {p.name.split(".")[0]: p for p in sorted((data / "html").glob("*.html.gz"))}
    missing = sorted(set(truth) - set(html))
    if missing:
        raise SystemExit(f"article_quality: {len(missing)} pages have no HTML file, e.g. {missing[0]}")
    return truth, html


def in_truth(
    line: str, truth: str, truth_tokens: str | None = None, truth_shingles: Counter | None = None
) -> bool:
    """Whether a line is article text. A one-word line must be a line of the truth ("More:" is not
    article text because "More than 2,500" is); a line of 2-3 words must be a run of the truth's
    words; a longer line must have at least half of its 4-token shingles in the truth."""
    tokens = TOKEN.findall(line)
    if not tokens:
        return False
    if len(tokens) == 1:
        return any(TOKEN.findall(t) == tokens for t in truth.splitlines())
    if len(tokens) < 4:
        hay = truth_tokens if truth_tokens is not None else " " + " ".join(TOKEN.findall(truth)) + " "
        return f" {' '.join(tokens)} " in hay
    mine = shingles(line)
    theirs = truth_shingles if truth_shingles is not None else shingles(truth)
    return 2 * sum((mine & theirs).values()) >= sum(mine.values())


def extract_all(html: dict[str, Path], settings: dict) -> dict[str, str]:
    """trafilatura.extract over every page with the given settings (comments never included)."""
    import trafilatura

    decode_html = pipeline_hooks()["decode_html"]
    out = {}
    for key, path in html.items():
        text, _ = decode_html(path.read_bytes(), path.name)
        out[key] = trafilatura.extract(text, include_comments=False, **settings) or ""
    return out


def run_boilerclean(html_dir: Path, config: str | None = None) -> tuple[dict[str, str], dict[str, dict]]:
    """The real pipeline (clean_flow in-process, default ruleset) into a temp folder: texts, reports by id."""
    clean_flow = pipeline_flow()
    with tempfile.TemporaryDirectory(prefix="article-quality-") as tmp:
        summary = clean_flow.fn(paths=[str(html_dir)], out=tmp, config=config)
        texts, reports = {}, {}
        reader = ReportReader(tmp)  # each report is a line of its batch's removals/*.jsonl
        for rec in summary["file_records"]:
            report = reader.report(rec["input"], rec.get("records"))
            if report is None:
                continue
            key = rec["input"].split(".")[0]
            reports[key] = report
            out = Path(tmp) / f"{key}.txt"
            texts[key] = out.read_text(encoding="utf-8") if out.exists() else ""
    return texts, reports


def score(truth: dict[str, dict], predictions: dict[str, str]) -> Score:
    return score_pages(score_page(truth[k].get("articleBody", ""), predictions.get(k, "")) for k in truth)


def fmt(name: str, s: Score, seconds: float | None = None) -> str:
    t = f"  {seconds:6.1f}s" if seconds is not None else ""
    return f"{name:<40} P {s.precision:.4f}  R {s.recall:.4f}  F1 {s.f1:.4f}  ({s.pages} pages){t}"


def removal_lines(reports: dict[str, dict], truth: dict[str, dict]):
    """(page, cleaner/rule, line, is article text) for every non-blank line that boilerclean removed."""
    for key, report in sorted(reports.items()):
        body = truth[key].get("articleBody", "")
        tt, ts = " " + " ".join(TOKEN.findall(body)) + " ", shingles(body)
        for r in report.get("removals") or []:
            if r.get("shadow"):
                continue
            for line in r["text"].splitlines():
                if line.strip():
                    yield key, f"{r['cleaner']}/{r['rule']}", line.strip(), in_truth(line, body, tt, ts)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv:  # the two-set report of issue 12
        from benchmarks.heldout import main as heldout_main

        return heldout_main([])
    return single_set(argv)


def single_set(argv: list[str]) -> int:
    """The article benchmark through the real flow: trafilatura rows, boilerclean, per-cleaner removals."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help=f"benchmark folder (default {DEFAULT_DATA})"
    )
    ap.add_argument(
        "-v", "--verbose", action="store_true", help="list every false removal (removed article text)"
    )
    ap.add_argument(
        "--residue", action="store_true", help="list lines boilerclean kept that are not article text"
    )
    ap.add_argument(
        "--pages", action="store_true", help="list the pages where boilerclean loses most (1-P, 1-R)"
    )
    ap.add_argument(
        "--config", metavar="FILE", help="a user ruleset on top of the defaults (to try rules out)"
    )
    ap.add_argument("--sweep", action="store_true", help="also score trafilatura under other settings")
    ap.add_argument("--single", action="store_true", help="this report without any other option")
    args = ap.parse_args(argv)
    if not (args.data / "ground-truth.json").is_file():
        print(f"article_quality: no benchmark data at {args.data} (ground-truth.json missing); skipped.")
        return 0
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    logging.getLogger("boilerclean").setLevel(logging.WARNING)

    import trafilatura

    EXTRACT_SETTINGS = pipeline_hooks()["EXTRACT_SETTINGS"]
    truth, html = load_pages(args.data)
    print(f"article_quality: {len(truth)} pages from {args.data}, trafilatura {trafilatura.__version__}")
    rows = {"trafilatura (default)": {}, "trafilatura favor_precision": {"favor_precision": True}}
    if args.sweep:
        rows.update(
            {f"trafilatura {k}": v for k, v in SWEEP.items() if k not in ("default", "favor_precision")}
        )
    scores = {}
    for name, settings in rows.items():
        t = time.perf_counter()
        scores[name] = score(truth, extract_all(html, settings))
        print(fmt(name, scores[name], time.perf_counter() - t))

    t = time.perf_counter()
    texts, reports = run_boilerclean(args.data / "html", args.config)
    ours = score(truth, texts)
    settings = ", ".join(f"{k}={v}" for k, v in sorted(EXTRACT_SETTINGS.items()))
    mode = pipeline_hooks()["DEFAULT_EXTRACTION"]
    print(fmt("boilerclean", ours, time.perf_counter() - t), f"[extraction: {mode}, {settings}]")
    held = {k: len(r["held_for_review"]) for k, r in reports.items() if r.get("held_for_review")}
    if held:
        print(f"  held for review (kept in the text): {sum(held.values())} removals on {len(held)} pages")
    errors = {k: r["error"] for k, r in reports.items() if r.get("error")}
    for k, e in sorted(errors.items()):
        print(f"  page {k[:12]}: {e}")

    base = scores["trafilatura (default)"]
    met = ours.f1 >= TARGET_F1 and ours.recall >= base.recall - RECALL_SLACK
    print(
        f"target: F1 >= {TARGET_F1} and R >= {base.recall - RECALL_SLACK:.3f} (trafilatura alone - "
        f"{RECALL_SLACK}): " + ("met" if met else "NOT met")
    )

    per: dict[str, Counter] = defaultdict(Counter)
    false_removals = []
    for key, rule, line, was_article in removal_lines(reports, truth):
        cleaner = rule.split("/", 1)[0]
        per[cleaner]["false" if was_article else "true"] += 1
        if was_article:
            false_removals.append((key, rule, line))
    print(f"\n{'removed lines by cleaner':<26} {'true':>6} {'false':>6}")
    for cleaner in sorted(per):
        print(f"{cleaner:<26} {per[cleaner]['true']:>6} {per[cleaner]['false']:>6}")
    if not per:
        print("(nothing removed)")
    if args.verbose:
        print(f"\nfalse removals ({len(false_removals)}): lines removed that are in the ground truth")
        for key, rule, line in false_removals:
            print(f"  {key[:12]} {rule}: {line[:200]}")
    if args.pages:
        print("\npages by boilerclean's loss: 1-P  1-R")
        rows = []
        for k in truth:
            body = truth[k].get("articleBody", "")
            s = score_page(body, texts.get(k, ""))
            rows.append((1 - s.precision, 1 - s.recall, k))
        for lp, lr, k in sorted(rows, reverse=True)[:25]:
            print(f"  {lp:.3f} {lr:.3f}  {k[:12]} {truth[k].get('url', '')[:80]}")
    if args.residue:
        print("\nresidue: lines boilerclean kept that are not in the ground truth")
        for key in sorted(texts):
            body = truth[key].get("articleBody", "")
            tt, ts = " " + " ".join(TOKEN.findall(body)) + " ", shingles(body)
            # Lines without a word (table rules, bullets) do not count in the score and are not listed.
            left = [
                ln.strip()
                for ln in texts[key].splitlines()
                if TOKEN.search(ln) and not in_truth(ln, body, tt, ts)
            ]
            if left:
                print(f"  {key[:12]} {truth[key].get('url', '')[:90]}")
                for ln in left:
                    print(f"      {ln[:160]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
