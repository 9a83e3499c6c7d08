"""CPU per page of HTML extraction (flows.inputs.extract.extract_html) on both dev sets, against another
checkout.

    python benchmarks/extraction_cpu.py --against ../main             # 3 alternated pairs, every dev page
    python benchmarks/extraction_cpu.py --against ../main --pairs 5 --mode trimmed

Each run extracts every HTML page of both dev sets in a fresh process that imports the named checkout's
flows/ (one page first, untimed, so lazy imports are not counted) and times each page's extract_html with
time.process_time. Runs alternate (other, this, other, this, ...) so a change in the machine's load hits
both alike; compare the ratios of a pair, not absolute figures. The outputs (the text and the report's
`extraction` entry, or the error) of every page are compared between the two checkouts, page by page.
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: import this checkout's code
    sys.path.insert(0, str(ROOT))

from benchmarks.dev_sets import ARTICLE, TRAFILATURA, data_dir, load_set  # noqa: E402


def page_files() -> list[Path]:
    """Every dev page's gzipped HTML file, both sets, in a fixed order (exit 0 when a set is absent)."""
    files = []
    for name in (ARTICLE, TRAFILATURA):
        data = data_dir(name)
        if data is None:
            print(f"extraction_cpu: no ../shared/data/ dev set {name} beside {ROOT}: nothing to measure")
            raise SystemExit(0)
        files += [p.path for p in load_set(name, data)]
    return files


def worker(checkout: str, mode: str, listing: str, out: str) -> None:
    """Extract the listed pages with `checkout`'s flows/; write each page's CPU seconds and outputs."""
    sys.path.insert(0, checkout)
    import flows
    from flows.inputs.extract import ExtractionError, extract_html

    assert Path(flows.__file__).is_relative_to(checkout), flows.__file__
    files = Path(listing).read_text(encoding="utf-8").splitlines()
    pages = [(f[: -len(".gz")], gzip.decompress(Path(f).read_bytes())) for f in files]

    def one(name: str, data: bytes) -> dict:
        try:
            ext = extract_html(data, Path(name).name, mode)
        except ExtractionError as exc:
            return {"error": str(exc)}
        return {"text": ext.text, "record": ext.record()}

    one(*pages[0])  # imports and caches, untimed
    rows = []
    for name, data in pages:
        start = time.process_time()
        result = one(name, data)
        rows.append({"page": name, "cpu": time.process_time() - start, **result})
    Path(out).write_text(json.dumps(rows), encoding="utf-8")


def run(checkout: Path, mode: str, listing: Path, tmp: Path, n: int) -> list[dict]:
    out = tmp / f"run{n}.json"
    cmd = [sys.executable, __file__, "--worker", str(checkout), "--mode", mode, str(listing), str(out)]
    subprocess.run(cmd, check=True, cwd=checkout)
    return json.loads(out.read_text(encoding="utf-8"))


def differing(a: list[dict], b: list[dict]) -> list[str]:
    """The pages whose outputs (text, report entry or error) differ between two runs."""
    return [x["page"] for x, y in zip(a, b, strict=True) if {**x, "cpu": 0} != {**y, "cpu": 0}]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--against", type=Path, help="the other checkout (e.g. ../main)")
    ap.add_argument("--pairs", type=int, default=3, help="alternated pairs of runs (default 3)")
    ap.add_argument("--mode", default="consensus", help="config `extraction:` (default consensus)")
    ap.add_argument("--limit", type=int, default=0, help="only the first N pages (0: all)")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("files", nargs="*", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        return worker(args.worker, args.mode, *args.files)
    if args.against is None:
        ap.error("--against is required")
    files = page_files()[: args.limit or None]
    with tempfile.TemporaryDirectory() as tmp:
        listing = Path(tmp) / "pages.txt"
        listing.write_text("\n".join(map(str, files)), encoding="utf-8")
        print(f"{len(files)} pages, mode {args.mode}; CPU ms per page (process_time), other vs this checkout")
        first, diff, ratios = None, set(), []
        for i in range(args.pairs):
            cpu = {}
            for label, checkout in (("other", args.against.resolve()), ("this", ROOT)):
                rows = run(checkout, args.mode, listing, Path(tmp), len(cpu) + 2 * i)
                first = first or rows  # every run's outputs are compared with the first's
                diff.update(differing(first, rows))
                cpu[label] = 1000 * sum(r["cpu"] for r in rows) / len(rows)
            ratios.append(cpu["this"] / cpu["other"])
            print(f"pair {i + 1}: other {cpu['other']:.1f}  this {cpu['this']:.1f}  ratio {ratios[-1]:.3f}")
        median = sorted(ratios)[len(ratios) // 2]
        print(f"this/other: {min(ratios):.3f}-{max(ratios):.3f} (median {median:.3f})")
        print(f"outputs: {len(files) - len(diff)} of {len(files)} pages identical in every run; differing:")
        print("\n".join(sorted(diff)[:20]) or "none")
    return None


if __name__ == "__main__":
    main()
