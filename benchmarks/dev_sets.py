"""The two dev sets (article benchmark, trafilatura-eval-dev): pages, fixed halves, cached extractions.

Halves: a page is in half A when the first hex digit of sha1(page id, UTF-8) is even, else in half B.
The page id is the article benchmark's html file stem (= its ground-truth key) and, for
trafilatura-eval-dev, the URL key of evaldata.json. The split never changes with the data or the code.

Extractions are cached under $BOILERCLEAN_BENCH_CACHE (default ~/.cache/boilerclean-bench), keyed by
trafilatura's version, the settings and the page's file, so a rerun does no extraction at all.
All imports from flows/ are in `pipeline_hooks()` and `pipeline_flow()`: one place to repoint
when flows/ moves.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = "article-benchmark"
TRAFILATURA = "trafilatura-eval"
DATA_DIRS = {ARTICLE: "article-benchmark-dev", TRAFILATURA: "trafilatura-eval-dev"}
MARKERS = {ARTICLE: "ground-truth.json", TRAFILATURA: "evaldata.json"}
CACHE = Path(os.environ.get("BOILERCLEAN_BENCH_CACHE", Path.home() / ".cache" / "boilerclean-bench"))


def half(page_id: str) -> str:
    """'A' or 'B': the page's fixed half (first hex digit of sha1(id) even -> A)."""
    return "A" if int(hashlib.sha1(page_id.encode("utf-8")).hexdigest()[0], 16) % 2 == 0 else "B"


@dataclass(frozen=True, slots=True)
class Page:
    """One dev page: its id, its gzipped HTML file and its truth (articleBody, or with/without snippets)."""

    id: str
    path: Path
    truth: Any

    @property
    def half(self) -> str:
        return half(self.id)


def shared_roots() -> list[Path]:
    """The repo root and, in a git worktree, the main checkout's root (../shared sits beside either)."""
    roots = [ROOT]
    dotgit = ROOT / ".git"
    if dotgit.is_file():  # a worktree: ".git" holds "gitdir: <main>/.git/worktrees/<name>"
        gitdir = Path(dotgit.read_text(encoding="utf-8").partition("gitdir:")[2].strip())
        if len(gitdir.parents) >= 3:
            roots.append(gitdir.parents[2])
    return roots


def data_dir(name: str) -> Path | None:
    """../shared/data/<set> beside the repo (or the main checkout), or None when it is absent."""
    for root in shared_roots():
        d = (root / ".." / "shared" / "data" / DATA_DIRS[name]).resolve()
        if (d / MARKERS[name]).is_file():
            return d
    return None


def load_set(name: str, data: Path) -> list[Page]:
    """The set's pages, sorted by id."""
    truth = json.loads((data / MARKERS[name]).read_text(encoding="utf-8"))
    if name == ARTICLE:
        pages = [Page(k, data / "html" / f"{k}.html.gz", v.get("articleBody", "")) for k, v in truth.items()]
    else:
        pages = [Page(k, data / "html" / f"{v['file']}.gz", v) for k, v in truth.items()]
    missing = [p.id for p in pages if not p.path.is_file()]
    if missing:
        raise SystemExit(f"dev_sets: {len(missing)} pages of {data} have no HTML file, e.g. {missing[0]}")
    return sorted(pages, key=lambda p: p.id)


def pipeline_hooks() -> dict[str, Any]:
    """What the benchmark takes from flows/: the pipeline's extraction settings, decoding, titles, domain."""
    from flows.inputs.domain import domain_from_html
    from flows.inputs.extract import DEFAULT_EXTRACTION, EXTRACT_SETTINGS, decode_html, page_titles

    return {
        "EXTRACT_SETTINGS": dict(EXTRACT_SETTINGS),
        "DEFAULT_EXTRACTION": DEFAULT_EXTRACTION,
        "decode_html": decode_html,
        "page_titles": page_titles,
        "domain_from_html": domain_from_html,
    }


def pipeline_flow():
    """The pipeline's whole flow (clean_flow), for the single-set report that runs it end to end."""
    from flows.run.prefect_flow import clean_flow

    return clean_flow


def _cached(kind: str, settings: dict, page: Page, make: Callable[[], Any]) -> Any:
    """make() once per (trafilatura version, kind, settings, page file); JSON on disk afterwards."""
    from trafilatura import __version__

    stat = page.path.stat()
    key = json.dumps(
        [__version__, kind, settings, str(page.path), stat.st_size, stat.st_mtime_ns], sort_keys=True
    )
    digest = hashlib.sha1(key.encode("utf-8")).hexdigest()
    path = CACHE / digest[:2] / f"{digest}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    value = make()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(value), encoding="utf-8")
    tmp.replace(path)  # atomic: a concurrent run never reads half a file
    return value


def page_html(page: Page) -> str:
    """The page's markup, decoded as the pipeline decodes it."""
    return pipeline_hooks()["decode_html"](
        gzip.decompress(page.path.read_bytes()), page.path.name[: -len(".gz")]
    )[0]


def extract(page: Page, settings: dict) -> str:
    """trafilatura.extract(html, **settings) for one page, cached; "" when it extracts nothing."""

    def make() -> str:
        import trafilatura

        logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
        return trafilatura.extract(page_html(page), **settings) or ""

    return _cached("extract", settings, page, make)


def page_meta(page: Page) -> dict:
    """The page's titles and domain as the pipeline finds them (page_title and per-domain rules read them)."""

    def make() -> dict:
        hooks, html = pipeline_hooks(), page_html(page)
        return {"titles": list(hooks["page_titles"](html)), "domain": hooks["domain_from_html"](html)}

    return _cached("meta", {}, page, make)


def justext_paragraphs(page: Page, language: str) -> list:
    """jusText's classed paragraphs of the page (flows.inputs.consensus.classify), cached."""

    def make() -> list:
        from flows.inputs.consensus import classify

        return [list(p) for p in classify(page_html(page), language)]

    # "printed": each paragraph also holds its printed text (round 18); older cache entries are not read.
    return [tuple(p) for p in _cached("justext", {"language": language, "printed": True}, page, make)]


def readability_paragraphs(page: Page) -> list[str]:
    """readability's article paragraphs of the page (flows.inputs.edges.article_paragraphs), cached."""

    def make() -> list:
        from flows.inputs.consensus import line_key
        from flows.inputs.edges import article_paragraphs

        return article_paragraphs(page_html(page), line_key)

    return _cached("readability", {}, page, make)
