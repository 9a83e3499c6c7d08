"""Per-cleaner true and false removals on the article benchmark's dev pages (run on demand).

Each page goes through trafilatura.extract(html, include_comments=False) and the default ruleset;
a removed line is a false removal when it is part of the human-written articleBody: equal to one
of its lines, or (30 characters and longer) found inside it. Usage:

    python benchmarks/cleaner_removals.py [DATA_DIR] [--cleaners a,b] [--show]

DATA_DIR defaults to ../shared/data/article-benchmark-dev beside the repo (or beside its parent, for a
worktree); absent, it says so and exits 0.
"""

from __future__ import annotations

import argparse
import collections
import gzip
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cleaners import clean_text, load_ruleset  # noqa: E402

# ../shared beside the main checkout; a worktree under wt/ sits one level deeper.
_CANDIDATES = [
    base / "shared" / "data" / "article-benchmark-dev" for base in (ROOT.parent, ROOT.parent.parent)
]
DEFAULT_DATA = next((c for c in _CANDIDATES if c.is_dir()), _CANDIDATES[0])
_SPACE = re.compile(r"\s+")
_BULLET = re.compile(r"^(?:[-*•]\s+)")
MIN_SUBSTRING_CHARS = 30  # shorter lines ("Comments") occur inside article sentences by chance


def normalise(s: str) -> str:
    return _SPACE.sub(" ", _BULLET.sub("", s.strip())).strip()


def is_in_truth(line: str, truth_lines: set[str], truth_flat: str) -> bool:
    """True if the removed line is article text by the ground truth."""
    n = normalise(line)
    return n in truth_lines or (len(n) >= MIN_SUBSTRING_CHARS and n in truth_flat)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", nargs="?", default=str(DEFAULT_DATA))
    ap.add_argument("--cleaners", default="", help="comma-separated cleaner names to report (default: all)")
    ap.add_argument("--show", action="store_true", help="print every removed line with its verdict")
    args = ap.parse_args(argv)
    data = Path(args.data)
    if not (data / "ground-truth.json").is_file():
        print(f"no benchmark data at {data}; nothing to measure")
        return 0
    import trafilatura

    truth = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    ruleset = load_ruleset()
    wanted = set(filter(None, args.cleaners.split(",")))
    counts: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for path in sorted((data / "html").glob("*.html.gz")):
        key = path.name[: -len(".html.gz")]
        body = truth.get(key, {}).get("articleBody", "")
        text = trafilatura.extract(gzip.decompress(path.read_bytes()), include_comments=False) or ""
        truth_lines = {normalise(ln) for ln in body.splitlines() if ln.strip()}
        truth_flat = normalise(body)
        for r in clean_text(text, ruleset, key).acting:
            if wanted and r.cleaner not in wanted:
                continue
            for ln in r.text.splitlines():
                if not ln.strip():
                    continue
                false = is_in_truth(ln, truth_lines, truth_flat)
                counts[r.cleaner]["false" if false else "true"] += 1
                if args.show:
                    print(
                        f"{'FALSE' if false else 'true '} {r.cleaner}/{r.rule} {key[:8]} {ln.strip()[:120]!r}"
                    )
    print(f"{'cleaner':20} {'true':>6} {'false':>6}")
    for name in sorted(counts):
        print(f"{name:20} {counts[name]['true']:6} {counts[name]['false']:6}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
