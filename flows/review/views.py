"""The review server's pages, rendered on demand from a RunIndex: the run, rules, lines, files, removals,
one file, and the config change. Every string from a document or a config is escaped here."""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlencode

from cleaners.core import Status

from ..outputs.records import STATUS_WORD
from .decisions import Decisions, Proposal, decision_key
from .pages import alerts_section, cleaner_css, esc, iter_marked
from .runindex import (
    RISKS,
    Filters,
    Row,
    RunIndex,
    by_cleaner,
    by_rule,
    distinct_lines,
    files_of,
    risky_first,
)
from .server_assets import SERVER_CSS

PAGE_ROWS = 100
NAV = (("/", "Run"), ("/lines", "Removed lines"), ("/files", "Files"), ("/removals", "Removals"),
       ("/config", "Config change"))  # fmt: skip


def href(path: str, f: Filters, **over: str | int) -> str:
    """A link to a view with the current filters, some replaced (an empty value drops one)."""
    q = dict(f.items())
    q.update({k: str(v) for k, v in over.items()})
    q = {k: v for k, v in q.items() if v not in ("", None)}
    return esc(path + ("?" + urlencode(q) if q else ""))


def chip(cleaner: str, text: str | None = None) -> str:
    return f'<span class="chip k-{esc(cleaner)}">{esc(text if text is not None else cleaner)}</span>'


def risk_chip(risk: str) -> str:
    return f'<span class="chip risk-{esc(risk)}">{esc(risk)}</span>'


def status_chip(status: str) -> str:
    return (
        ""
        if status == STATUS_WORD[Status.ACTING]
        else f' <span class="chip st-{esc(status)}">{esc(status)}</span>'
    )


def layout(ix: RunIndex, path: str, f: Filters, title: str, body: str) -> tuple[str, str]:
    """The whole page and its style sheet (the server puts the style's hash in the CSP header)."""
    css = SERVER_CSS + cleaner_css(ix.cleaners)
    nav = "".join(f'<a href="{href(p, f)}"{" class=here" if p == path else ""}>{esc(t)}</a>' for p, t in NAV)
    html = (
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{esc(title)} - boilerclean'
        " review"
        f"</title><style>{css}</style></head>\n<body>\n<header>{nav}"
        '<span class="muted">keys: <kbd>j</kbd>/<kbd>k</kbd> removal, <kbd>n</kbd>/<kbd>p</kbd> file or page,'
        " <kbd>a</kbd>/<kbd>r</kbd> approve/reject</span></header>\n"
        f'{filter_form(ix, path, f)}<p id="status" class="muted" role="status"></p>\n'
        f"<h1>{esc(title)}</h1>\n{body}\n"
    )
    return html, css


def filter_form(ix: RunIndex, path: str, f: Filters) -> str:
    def select(name: str, label: str, values, current: str) -> str:
        opts = "".join(
            f'<option value="{esc(v)}"{" selected" if v == current else ""}>{esc(t)}</option>'
            for v, t in [("", "any"), *values]
        )
        return f'<label>{label} <select name="{name}" id="f-{name}">{opts}</select></label>'

    line = f'<input type="hidden" name="line" value="{esc(f.line)}">' if f.line else ""
    return (
        f'<form class="filters" method="get" action="{esc(path)}">'
        + select("cleaner", "Cleaner", [(c, c) for c in ix.cleaners], f.cleaner)
        + select("rule", "Rule", [(r, r) for r in ix.rules], f.rule)
        + select("risk", "Risk", [(r, r) for r in RISKS], f.risk)
        + select("held", "Held", [("yes", "held only"), ("no", "not held")], f.held)
        + select("source", "Source", [(s, s) for s in ix.sources], f.source)
        + line
        + '<button type="submit" id="apply">Apply</button>'
        + (f' <a href="{esc(path)}">clear filters</a>' if f.items() else "")
        + "</form>\n"
    )


def pager(path: str, f: Filters, page: int, total: int, what: str) -> str:
    pages = max(1, -(-total // PAGE_ROWS))
    prev = f'<a id="prev" href="{href(path, f, page=page - 1)}">&#8592; previous</a>' if page > 0 else ""
    nxt = f'<a id="next" href="{href(path, f, page=page + 1)}">next &#8594;</a>' if page + 1 < pages else ""
    status = f'<span class="muted">{total:,} {what}; page {page + 1} of {pages}</span>'
    return f'<div class="pager">{prev}{nxt}{status}</div>\n'


def decide_buttons() -> str:
    return (
        '<button type="button" class="decide" data-verdict="approve">right</button>'
        '<button type="button" class="decide" data-verdict="reject">wrong</button>'
    )


def decision_attrs(dec: Decisions, d: dict) -> str:
    """The data-* attributes the page's script sends back with a verdict, and the verdict so far."""
    attrs = {**d, "key": decision_key(d), "verdict": dec.verdict(d)}
    return " ".join(f'data-{k}="{esc(v)}"' for k, v in attrs.items())


def view_run(ix: RunIndex, f: Filters, dec: Decisions) -> str:
    s = ix.summary
    rows = ix.select(f)
    totals = (
        f'<p id="run-totals">{s.get("files", 0):,} files, {s.get("cleaned", 0):,} cleaned, '
        f'<span class="{"err" if s.get("failed") else ""}">{s.get("failed", 0):,} failed</span>; '
        f"{s.get('removals', 0):,} removals ({s.get('chars_removed', 0):,} of {ix.chars_in:,} characters). "
        f"Shown with the filters: {len(rows):,} removals.</p>\n"
    )
    alerts = alerts_section((s.get("run") or {}).get("alerts") or [])
    return (
        totals
        + alerts
        + held_table(ix, f, rows, dec)
        + cleaner_table(ix, f, rows)
        + rule_table(ix, f, rows, dec)
    )


def held_table(ix: RunIndex, f: Filters, rows: list[Row], dec: Decisions) -> str:
    """Documents with held removals not yet approved (by rule or by removal), with the quarantine's why."""
    reasons = {h["input"]: h.get("reasons") or [] for h in ix.summary.get("held", [])}
    held = Counter(r.file for r in rows if r.status == STATUS_WORD[Status.HELD] and not approved(dec, ix, r))
    pending = sorted(held)
    head = (
        f'<h2>Held for review ({len(pending):,} documents)</h2>\n<table id="held"><thead><tr><th>File</th>'
        '<th>Why</th><th class="n">Held</th></tr></thead><tbody>\n'
    )
    body = []
    for i in pending[:PAGE_ROWS]:
        name = ix.files[i].input
        n = held[i]
        body.append(
            f'<tr><td><a href="{href("/file", f, i=i)}">{esc(name)}</a></td>'
            f"<td>{esc('; '.join(reasons.get(name, [])))}</td>"
            f'<td class="n"><a href="{href("/removals", f, held="yes", file=i)}">{n}</a></td></tr>\n'
        )
    more = len(pending) - PAGE_ROWS
    link = f'<a href="{href("/removals", f, held="yes")}">all held removals</a>'
    tail = f"<p>{link} ({more:,} more documents)</p>\n"
    return head + "".join(body) + "</tbody></table>\n" + (tail if more > 0 else "")


def approved(dec: Decisions, ix: RunIndex, r: Row) -> bool:
    """A held removal a reviewer approved, by its rule or by itself: no longer waiting for a person."""
    by_rule = dec.verdict({"kind": "rule", "cleaner": r.cleaner, "rule": r.rule})
    by_removal = dec.verdict({"kind": "removal", "input": ix.files[r.file].input, "idx": str(r.idx)})
    return "approve" in (by_rule, by_removal)


def share(chars: int, total: int) -> str:
    return f"{100 * chars / total:.2f}%" if total else "-"


def cleaner_table(ix: RunIndex, f: Filters, rows: list[Row]) -> str:
    head = (
        f'<h2>By cleaner</h2>\n<table id="by-cleaner"><thead><tr><th>Cleaner</th>{COUNT_HEADS}'
        "</tr></thead><tbody>\n"
    )
    out = [head]
    for name, g in ix.memo("by-cleaner", f, by_cleaner).items():
        out.append(
            f'<tr data-cleaner="{esc(name)}"><td>{chip(name)}</td>' + count_cells(f, g, cleaner=name)
            + f'<td class="n">{share(g["chars"], ix.chars_in)}</td></tr>\n'
        )  # fmt: skip
    return "".join(out) + "</tbody></table>\n"


# The headings of count_cells' cells and the share after them, in both tables.
COUNT_HEADS = (
    '<th class="n">Removals</th><th class="n">Shadow</th><th class="n">Held</th><th class="n">Files</th>'
    '<th class="n">Share of chars</th>'
)


def count_cells(f: Filters, g: dict, **key: str) -> str:
    """Removals, shadow, held and files, each a link to the removals (or files) it counts."""
    cells = [
        f'<td class="n"><a href="{href("/removals", f, **key)}">{g["removals"]:,}</a></td>',
        f'<td class="n">{g["shadow"]:,}</td>',
        f'<td class="n"><a href="{href("/removals", f, held="yes", **key)}">{g["held"]:,}</a></td>',
        f'<td class="n"><a href="{href("/files", f, **key)}">{g["files"]:,}</a></td>',
    ]
    return "".join(cells)


def rule_table(ix: RunIndex, f: Filters, rows: list[Row], dec: Decisions) -> str:
    head = (
        '<h2>By rule</h2>\n<p class="muted">Mark a rule right (promoted to certain) or wrong (disabled); '
        'the change is shown under <a href="/config">Config change</a> and written only when you click.</p>\n'
        f'<table id="by-rule"><thead><tr><th class="w">Rule</th>{COUNT_HEADS}<th>Decide</th>'
        "</tr></thead><tbody>\n"
    )
    out = [head]
    for key, g in ix.memo("by-rule", f, by_rule).items():
        cleaner, rule = key
        d = {"kind": "rule", "cleaner": cleaner, "rule": rule}
        out.append(
            f"<tr {decision_attrs(dec, d)}><td>{chip(cleaner)} {esc(rule)}</td>"
            + count_cells(f, g, rule=f"{cleaner}/{rule}")
            + f'<td class="n">{share(g["chars"], ix.chars_in)}</td><td>{decide_buttons()}</td></tr>\n'
        )
    return "".join(out) + "</tbody></table>\n"


def view_lines(ix: RunIndex, f: Filters, page: int, dec: Decisions) -> str:
    lines = ix.memo("lines", f, distinct_lines)
    out = [
        '<p class="muted">Every distinct removed line, most frequent first. Mark a line wrong and the config '
        "gets a keep pattern for exactly that line.</p>\n",
        pager("/lines", f, page, len(lines), "distinct lines"),
        '<table id="lines"><thead><tr><th class="n">Count</th><th class="n">Files</th><th class="w">Rules'
        "</th>"
        "<th>Line</th><th>Decide</th></tr></thead><tbody>\n",
    ]
    for text, n, nfiles, rules in lines[page * PAGE_ROWS : (page + 1) * PAGE_ROWS]:
        d = {"kind": "line", "text": text}
        rule_links = " ".join(
            f'<a href="{href("/removals", f, rule=r, line=text)}">{chip(r.split("/")[0], r)}</a>'
            for r, _ in rules.most_common(3)
        )
        out.append(
            f'<tr {decision_attrs(dec, d)}><td class="n"><a href="{href("/removals", f, line=text)}">{n:,}'
            "</a></td>"
            f'<td class="n"><a href="{href("/files", f, line=text)}">{nfiles:,}</a></td><td>{rule_links}</td>'
            f'<td class="text">{esc(text)}</td><td>{decide_buttons()}</td></tr>\n'
        )
    return "".join(out) + "</tbody></table>\n"


def view_files(ix: RunIndex, f: Filters, page: int) -> str:
    if f.items():
        wanted = files_of(ix.select(f))
    else:
        wanted = list(range(len(ix.files)))
    out = [
        pager("/files", f, page, len(wanted), "files"),
        '<table id="files"><thead><tr><th class="w">File</th><th class="n">Removals</th><th class="n">Chars'
        " in</th>"
        '<th class="n">Chars out</th><th>Error</th></tr></thead><tbody>\n',
    ]
    for i in wanted[page * PAGE_ROWS : (page + 1) * PAGE_ROWS]:
        rec = ix.files[i].record
        out.append(
            f'<tr data-input="{esc(rec["input"])}"><td><a href="{href("/file", f, i=i)}">{esc(rec["input"])}'
            "</a></td>"
            f'<td class="n"><a href="{href("/removals", f, file=i)}">{rec.get("removals", 0):,}</a></td>'
            f'<td class="n">{rec.get("chars_in", 0):,}</td><td class="n">{rec.get("chars_out", 0) or 0:,}'
            "</td>"
            f'<td class="err">{esc(rec.get("error") or "")}</td></tr>\n'
        )
    return "".join(out) + "</tbody></table>\n"


def view_removals(ix: RunIndex, f: Filters, page: int, dec: Decisions, file: int | None) -> str:
    rows = ix.select(f)
    if file is not None:
        rows = [r for r in rows if r.file == file]
    rows = risky_first(rows)
    out = [
        '<p class="muted">Samples, risky first. Mark a removal wrong and the config keeps its line in its'
        " folder.</p>\n",
        pager("/removals", f, page, len(rows), "removals"),
        '<table id="removals"><thead><tr><th class="w">File</th><th>Rule</th><th class="n">Risk</th>'
        "<th>Text</th><th>Decide</th></tr></thead><tbody>\n",
    ]
    for r in rows[page * PAGE_ROWS : (page + 1) * PAGE_ROWS]:
        out.append(removal_row(ix, f, r, dec, link=True))
    return "".join(out) + "</tbody></table>\n"


def removal_row(ix: RunIndex, f: Filters, r: Row, dec: Decisions, link: bool) -> str:
    name = ix.files[r.file].input
    d = {"kind": "removal", "input": name, "idx": str(r.idx)}
    where = (
        f'<a href="{href("/file", f, i=r.file)}#r{r.idx}">{esc(name)}</a>'
        if link
        else f'<a href="#r{r.idx}">#{r.idx}</a>'
    )
    return (
        f'<tr {decision_attrs(dec, d)}><td>{where}</td><td>{chip(r.cleaner)}'
        f' {esc(r.rule)}{status_chip(r.status)}</td>'
        f'<td class="n">{risk_chip(r.risk)}</td><td class="text">{esc(" / ".join(r.lines)[:600])}</td>'
        f"<td>{decide_buttons()}</td></tr>\n"
    )  # fmt: skip


# A file page lists at most this many removals (the Removals view pages through all of them).
PAGE_ROWS = 2000


def view_file(ix: RunIndex, i: int, f: Filters, dec: Decisions, texts, note: str = "") -> str:
    """One file: its removals (to decide), then the original with removals marked beside the cleaned text.

    `note`: why only the start of a huge file is shown."""
    entry = ix.files[i]
    wanted = files_of(ix.select(f)) if f.items() else None
    order = wanted if wanted is not None and i in wanted else list(range(len(ix.files)))
    pos = order.index(i)
    nav = []
    if pos > 0:
        nav.append(
            f'<a id="prev" href="{href("/file", f, i=order[pos - 1])}">&#8592;'
            f" {esc(ix.files[order[pos - 1]].input)}</a>"
        )
    if pos + 1 < len(order):
        nav.append(
            f'<a id="next" href="{href("/file", f, i=order[pos + 1])}">{esc(ix.files[order[pos + 1]].input)}'
            " &#8594;</a>"
        )
    head = f'<nav class="pager">{"".join(nav)}</nav>\n'
    if isinstance(texts, str):
        return head + f'<p class="err" id="error">{esc(texts)}</p>\n'
    original, cleaned, removals = texts
    rows = ix.rows_of(i)[:PAGE_ROWS]
    if note:
        link = f'<a href="{href("/removals", f, file=i)}">Removals view of this file</a>'
        head += f'<p class="muted" id="truncated">{esc(note)} {link}</p>\n'

    table = (
        '<h2>Removals</h2>\n<table id="removal-list"><thead><tr><th class="n">#</th><th>Rule</th><th'
        ' class="n">Risk</th>'
        "<th>Text</th><th>Decide</th></tr></thead><tbody>\n"
        + "".join(removal_row(ix, f, r, dec, link=False) for r in rows)
        + "</tbody></table>\n"
    )
    side = (
        '<h2>Text</h2>\n<div class="side"><div><h3>Original, removals marked</h3><pre id="marked">'
        + "".join(iter_marked(original, removals))
        + f'</pre></div><div><h3>Cleaned text</h3><pre id="cleaned">{esc(cleaned)}</pre></div></div>\n'
    )
    return (
        head
        + f'<p class="muted">{len(original):,} characters in, {len(cleaned):,} out ({esc(entry.input)})</p>\n'
        + table
        + side
    )


def view_config(proposal: Proposal, config: str | None, n_decisions: int) -> str:
    name = config or "(no --config file)"
    diff = proposal.diff(name)
    lines = "".join(
        f'<span class="{"add" if ln.startswith("+") else "del" if ln.startswith("-") else ""}">{esc(ln)}'
        "</span>"
        for ln in diff.splitlines(keepends=True)
    )
    notes = "".join(f"<li>{esc(n)}</li>" for n in proposal.notes)
    if not config:
        action = '<p class="err">Start the server with <code>--config FILE</code> to write this change.</p>'
    elif not proposal.changed:
        action = '<p id="no-change">The decisions need no change to the config.</p>'
    else:
        action = (
            f'<p><button type="button" id="write-config" data-shown="{esc(proposal.old_hash)}">Write'
            f" {esc(config)}"
            "</button> (validated with the cleaners' loader first; the old file is kept as a .bak)</p>"
        )
    return (
        f"<p>{n_decisions} decisions. The change that enacts them:</p>\n"
        + (f'<ul id="notes">{notes}</ul>' if notes else "")
        + f'<pre class="diff" id="diff">{lines or esc("(no change)")}</pre>\n{action}\n'
        '<p class="muted">Then <code>boilerclean run ... --config FILE --dry-run</code> shows the effect '
        "before anything is rewritten.</p>\n"
    )
