"""How long the review pages take next to the cleaning itself, on N copies of the seeds (default 2,000 files).

    python benchmarks/bench_review.py [N]

Prints the cleaning time (flow without review pages), the review time (write_review from the
reports), their ratio, and the size of index.html + index-data.js. Figures, not assertions.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import flows.run.pipeline as run_module
import flows.run.prefect_flow as clean_flow_module
from flows.review.pages import INDEX_DATA, INDEX_PAGE
from flows.review.write import write_review

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def main(n: int) -> None:
    seeds = sorted(SEEDS.glob("*.txt"))
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in"
        for i in range(n):
            d = src / f"d{i // 1000:02d}"
            d.mkdir(parents=True, exist_ok=True)
            (d / f"{i:05d}.txt").write_bytes(seeds[i % len(seeds)].read_bytes())
        out = Path(tmp) / "out"
        real = run_module.write_run_review
        run_module.write_run_review = lambda out, summary, *args, **kwargs: None  # baseline: cleaning only
        try:
            t0 = time.perf_counter()
            summary = clean_flow_module.clean_flow.fn(paths=[str(src)], out=str(out))
            t_clean = time.perf_counter() - t0
        finally:
            run_module.write_run_review = real
        t0 = time.perf_counter()
        write_review(out, summary)
        t_review = time.perf_counter() - t0
        size = (out / INDEX_PAGE).stat().st_size + (out / INDEX_DATA).stat().st_size
        pages = sum(1 for _ in out.rglob("*.html")) - 1
        print(
            f"{n} files: cleaning {t_clean:.2f} s, review pages {t_review:.2f} s ({pages} pages), "
            f"review/cleaning {t_review / t_clean:.2f}; index.html + {INDEX_DATA} {size / 1e6:.2f} MB"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
