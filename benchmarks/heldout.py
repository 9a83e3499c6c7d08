"""Both dev sets, fixed halves A and B side by side: trafilatura, boilerclean today, candidate pipelines,
per-cleaner removals, issue 12's targets and the held-out choice of a pipeline.

    python benchmarks/heldout.py               # (article_quality.py with no option runs this)
    python benchmarks/heldout.py --set article-benchmark

Halves and caching: benchmarks/dev_sets.py. Scores: benchmarks/shingle_score.py (article benchmark),
benchmarks/snippet_score.py (trafilatura-eval-dev, as its README says). Candidates: benchmarks/candidates.py,
designed on half A only. Held-out protocol: for each set, the candidate with the best F1 on one half,
among those that meet the target's recall floor there, is reported on the other half, both ways.
A set that is absent from ../shared/data is skipped with a message.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: import this checkout's code
    sys.path.insert(0, str(ROOT))

from benchmarks import candidates as cand  # noqa: E402
from benchmarks.dev_sets import (  # noqa: E402
    ARTICLE,
    TRAFILATURA,
    Page,
    data_dir,
    extract,
    load_set,
    pipeline_hooks,
)
from benchmarks.shingle_score import TOKEN, score_page, score_pages, shingles  # noqa: E402
from benchmarks.snippet_score import is_article_line, score_snippets, total  # noqa: E402

HALVES = ("A", "B", "all")
# Issue 12's targets: (F1 gain over trafilatura default, recall loss allowed), per set.
TARGETS = {ARTICLE: (0.015, 0.005), TRAFILATURA: (0.008, 0.010)}
BASELINE = "trafilatura default"


@dataclass(frozen=True, slots=True)
class Fig:
    precision: float
    recall: float
    f1: float

    def __str__(self) -> str:
        return f"{self.precision:.4f} {self.recall:.4f} {self.f1:.4f}"


def figures(set_name: str, pages: list[Page], texts: dict[str, str], which: str) -> Fig:
    """P, R, F1 of the texts over one half ('A', 'B') or 'all'."""
    chosen = [p for p in pages if which == "all" or p.half == which]
    if set_name == ARTICLE:
        s = score_pages(score_page(p.truth, texts.get(p.id, "")) for p in chosen)
    else:
        s = total(score_snippets(p.truth, texts.get(p.id, "")) for p in chosen)
    return Fig(s.precision, s.recall, s.f1)


def article_judge(page: Page):
    """line -> is it article text, for one page (see the set's docstring for the definition)."""
    from benchmarks.article_quality import in_truth

    if isinstance(page.truth, str):
        tt, ts = " " + " ".join(TOKEN.findall(page.truth)) + " ", shingles(page.truth)
        return lambda line: in_truth(line, page.truth, tt, ts)
    return lambda line: is_article_line(line, page.truth)


@dataclass
class Run:
    """One system's texts by page id, and (for cleaned systems) its acting and held removals."""

    texts: dict[str, str]
    removals: dict[str, list]
    held: dict[str, list]


def run_plain(pages: list[Page], settings: dict) -> Run:
    return Run({p.id: extract(p, settings) for p in pages}, {}, {})


def run_cleaned(pages: list[Page], get_text, ruleset, headline: str) -> Run:
    run = Run({}, {}, {})
    for p in pages:
        run.texts[p.id], run.removals[p.id], run.held[p.id] = cand.clean(get_text(p), p, ruleset, headline)
    return run


def rulesets() -> dict[str, object]:
    """The default ruleset with the quarantine as it is today, and with it off."""
    from cleaners import load_ruleset, ruleset_from_mapping

    return {
        "on": load_ruleset(),
        "off": ruleset_from_mapping({"quarantine": {"enabled": False}}, "<quarantine off>"),
    }


def systems(pages: list[Page]) -> tuple[dict[str, Run], dict[str, Run]]:
    """The reference rows (trafilatura alone, boilerclean today) and every candidate."""
    hooks, rs = pipeline_hooks(), rulesets()
    today = cand.extraction(cand.MODES[hooks["DEFAULT_EXTRACTION"]])
    ref = {
        BASELINE: run_plain(pages, cand.SETTINGS["default"]),
        "trafilatura favor_precision": run_plain(pages, cand.SETTINGS["favor_precision"]),
        "boilerclean (today)": run_cleaned(pages, today, rs["on"], "drop"),
    }
    cands = {}
    for ex in cand.EXTRACTIONS:
        get = cand.extraction(ex)
        for q in ("on", "off"):
            for headline in ("drop", "keep"):
                cands[f"{ex} +cleaners q={q} headline={headline}"] = run_cleaned(pages, get, rs[q], headline)
    return ref, cands


def table(set_name: str, pages: list[Page], runs: dict[str, Run]) -> dict[str, dict[str, Fig]]:
    """Print P R F1 per half for every run; return the figures."""
    out = {name: {h: figures(set_name, pages, run.texts, h) for h in HALVES} for name, run in runs.items()}
    width = max(len(n) for n in out) + 1
    print(f"{'system':<{width}} | {'A: P R F1':<20} | {'B: P R F1':<20} | all: P R F1")
    for name, figs in out.items():
        print(f"{name:<{width}} | " + " | ".join(f"{figs[h]!s:<20}" for h in HALVES))
    return out


def removal_table(pages: list[Page], run: Run) -> None:
    """True and false removed lines per cleaner, per half; and what the quarantine held."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for p in pages:
        judge = article_judge(p)
        for r in run.removals.get(p.id, []):
            for line in r.text.splitlines():
                if line.strip():
                    verdict = "false" if judge(line) else "true"
                    for h in (p.half, "all"):
                        counts[r.cleaner][f"{h} {verdict}"] += 1
    print(
        f"\nremoved lines by cleaner (boilerclean today)  {'A true/false':>14} {'B true/false':>14}"
        f" {'all':>12}"
    )
    for cleaner in sorted(counts):
        c = counts[cleaner]
        cells = [f"{c[h + ' true']}/{c[h + ' false']}" for h in HALVES]
        print(f"  {cleaner:<43} {cells[0]:>14} {cells[1]:>14} {cells[2]:>12}")
    held = sum(len(v) for v in run.held.values())
    print(
        f"  held by the quarantine (kept in the text): {held} removals"
        f" on {sum(1 for v in run.held.values() if v)} pages"
    )


def target_met(set_name: str, figs: dict[str, Fig], base: dict[str, Fig], h: str) -> tuple[bool, str]:
    gain, slack = TARGETS[set_name]
    f1_ok = figs[h].f1 >= base[h].f1 + gain
    r_ok = figs[h].recall >= base[h].recall - slack
    why = (
        f"F1 {figs[h].f1:.4f} vs >= {base[h].f1 + gain:.4f},"
        f" R {figs[h].recall:.4f} vs >= {base[h].recall - slack:.4f}"
    )
    return f1_ok and r_ok, why


def choose(set_name: str, cands: dict[str, dict[str, Fig]], base: dict[str, Fig], h: str) -> str:
    """The best F1 on half h among candidates meeting the recall floor there (best F1 of all if none does)."""
    slack = TARGETS[set_name][1]
    ok = [n for n, f in cands.items() if f[h].recall >= base[h].recall - slack] or list(cands)
    return max(ok, key=lambda n: cands[n][h].f1)


def heldout(
    set_name: str, ref: dict[str, dict[str, Fig]], cands: dict[str, dict[str, Fig]]
) -> dict[str, str]:
    """Print the held-out choices both ways and whether they meet the targets; return {tuned half: choice}."""
    base, gain = ref[BASELINE], TARGETS[set_name]
    print(
        f"\ntargets on the held-out half: F1 >= trafilatura default + {gain[0]},"
        f" R >= trafilatura default - {gain[1]}"
    )
    for name in ("boilerclean (today)",):
        for h in ("A", "B"):
            met, why = target_met(set_name, ref[name], base, h)
            print(f"  {name} on half {h}: {'met' if met else 'NOT met'} ({why})")
    chosen = {}
    for tune, test in (("A", "B"), ("B", "A")):
        pick = chosen[tune] = choose(set_name, cands, base, tune)
        met, why = target_met(set_name, cands[pick], base, test)
        print(f"  chosen on {tune}: {pick}")
        print(
            f"    on {tune} {cands[pick][tune]}; held out on {test} {cands[pick][test]}:"
            f" {'met' if met else 'NOT met'} ({why})"
        )
    return chosen


def run_set(set_name: str) -> None:
    data = data_dir(set_name)
    if data is None:
        print(f"\n== {set_name}: no data in ../shared/data; skipped")
        return
    pages = load_set(set_name, data)
    n = Counter(p.half for p in pages)
    print(f"\n== {set_name}: {len(pages)} pages (half A {n['A']}, half B {n['B']}) from {data}")
    t = time.perf_counter()
    ref_runs, cand_runs = systems(pages)
    ref = table(set_name, pages, ref_runs)
    removal_table(pages, ref_runs["boilerclean (today)"])
    print(
        "\ncandidates (extraction, then the default cleaners;"
        " q = quarantine, headline = page_title's removals)"
    )
    cands = table(set_name, pages, cand_runs)
    heldout(set_name, ref, cands)
    print(f"({set_name}: {time.perf_counter() - t:.1f}s)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--set", choices=(ARTICLE, TRAFILATURA), help="only this set (default both)")
    args = ap.parse_args(argv)
    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    import trafilatura

    t = time.perf_counter()
    print(
        f"heldout: trafilatura {trafilatura.__version__};"
        f" extraction of boilerclean today: {pipeline_hooks()['DEFAULT_EXTRACTION']}"
    )
    for set_name in [args.set] if args.set else [ARTICLE, TRAFILATURA]:
        run_set(set_name)
    print(f"\ntotal {time.perf_counter() - t:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
