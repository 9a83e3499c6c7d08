"""A generated multi-source corpus with known per-source residue, for the mining tests and benchmark."""

from __future__ import annotations

import random
from pathlib import Path

WORDS = (
    "the government said on monday that new rules for banks would take effect next year after a long review "
    "of lending practices across regions while officials in several provinces reported strong growth in "
    "exports "
    "farmers markets schools hospitals engineers voters researchers river bridge election budget festival"
).split()

# Per source folder: the residue lines every page of that source prints (the lines mining must find).
RESIDUE = {
    # Site-specific lines no generic cleaner knows (the generic ones would take them first).
    "news": ["Newsroom edition: Asia-Pacific", "Tip line: 010-85061466", "Morning Briefing"],
    "blog": ["Gadget Corner Weekly", "Posted in Technology"],
    "sport/kr": ["Entermedia 주요뉴스", "Live scores"],
}

# Look-alikes that must never be proposed.
REPEATED_SENTENCE = (  # in most news pages, but it is article text (long, sentence-like)
    "Analysts expect the market to recover slowly over the coming quarters, according to a survey "
    "published this week."
)
RARE_HEADING = "Background"  # a short line in a quarter of the pages: below any useful share


def article_sentence(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(14, 28))
    return " ".join(words).capitalize() + "."


def article(rng: random.Random, source: str, residue: list[str] | None = None) -> str:
    """One page: residue lines of its source around unique article paragraphs."""
    residue = RESIDUE[source] if residue is None else residue
    head, tail = residue[: (len(residue) + 1) // 2], residue[(len(residue) + 1) // 2 :]
    paragraphs = [
        " ".join(article_sentence(rng) for _ in range(rng.randint(1, 3))) for _ in range(rng.randint(4, 8))
    ]
    if source == "news" and rng.random() < 0.9:
        paragraphs.insert(1, REPEATED_SENTENCE)
    if rng.random() < 0.25:
        paragraphs.insert(2, RARE_HEADING)
    # A title unique to the page, and the residue spelled with stray spaces now and then.
    title = " ".join(rng.choices(WORDS, k=6)).title()
    lines = [title] + [("  " + r if rng.random() < 0.1 else r) for r in head] + paragraphs + tail
    return "\n\n".join(lines) + "\n"


def write_corpus(root: Path, docs_per_source: int = 30, seed: int = 8) -> dict[str, list[str]]:
    """Write root/<source>/pNNN.txt for every source; return RESIDUE (the expected proposals)."""
    rng = random.Random(seed)
    for source in RESIDUE:
        folder = root / source
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(docs_per_source):
            (folder / f"p{i:03d}.txt").write_text(article(rng, source), encoding="utf-8")
    return RESIDUE
