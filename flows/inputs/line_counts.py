"""Counting short lines per source over a corpus: the first pass for repeated_line, and `boilerclean mine`."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

import yaml

from cleaners import ConfigError, Ruleset, clean_text, ruleset_from_mapping
from cleaners.mining import (
    DEFAULT_CAPACITY,
    Frequent,
    LineCounter,
    LineTable,
    normalise_line,
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
    left_out: int = 0  # frequent lines left out because the current rules already remove them


def propose_rules(
    items: list[InputFile],
    by: str,
    min_docs: int,
    min_share: float,
    capacity: int,
    ruleset: Ruleset | None = None,
) -> Proposal:
    """Count the inputs' lines and propose the frequent ones as per-source rules (checked to load).

    With a ruleset, lines it already removes (checked in an example document of each) are left out.
    """
    t0 = time.perf_counter()
    counter, errors, no_source = count_lines(items, by, capacity)
    frequent, left_out = counter.frequent(min_docs, min_share), 0
    if ruleset is not None:
        frequent, left_out = not_yet_removed(frequent, {i.rel: i for i in items}, ruleset)
    header = (
        f"Proposed by `boilerclean mine` from {len(items) - len(errors)} documents in {len(counter.docs)} "
        f"source(s)\n"
        f"(source by {by}; lines in >= {min_docs} documents and >= {min_share:g} of their source).\n"
        + (f"Left out {left_out} recurring lines the current rules already remove.\n" if left_out else "")
        + "Review every rule (delete any that is article text), then add these entries to your --config file."
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
        left_out,
    )


def not_yet_removed(
    frequent: list[Frequent], items: dict[str, InputFile], ruleset: Ruleset
) -> tuple[list[Frequent], int]:
    """The frequent lines that the ruleset leaves in their first example document, and how many it removes."""
    removed: dict[str, set[str]] = {}  # example file -> the lines the ruleset removes whole there
    keep = []
    for f in frequent:
        example = items.get(f.examples[0]) if f.examples else None
        if example is not None and example.rel not in removed:
            removed[example.rel] = lines_removed(example, ruleset)
        if example is None or f.line not in removed[example.rel]:
            keep.append(f)
    return keep, len(frequent) - len(keep)


def lines_removed(item: InputFile, ruleset: Ruleset) -> set[str]:
    """The normalised lines of a document that the ruleset's acting removals cover entirely, everywhere."""
    try:
        doc = read_document(item, ruleset.extraction)
    except (OSError, ValueError):
        return set()  # counted, then unreadable: its lines stay proposed, for a person to judge
    text = doc.text
    result = clean_text(text, ruleset, source=item.rel, domain=doc.domain, titles=doc.titles)
    covered = bytearray(len(text))
    for r in result.removals:
        if not r.shadow:
            covered[r.start : r.end] = b"\x01" * (r.end - r.start)
    removed, kept, pos = set(), set(), 0
    for line in text.split("\n"):
        end = pos + len(line)
        whole = all(covered[i] or text[i].isspace() for i in range(pos, end))
        (removed if whole else kept).add(normalise_line(line))
        pos = end + 1
    return removed - kept  # a line removed in one place and kept in another still recurs
