"""Counting short lines per source over a corpus: the first pass for repeated_line, and `boilerclean mine`."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

import yaml

from cleaners import ConfigError, ruleset_from_mapping
from cleaners.mining import (
    DEFAULT_CAPACITY,
    LineCounter,
    LineTable,
    proposal_yaml,
    source_key,
)

from .discover import InputFile
from .read import read_document


def count_lines(
    items: Iterable[InputFile], by: str, capacity: int = DEFAULT_CAPACITY
) -> tuple[LineCounter, list[tuple[str, str]], int]:
    """One pass over the inputs: line counter, unreadable (file, problem) pairs, files without a source."""
    counter = LineCounter(capacity)
    errors: list[tuple[str, str]] = []
    no_source = 0
    for item in items:
        try:
            doc = read_document(item)
        except OSError as exc:
            errors.append((item.rel, f"cannot read file: {exc.strerror or exc}"))
            continue
        except ValueError as exc:
            errors.append((item.rel, str(exc)))
            continue
        source = source_key(item.rel, doc.domain, by)
        if not source:
            no_source += 1  # --source-by domain and the page names none
            continue
        counter.add_document(source, doc.text, item.rel)
    return counter, errors, no_source


def line_table(
    items: Iterable[InputFile], by: str, min_docs: int, min_share: float, capacity: int
) -> tuple[LineTable, list[tuple[str, str]]]:
    """The first pass of a run with repeated_line enabled: the frozen table of frequent lines."""
    counter, errors, _ = count_lines(items, by, capacity)
    return LineTable(by, tuple(counter.frequent(min_docs, min_share))), errors


@dataclass(frozen=True, slots=True)
class Proposal:
    """What `boilerclean mine` found: the YAML snippet of per-source rules and how it was made."""

    snippet: str
    files: int
    sources: int
    tracked: int
    proposed: int
    errors: list[tuple[str, str]]  # (file, problem) for each input that could not be read
    no_source: int  # files without a source (--source-by domain and the page names none)
    seconds: float


def propose_rules(
    items: list[InputFile], by: str, min_docs: int, min_share: float, capacity: int
) -> Proposal:
    """Count the inputs' lines and propose the frequent ones as per-source rules (checked to load)."""
    t0 = time.perf_counter()
    counter, errors, no_source = count_lines(items, by, capacity)
    frequent = counter.frequent(min_docs, min_share)
    header = (
        f"Proposed by `boilerclean mine` from {len(items) - len(errors)} documents in {len(counter.docs)} "
        f"source(s)\n"
        f"(source by {by}; lines in >= {min_docs} documents and >= {min_share:g} of their source).\n"
        "Review every rule (delete any that is article text), then add these entries to your --config file."
    )
    snippet = proposal_yaml(frequent, by, header)
    try:
        # The snippet must load as a config as it is: check it before anyone pastes it.
        ruleset_from_mapping(yaml.safe_load(snippet), "<proposal>")
    except ConfigError as exc:  # a bug here, not the user's
        raise RuntimeError(f"internal error: the proposal does not load: {exc}") from None
    return Proposal(
        snippet,
        len(items),
        len(counter.docs),
        counter.tracked(),
        len(frequent),
        errors,
        no_source,
        time.perf_counter() - t0,
    )
