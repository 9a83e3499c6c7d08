"""Running a ruleset over one text: collect removals, honour keeps, resolve overlaps, tidy blank lines."""

from __future__ import annotations

import bisect
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from itertools import repeat
from operator import attrgetter

from .core import Removal, apply_removals
from .fastmatch import GateSet
from .mining import folder_of
from .quarantine import DEFAULT_QUARANTINE, hold_back, limits
from .risk import Limits, assess
from .ruleset import Ruleset
from .text import Document, search


@dataclass(frozen=True, slots=True)
class CleanResult:
    """The cleaned text and every removal (acting and shadow) that produced it."""

    original: str
    cleaned: str
    removals: tuple[Removal, ...]
    held: tuple[str, ...] = ()  # why removals were held back for review (over-removal quarantine); () if none
    timed_out: tuple[
        str, ...
    ] = ()  # rules given up on for this text (regex timeout); their removals are missing

    @property
    def acting(self) -> tuple[Removal, ...]:
        return tuple(r for r in self.removals if not r.shadow)


def _kept(removal: Removal, doc: Document, keep: tuple) -> bool:
    """True if a keep pattern is found in any line the removal touches."""
    if not keep:
        return False
    line = doc.line_at(removal.start)
    while True:
        s = line.content.strip()
        for k in keep:
            found = search(doc, f"keep/{k.pattern}", k, s)
            # A keep pattern that timed out keeps the line: when in doubt, remove nothing.
            if found or f"keep/{k.pattern}" in doc.timed_out:
                return True
        if line.end >= removal.end or line.index + 1 >= len(doc.lines):
            return False
        line = doc.lines[line.index + 1]


def _resolve_overlaps(candidates: list[tuple[int, Removal]]) -> list[Removal]:
    """Non-overlapping removals; where two overlap, the higher-priority cleaner (lower rank) wins."""
    by_start = sorted([r for _, r in candidates], key=_START)
    prev_start, prev_end = -1, 0
    for r in by_start:
        if r.start <= prev_start or r.start < prev_end:
            return _resolve_by_rank(candidates)
        prev_start, prev_end = r.start, r.end
    return by_start  # none overlaps (most documents): all of them, as the walk by rank would accept them


_START = attrgetter("start")


def _resolve_by_rank(candidates: Iterable[tuple[int, Removal]]) -> list[Removal]:
    """_resolve_overlaps where some removals overlap: accepted by rank, then start."""
    # Accepted spans never overlap, so sorted by start they are sorted by end too: a new span can only
    # overlap its neighbours there (a scan of all accepted spans made a huge document quadratic).
    starts: list[int] = []
    accepted: list[Removal] = []
    for _, r in sorted(candidates, key=lambda c: (c[0], c[1].start)):
        i = bisect.bisect_right(starts, r.start)
        if (i > 0 and accepted[i - 1].end > r.start) or (i < len(starts) and starts[i] < r.end):
            continue
        starts.insert(i, r.start)
        accepted.insert(i, r)
    return accepted


def _tidy_blank_lines(doc: Document, removals: list[Removal]) -> list[Removal]:
    """Extend whole-line removals over the blank lines they leave doubled (cleaned text keeps one).

    A removed block that sits after a blank line (or at the top) takes the blank lines that follow it;
    a removed block that ends the document without a final line break takes the blank lines before it
    and the line break of the last kept line, so the text still ends the way it did.
    Lines are worked with by index and offset (doc.line_starts, doc.stripped): no Line objects, and
    only the runs of removed lines are visited, not every line.
    """
    if not removals:
        return removals
    owner = _whole_line_owner(doc, removals)
    out = list(removals)
    stripped = doc.stripped
    n = len(stripped)
    for i, j in _runs(sorted(owner)):
        # lines[i:j] is a run of removed lines; k is the end of the blank lines after it
        k = j
        while k < n and not stripped[k] and k not in owner:
            k += 1
        if k > j and (i == 0 or not stripped[i - 1]):
            out[owner[j - 1]] = _extend(doc, out[owner[j - 1]], end=doc.line_end(k - 1))
        elif j == n and i > 0 and doc.line_end(n - 1) == doc.content_end(n - 1):
            _take_last_break(doc, out, owner, i)
    return out


def _runs(lines: list[int]):
    """(first, last + 1) of each run of consecutive numbers in the sorted list."""
    if not lines:
        return
    first = prev = lines[0]
    for x in lines[1:]:
        if x != prev + 1:
            yield first, prev + 1
            first = x
        prev = x
    yield first, prev + 1


def _take_last_break(doc: Document, out: list[Removal], owner: dict[int, int], i: int) -> None:
    """The run from line i ends a document with no final line break: give that shape to the last kept line.

    The tail may hold several removals apart by blank lines ("Read More", blank, "Leave a Reply"):
    the first of them takes the line break, so no blank line is left at the end.
    """
    stripped = doc.stripped
    b = i
    while b > 0 and (not stripped[b - 1] or (b - 1) in owner):
        b -= 1
    if b > 0:
        f = b
        while f not in owner:
            f += 1
        out[owner[f]] = _extend(doc, out[owner[f]], start=doc.content_end(b - 1))


def _whole_line_owner(doc: Document, removals: list[Removal]) -> dict[int, int]:
    """Line index -> position of the whole-line removal covering it (only those are tidied)."""
    starts = doc.line_starts
    n, size = len(starts), len(doc.text)
    owner: dict[int, int] = {}
    for pos, r in enumerate(removals):
        start, end = r.start, r.end
        # doc.line_index and doc.line_end inlined: this runs for every removal of every document.
        first = bisect.bisect_right(starts, start) - 1
        if starts[first] != start:
            continue
        if (starts[first + 1] if first + 1 < n else size) == end:  # one whole line (most): no second bisect
            owner[first] = pos
            continue
        last = bisect.bisect_right(starts, max(start, end - 1), first) - 1
        if (starts[last + 1] if last + 1 < n else size) == end:
            if first == last:
                owner[first] = pos
            else:
                owner.update(dict.fromkeys(range(first, last + 1), pos))
    return owner


def _extend(doc: Document, r: Removal, start: int | None = None, end: int | None = None) -> Removal:
    s = r.start if start is None else start
    e = r.end if end is None else end
    return r.moved(s, e, doc.text[s:e])


# ruleset hash -> (acting-only ruleset, shadow-switched-on ruleset, shadow cleaners, shadow rule keys);
# built once per ruleset. Bounded: a long-lived process (serve, a notebook) sees many rulesets.
_SHADOW_VARIANTS: OrderedDict[str, tuple[Ruleset, Ruleset, frozenset, frozenset]] = OrderedDict()
_SHADOW_VARIANTS_MAX = 8


def _shadow_variants(ruleset: Ruleset) -> tuple[Ruleset, Ruleset, frozenset, frozenset]:
    key = ruleset.hash
    if key in _SHADOW_VARIANTS:
        _SHADOW_VARIANTS.move_to_end(key)
    else:
        shadow_cleaners = frozenset(c.name for c in ruleset.cleaners if c.spec.mode == "shadow")
        shadow_rules = frozenset(
            (c.name, r.name) for c in ruleset.cleaners for r in c.spec.rules if r.mode == "shadow"
        )
        shadow_rules |= frozenset(
            (c.name, r.name) for c in ruleset.source_cleaners for r in c.spec.rules if r.mode == "shadow"
        )
        _SHADOW_VARIANTS[key] = (
            ruleset.without_shadow(),
            ruleset.shadow_switched_on(),
            shadow_cleaners,
            shadow_rules,
        )
        while len(_SHADOW_VARIANTS) > _SHADOW_VARIANTS_MAX:
            _SHADOW_VARIANTS.popitem(last=False)
    return _SHADOW_VARIANTS[key]


def find_removals(doc: Document, ruleset: Ruleset) -> list[Removal]:
    """Every removal the ruleset makes in the document, sorted, non-overlapping, exact.

    Shadow rules never change what is removed: the acting removals are those of the ruleset without
    its shadow rules, and the shadow matches are what switching the shadow rules on would add.
    (Run in one pass, a shadow match would win an overlap or anchor a `near` rule and so change the output.)
    """
    doc.regex_timeout = (
        ruleset.regex_timeout
    )  # once per document: both shadow passes share it and what timed out
    if not ruleset.has_shadow():
        return _find_acting(doc, ruleset)
    acting_rs, preview_rs, shadow_cleaners, shadow_rules = _shadow_variants(ruleset)
    acting = _find_acting(doc, acting_rs)
    starts = [r.start for r in acting]
    out = list(acting)
    for r in _find_acting(doc, preview_rs):
        i = bisect.bisect_right(starts, r.start) - 1
        if (i >= 0 and acting[i].end > r.start) or (i + 1 < len(acting) and acting[i + 1].start < r.end):
            continue  # already removed by an acting rule (switching shadow on would only change the credit)
        detail = r.detail
        if r.cleaner not in shadow_cleaners and (r.cleaner, r.rule) not in shadow_rules and not detail:
            detail = "removed only with the shadow rules on"  # e.g. a button beside a shadow banner
        out.append(replace(r, shadow=True, detail=detail))
    return sorted(out, key=lambda r: r.start)


@dataclass(frozen=True)
class _Plan:
    """How a ruleset's cleaners are run: the gated ones' lines all come from one walk (GateSet)."""

    cleaners: tuple  # the ruleset's cleaners it was made for (held: the cache is keyed by their id)
    slots: tuple[int, ...]  # per cleaner, its gate's position in `gates`; -1: asked itself (idle, find)
    gates: GateSet


_PLANS: OrderedDict[int, _Plan] = OrderedDict()  # id(ruleset.cleaners) -> its plan
_PLANS_MAX = 16


def _plan(ruleset: Ruleset) -> _Plan:
    cleaners = ruleset.cleaners
    plan = _PLANS.get(id(cleaners))
    if plan is None or plan.cleaners is not cleaners:
        gates, slots = [], []
        for cleaner in cleaners:
            gate = cleaner.plan_gate()
            slots.append(-1 if gate is None else len(gates))
            if gate is not None:
                gates.append(gate)
        plan = _PLANS[id(cleaners)] = _Plan(cleaners, tuple(slots), GateSet(gates))
        while len(_PLANS) > _PLANS_MAX:
            _PLANS.popitem(last=False)
    return plan


def _find_acting(doc: Document, ruleset: Ruleset) -> list[Removal]:
    candidates = []
    groups = _matching_sources(doc, ruleset)
    source_keep = tuple(k for g, _ in groups for k in g.keep) if groups else ()
    plan = _plan(ruleset)
    by_gate = plan.gates.line_rules(doc)
    for rank, (cleaner, slot) in enumerate(zip(ruleset.cleaners, plan.slots, strict=True)):
        if slot >= 0:  # most cleaners, in most documents: no line holds their rules' words
            if not by_gate[slot]:
                continue
            found = cleaner.removals_at(doc, by_gate[slot])
        elif cleaner.idle(doc):
            continue
        else:
            found = cleaner.find_removals(doc)
        keep = ruleset.keep + cleaner.spec.keep + source_keep
        if keep:
            candidates.extend((rank, r) for r in found if not _kept(r, doc, keep))
        else:
            candidates.extend(zip(repeat(rank), found))  # in C: no generator frame per removal
    # Per-source rules rank after every global cleaner; their removals name the source that scoped them.
    for rank, (group, cleaner) in enumerate(groups, start=len(ruleset.cleaners)):
        keep = ruleset.keep + source_keep
        for r in cleaner.find_removals(doc):
            if not _kept(r, doc, keep):
                candidates.append((rank, replace(r, source=group.label)))
    return _tidy_blank_lines(doc, _resolve_overlaps(candidates))


def _matching_sources(doc: Document, ruleset: Ruleset) -> list:
    """(SourceRules, cleaner) for each per-source entry that matches the document's folder or domain."""
    sources = getattr(ruleset, "sources", ())
    if not sources:
        return []
    folder, domain = folder_of(doc.source), doc.domain
    return [
        (g, c) for g, c in zip(sources, ruleset.source_cleaners, strict=False) if g.matches(folder, domain)
    ]


def clean_text(
    text: str, ruleset: Ruleset, source: str = "", domain: str = "", titles: tuple[str, ...] = ()
) -> CleanResult:
    """Clean one text under a ruleset; the result carries the removals that explain it.

    `source` is the document's path relative to the input root (its folder selects per-source rules);
    `domain` is the page's domain when known (HTML inputs); `titles` are the page's titles (HTML inputs).
    """
    doc = Document(text, source, domain, titles)
    removals = find_removals(doc, ruleset)
    # Each removal's risk; the quarantine holds back (keeps in the text) those that look like article text.
    settings = ruleset.quarantine or DEFAULT_QUARANTINE
    assessed = assess(doc, removals, ruleset.confidence, _limits(settings))
    removals, held = hold_back(text, assessed, settings)
    return CleanResult(text, _cut(text, removals), tuple(removals), held, tuple(doc.timed_out))


_LIMITS: dict[int, tuple] = {}  # id(settings) -> (settings, its Limits): made once, not per document


def _limits(settings) -> Limits:
    got = _LIMITS.get(id(settings))
    if got is None or got[0] is not settings:
        if len(_LIMITS) >= 64:
            _LIMITS.clear()
        got = _LIMITS[id(settings)] = (settings, limits(settings))
    return got[1]


def _cut(text: str, removals: list[Removal]) -> str:
    """apply_removals for find_removals' removals, already in order of start (hold_back keeps it): no sort.

    Removals out of that order (none are expected) go to apply_removals, which sorts them."""
    parts = []
    pos = last = 0
    for r in removals:
        if r.start < last:
            return apply_removals(text, removals)
        last = r.start
        if not r.shadow:
            parts.append(text[pos:last])
            pos = r.end
    if not parts:
        return text
    parts.append(text[pos:])
    return "".join(parts)
