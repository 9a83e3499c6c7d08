"""Benchmark `mine` on a generated corpus (default 100,000 files in 100 folders): files/s and peak memory.

    python benchmarks/mine.py                      # generate into a temp folder, measure, delete it
    python benchmarks/mine.py --files 20000 --keep /tmp/corpus

The baseline, in the same process, is reading and decoding every file without counting, so the
ratio says what the counting costs on top of the I/O.
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from synthetic_sources import article  # noqa: E402

from cleaners.mining import LineCounter, proposal_yaml  # noqa: E402
from flows.inputs.decode import decode_document  # noqa: E402
from flows.inputs.discover import discover_inputs  # noqa: E402
from flows.inputs.line_counts import count_lines  # noqa: E402


def generate(root: Path, files: int, sources: int, seed: int = 8) -> dict[str, list[str]]:
    rng = random.Random(seed)
    residue = {
        f"site{s:03d}": [f"Site {s} menu", f"Follow site {s} on social media", f"Hotline {s}: 010-{s:08d}"]
        for s in range(sources)
    }
    names = sorted(residue)
    for i in range(files):
        source = names[i % sources]
        folder = root / source
        folder.mkdir(exist_ok=True)
        (folder / f"p{i:06d}.txt").write_text(article(rng, "news", residue[source]), encoding="utf-8")
    return residue


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=100_000)
    ap.add_argument("--sources", type=int, default=100)
    ap.add_argument("--capacity", type=int, default=2000, help="distinct lines tracked per source")
    ap.add_argument("--keep", metavar="DIR", help="generate into DIR (reused if it exists) and keep it")
    args = ap.parse_args()

    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bc-mine-"))
    try:
        if not any(root.glob("*/*.txt")):
            t = time.perf_counter()
            root.mkdir(parents=True, exist_ok=True)
            generate(root, args.files, args.sources)
            print(
                f"generated {args.files} files in {args.sources} folders in {time.perf_counter() - t:.1f} s"
            )
        items = list(discover_inputs([root]))
        size = sum(Path(i.path).stat().st_size for i in items)
        print(f"corpus: {len(items)} files, {size / 1e6:.0f} MB")

        t = time.perf_counter()
        for item in items:
            decode_document(Path(item.path).read_bytes())
        base = time.perf_counter() - t
        print(f"baseline (read + decode only): {base:.1f} s, {len(items) / base:.0f} files/s")

        rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t = time.perf_counter()
        counter, errors, _ = count_lines(items, "folder", args.capacity)
        frequent = counter.frequent(10, 0.5)
        snippet = proposal_yaml(frequent, "folder")
        mine = time.perf_counter() - t
        rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(
            f"mine (read + count + propose): {mine:.1f} s, {len(items) / mine:.0f} files/s, "
            f"{mine / base:.1f}x the baseline"
        )
        print(
            f"tracked {counter.tracked()} distinct lines (bound {args.capacity} x {len(counter.docs)} "
            "sources); "
            f"peak RSS {rss1 / 1024:.0f} MB (grew {max(0, rss1 - rss0) / 1024:.0f} MB while counting); "
            f"proposed {len(frequent)} lines ({len(snippet.splitlines())} YAML lines), {len(errors)} errors"
        )
        assert isinstance(counter, LineCounter)
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
