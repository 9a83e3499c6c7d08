"""Short, boilerplate-heavy documents (issue 12): what the default ruleset removes, quarantine on and off;
and what the rogue rule sets of issue 12 do to article lines.

    python benchmarks/short_docs.py        # the tables
    python benchmarks/short_docs.py -v     # ... and every line handled wrongly with the quarantine off
    python benchmarks/short_docs.py --half a   # only half A of each language (b: the held-out half B)

Documents: tests/data/short_docs/<lang>.yaml, every line labelled `article` or with the cleaner kind
that should remove it (see the README there). A line counts as removed when at least half of its
non-space characters are inside acting removals, and as held when a held removal touches it.
Quarantine off is the same ruleset with `quarantine: {enabled: false}` (ruleset_from_mapping).

Rogue rules: each pattern is added as a user cleaner `rogue` (one rule) on top of the defaults. Article
lines are the labelled `article` lines of the short documents, and for seeds/*.txt the lines that the
golden output clean/<seed>.txt keeps (what the default ruleset leaves is the article).

Halves: within each language file, the documents at an even index (0, 2, ...) are half A, those at an
odd index half B; rules for a language are designed on half A and half B is reported held out.
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: import this checkout's code
    sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from cleaners import clean_text, load_ruleset, ruleset_from_mapping  # noqa: E402

DOCS = ROOT / "tests" / "data" / "short_docs"
KINDS = ("cookie_banner", "license_line", "advertisement", "image_caption")
ROGUE = (r"\w", r".", r"[a-z]", r"^.{20,}$")
TARGET_LANGUAGES = 6  # issue 12: every cookie, licence, ad and caption line goes in at least six languages


def load_docs(folder: Path = DOCS, half: str = "") -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(lang, name, [(kind, line)]) for every labelled document, or for half "a" or "b" of each file."""
    out = []
    for path in sorted(folder.glob("*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        for i, doc in enumerate(raw["documents"]):
            if half and "ab"[i % 2] != half:
                continue
            lines = [next(iter(item.items())) for item in doc["lines"]]
            bad = [k for k, _ in lines if k != "article" and k not in KINDS]
            if bad:
                raise SystemExit(f"{path}: document {doc['name']!r} has an unknown kind {bad[0]!r}")
            out.append((raw["lang"], doc["name"], lines))
    return out


def line_fates(lines: list[str], ruleset) -> list[str]:
    """'removed', 'held' or 'kept' for each line of the document made of these lines."""
    text = "\n".join(lines)
    result = clean_text(text, ruleset)
    acting = [(r.start, r.end) for r in result.removals if not r.shadow]
    held = [(r.start, r.end) for r in result.removals if r.held]
    fates, pos = [], 0
    for line in lines:
        start, end = pos, pos + len(line)
        pos = end + 1
        solid = [i for i in range(start, end) if not text[i].isspace()]
        covered = sum(any(a <= i < b for a, b in acting) for i in solid)
        if solid and 2 * covered >= len(solid):
            fates.append("removed")
        elif any(a < end and start < b for a, b in held):
            fates.append("held")
        else:
            fates.append("kept")
    return fates


def quarantine_rulesets() -> dict[str, object]:
    return {
        "on": load_ruleset(),
        "off": ruleset_from_mapping({"quarantine": {"enabled": False}}, "<quarantine off>"),
    }


def all_went(counts: dict[tuple[str, str], Counter], lang: str, q: str) -> bool:
    """Whether every boilerplate line of the language went (quarantine q)."""
    return all(counts[(lang, k)][f"{q} removed"] == counts[(lang, k)][f"{q} total"] for k in KINDS)


def boilerplate_table(docs) -> None:
    """Per language and kind: lines removed / lines, held lines; quarantine on and off."""
    counts: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for q, ruleset in quarantine_rulesets().items():
        for lang, _, lines in docs:
            for (kind, _), fate in zip(lines, line_fates([t for _, t in lines], ruleset), strict=True):
                for key in ((lang, kind), ("all", kind)):
                    counts[key][f"{q} total"] += 1
                    counts[key][f"{q} {fate}"] += 1
    langs = sorted({lang for lang, _, _ in docs}) + ["all"]
    print("lines removed / lines, by language and kind: quarantine on (held) | quarantine off")
    print(f"{'lang':<5} " + " ".join(f"{k:>22}" for k in (*KINDS, "article")))
    for lang in langs:
        cells = []
        for kind in (*KINDS, "article"):
            c = counts[(lang, kind)]
            cells.append(f"{c['on removed']}/{c['on total']} ({c['on held']}) | {c['off removed']}")
        print(f"{lang:<5} " + " ".join(f"{c:>22}" for c in cells))
    for q in ("on", "off"):
        done = [lang for lang in langs[:-1] if all_went(counts, lang, q)]
        met = "met" if len(done) >= TARGET_LANGUAGES else "NOT met"
        print(
            f"target (every boilerplate line goes, >= {TARGET_LANGUAGES} languages), quarantine {q}: {met}"
            f" ({len(done)} languages: {', '.join(done) or 'none'})"
        )
    for q in ("on", "off"):
        went = sum(counts[("all", k)][f"{q} removed"] for k in KINDS)
        n = sum(counts[("all", k)][f"{q} total"] for k in KINDS)
        lost = counts[("all", "article")][f"{q} removed"]
        print(
            f"quarantine {q}: {went} of {n} boilerplate lines removed ({n - went} stayed);"
            f" article lines removed: {lost}"
        )


def seed_docs() -> list[tuple[str, list[str], set[str]]]:
    """(seed name, its lines, the lines its golden output keeps)."""
    out = []
    for seed in sorted((ROOT / "seeds").glob("*.txt")):
        golden = ROOT / "clean" / seed.name
        if golden.is_file():
            kept = {ln.strip() for ln in golden.read_text(encoding="utf-8").splitlines() if ln.strip()}
            out.append((seed.name, seed.read_text(encoding="utf-8").splitlines(), kept))
    return out


def rogue_table(docs) -> None:
    """Article lines each rogue rule removes, and those the quarantine holds, on seeds and short docs."""
    corpora = {
        "seeds": [
            (lines, [ln.strip() in kept and bool(ln.strip()) for ln in lines])
            for _, lines, kept in seed_docs()
        ],
        "short docs": [([t for _, t in ls], [k == "article" for k, _ in ls]) for _, _, ls in docs],
    }
    print(
        "\nrogue user rule (cleaners: {rogue: {rules: [PATTERN]}}):"
        " article lines removed / held / article lines"
    )
    lost = 0
    for pattern in ROGUE:
        rogue = {"new": True, "rules": [{"name": "rogue", "pattern": pattern}]}
        rs = ruleset_from_mapping({"cleaners": {"rogue": rogue}}, "<rogue>")
        cells = []
        for name, corpus in corpora.items():
            c = Counter()
            for lines, is_article in corpus:
                fates = [f for a, f in zip(is_article, line_fates(lines, rs), strict=True) if a]
                c.update(fates)
                c["article"] += len(fates)
                c["docs hit"] += "removed" in fates
            lost += c["removed"]
            cells.append(
                f"{name}: {c['removed']} removed, {c['held']} held of {c['article']}"
                f" ({c['docs hit']} docs hit)"
            )
        print(f"  {pattern!r:<12} " + "; ".join(cells))
    print(
        f"target (rogue rules remove no article line): {'met' if lost == 0 else 'NOT met'} ({lost} removed)"
    )


def misses(docs) -> None:
    """Every boilerplate line that stays and every article line that goes, quarantine off."""
    print("\nquarantine off: boilerplate kept (kind) and article removed")
    off = quarantine_rulesets()["off"]
    for lang, name, lines in docs:
        for (kind, text), fate in zip(lines, line_fates([t for _, t in lines], off), strict=True):
            if (kind == "article") == (fate == "removed"):
                print(f"  {lang} {name[:30]:<30} {kind:<14} {fate:<8} {text[:90]}")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    verbose = "-v" in args
    half = args[args.index("--half") + 1].lower() if "--half" in args[:-1] else ""
    if half not in ("", "a", "b"):
        raise SystemExit(f"short_docs.py: --half takes a or b, not {half!r}")
    docs = load_docs(half=half)
    langs = Counter(lang for lang, _, _ in docs)
    label = f" (half {half.upper()})" if half else ""
    print(
        f"short_docs{label}: {len(docs)} documents in {len(langs)} languages"
        f" ({', '.join(f'{k} {v}' for k, v in sorted(langs.items()))})"
    )
    boilerplate_table(docs)
    rogue_table(docs)
    if verbose:
        misses(docs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
