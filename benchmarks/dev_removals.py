"""Removed lines on the dev set, per cleaner: true removals (not in the human articleBody) and false ones.

Usage: python benchmarks/dev_removals.py [DATA_DIR] [--lines]
Each page goes through trafilatura.extract(html, include_comments=False), then the default ruleset.
A removed line is a false removal when its whitespace-normalised text occurs in the page's
articleBody. Skips cleanly when the data set is absent; the data is never copied into the repo.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cleaners import clean_text, load_ruleset  # noqa: E402



def _find_data() -> Path:
    """../shared/data/article-benchmark-dev beside the checkout, or beside any parent (for git worktrees)."""
    for parent in ROOT.parents:
        candidate = parent / "shared" / "data" / "article-benchmark-dev"
        if candidate.exists():
            return candidate
    return ROOT.parent / "shared" / "data" / "article-benchmark-dev"


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def count_removals(data: Path, show_lines: bool = False) -> dict[str, list[int]]:
    """{cleaner: [true, false]} over every page of the data set."""
    import trafilatura

    truth = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    ruleset = load_ruleset()
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for path in sorted((data / "html").glob("*.html.gz")):
        key = path.name[: -len(".html.gz")]
        text = trafilatura.extract(gzip.decompress(path.read_bytes()), include_comments=False) or ""
        body = _norm(truth[key]["articleBody"])
        for removal in clean_text(text, ruleset).acting:
            for line in removal.text.splitlines():
                s = _norm(line)
                if not s:
                    continue
                false = s in body
                counts[removal.cleaner][int(false)] += 1
                if show_lines:
                    print(f"{'FALSE' if false else 'true '} {removal.cleaner}/{removal.rule}: {s[:120]}  <{truth[key]['url'][:60]}>")
    return counts


def main(argv: list[str]) -> int:
    args = [a for a in argv if not a.startswith("--")]
    data = Path(args[0]) if args else _find_data()
    if not (data / "ground-truth.json").exists():
        print(f"dev set not found at {data}; skipping")
        return 0
    counts = count_removals(data, show_lines="--lines" in argv)
    print(f"{'cleaner':16}{'true':>6}{'false':>7}")
    for cleaner, (true, false) in sorted(counts.items()):
        print(f"{cleaner:16}{true:>6}{false:>7}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
