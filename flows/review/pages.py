"""Static review pages for a run: DIR/<stem>.html per file and DIR/index.html with DIR/index-data.js.

Pages are rendered from the recorded removals (the original is rebuilt with restore(), never
re-diffed), open from file:// with no network, and show document text only as text: every
string from a document is escaped here, and the index's script inserts it with textContent.
A Content-Security-Policy allows only this module's own scripts (by hash), as a second guard.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import posixpath
from concurrent.futures import Executor
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterable, Iterator
from urllib.parse import quote

from cleaners.core import Removal, apply_removals, check_removals, restore

from .files import InputFile, OutputBatch, write_text_chunks
from .review_data import FileEntry, Review, read_report, collect_review, load_summary, nonblank_lines

INDEX_PAGE = "index.html"
INDEX_DATA = "index-data.js"

# Colour per cleaner (by its place in the run's sorted cleaner list), readable on white with white labels.
PALETTE = ("#c0392b", "#1f6fb2", "#8e44ad", "#b9770e", "#117a65", "#6c3483", "#a04000", "#2e4053", "#7d6608", "#1b4f72")

BASE_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1200px;padding:0 1em 3em;color:#222}
nav{display:flex;gap:1.5em;padding:.6em 0;border-bottom:1px solid #ddd;flex-wrap:wrap}
h1{font-size:1.3em;word-break:break-all} h2{font-size:1.1em;margin-top:1.6em}
table{border-collapse:collapse;margin:.4em 0} th,td{border:1px solid #ddd;padding:.2em .5em;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.chip{display:inline-block;padding:0 .45em;border-radius:3px;color:#fff;font-size:12px}
.shadowchip{background:#fff!important;color:#333;border:1px dashed #555}
.heldchip{background:#d35400!important;color:#fff}
.scroll{overflow-x:auto}
.err{color:#a00}
.muted{color:#666}
"""

FILE_CSS = """
.views input{position:absolute;opacity:0}
.views label{display:inline-block;padding:.3em .8em;border:1px solid #999;border-radius:4px;cursor:pointer;margin:.3em .3em .6em 0}
.views input:checked+label{background:#222;color:#fff}
.views input:focus-visible+label{outline:2px solid #1f6fb2}
#v-marked:checked~#cleaned,#v-cleaned:checked~#marked{display:none}
pre{white-space:pre-wrap;word-wrap:break-word;background:#fafafa;border:1px solid #ddd;padding:.8em;font:13px/1.5 ui-monospace,monospace}
del.rm{text-decoration:line-through 2px}
mark.shadow{background:transparent;outline:1px dashed #555;outline-offset:1px}
del.rm::before,mark.shadow::before,mark.held::before{content:attr(data-label);display:inline-block;font:11px/1.4 system-ui,sans-serif;color:#fff;padding:0 .4em;margin-right:.4em;border-radius:3px;text-decoration:none}
mark.shadow::before{background:#fff!important;color:#333;border:1px dashed #555}
mark.held{background:#fff4e0;outline:2px solid #d35400;outline-offset:1px}
mark.held::before{background:#d35400!important;color:#fff}
:target{box-shadow:0 0 0 3px #f1c40f}
"""

INDEX_CSS = """
.controls{display:flex;gap:1em;align-items:center;flex-wrap:wrap;margin:.4em 0}
th button{all:unset;cursor:pointer;font-weight:bold} th button::after{content:" \\2195";color:#999}
th[aria-sort=ascending] button::after{content:" \\2191";color:#222} th[aria-sort=descending] button::after{content:" \\2193";color:#222}
td.text{font-family:ui-monospace,monospace;white-space:pre-wrap;word-break:break-word;max-width:40em}
td.links a{margin-right:.6em}
"""

# The index's script: builds the files table (sort, filter, pages), the distinct lines and the failures
# from window.BOILERCLEAN_INDEX, inserting every string with textContent.
INDEX_JS = r"""
(function () {
  "use strict";
  var D = window.BOILERCLEAN_INDEX;
  if (!D) { document.getElementById("load-error").hidden = false; return; }
  var PAGE = 100, LINES_PAGE = 50;
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function link(href, text) { var a = el("a", text); if (href) a.setAttribute("href", href); return a; }
  function num(v) { var td = el("td", v, "n"); return td; }
  var state = { key: "input", dir: 1, cleaner: "", name: "", page: 0, linesPage: 0 };
  // Per cleaner one column, "lines / chars" removed, sorted by chars.
  var cols = [["input", "File"], ["removals", "Removals"], ["lines", "Lines"], ["chars", "Chars"], ["shadow", "Shadow"], ["held", "Held"]];
  D.cleaners.forEach(function (c) { cols.push(["c:" + c, c]); });
  cols.push(["error", "Error"]);
  function value(row, key) {
    if (key.slice(0, 2) === "c:") {
      var v = row.by_cleaner[key.slice(2)];
      return v ? v[2] : 0;
    }
    var x = row[key];
    return x === null || x === undefined ? "" : x;
  }
  var sel = document.getElementById("cleaner-filter");
  D.cleaners.forEach(function (c) { var o = el("option", c); o.value = c; sel.appendChild(o); });
  var head = document.getElementById("files-head");
  cols.forEach(function (c) {
    var th = el("th"); th.dataset.key = c[0];
    if (c[0] !== "input" && c[0] !== "error") th.className = "n";
    var b = el("button", c[1]); b.type = "button";
    b.addEventListener("click", function () {
      if (state.key === c[0]) state.dir = -state.dir; else { state.key = c[0]; state.dir = c[0] === "input" || c[0] === "error" ? 1 : -1; }
      state.page = 0; renderFiles();
    });
    th.appendChild(b); head.appendChild(th);
  });
  function filtered() {
    var rows = D.files.filter(function (r) {
      if (state.cleaner && !r.by_cleaner[state.cleaner]) return false;
      if (state.name && r.input.toLowerCase().indexOf(state.name) < 0) return false;
      return true;
    });
    var k = state.key, d = state.dir;
    rows.sort(function (a, b) {
      var x = value(a, k), y = value(b, k);
      if (x < y) return -d; if (x > y) return d;
      return a.input < b.input ? -1 : a.input > b.input ? 1 : 0;
    });
    return rows;
  }
  function renderFiles() {
    var rows = filtered(), pages = Math.max(1, Math.ceil(rows.length / PAGE));
    if (state.page >= pages) state.page = pages - 1;
    var body = document.getElementById("files-body"), frag = document.createDocumentFragment();
    rows.slice(state.page * PAGE, (state.page + 1) * PAGE).forEach(function (r) {
      var tr = el("tr"); tr.dataset.input = r.input;
      var td = el("td"); td.appendChild(r.page ? link(r.page, r.input) : el("span", r.input)); tr.appendChild(td);
      cols.slice(1, -1).forEach(function (c) {
        if (c[0].slice(0, 2) !== "c:") { tr.appendChild(num(value(r, c[0]))); return; }
        var v = r.by_cleaner[c[0].slice(2)];
        var td = num(v ? v[1] + " / " + v[2] : ""); td.dataset.chars = v ? v[2] : 0;
        if (v && (v[3] || v[4])) td.title = (v[3] ? v[3] + " shadow " : "") + (v[4] ? v[4] + " held" : "");
        tr.appendChild(td);
      });
      tr.appendChild(el("td", r.error || "", r.error ? "err" : ""));
      frag.appendChild(tr);
    });
    body.replaceChildren(frag);
    Array.prototype.forEach.call(head.children, function (th) {
      if (th.dataset.key === state.key) th.setAttribute("aria-sort", state.dir > 0 ? "ascending" : "descending"); else th.removeAttribute("aria-sort");
    });
    document.getElementById("files-status").textContent =
      rows.length ? "files " + (state.page * PAGE + 1) + "\u2013" + Math.min(rows.length, (state.page + 1) * PAGE) + " of " + rows.length + " (page " + (state.page + 1) + " of " + pages + ")" : "no files match";
    document.getElementById("files-prev").disabled = state.page === 0;
    document.getElementById("files-next").disabled = state.page >= pages - 1;
  }
  sel.addEventListener("change", function () { state.cleaner = sel.value; state.page = 0; renderFiles(); });
  document.getElementById("name-filter").addEventListener("input", function (e) { state.name = e.target.value.toLowerCase(); state.page = 0; renderFiles(); });
  document.getElementById("files-prev").addEventListener("click", function () { state.page--; renderFiles(); });
  document.getElementById("files-next").addEventListener("click", function () { state.page++; renderFiles(); });
  function renderLines() {
    var pages = Math.max(1, Math.ceil(D.lines.length / LINES_PAGE)), body = document.getElementById("lines-body"), frag = document.createDocumentFragment();
    D.lines.slice(state.linesPage * LINES_PAGE, (state.linesPage + 1) * LINES_PAGE).forEach(function (l) {
      var tr = el("tr"); tr.appendChild(num(l.count));
      var td = el("td"); td.appendChild(el("span", l.cleaner, "chip k-" + l.cleaner)); td.appendChild(document.createTextNode(" " + l.rule));
      if (l.status !== "removed") { td.appendChild(document.createTextNode(" ")); td.appendChild(el("span", l.status, "chip " + l.status + "chip")); }
      tr.appendChild(td); tr.appendChild(el("td", l.text, "text"));
      var links = el("td", null, "links");
      l.files.forEach(function (f) { links.appendChild(link(f[0], f[1])); });
      if (l.n_files > l.files.length) links.appendChild(el("span", "and " + (l.n_files - l.files.length) + " more files", "muted"));
      tr.appendChild(links); frag.appendChild(tr);
    });
    body.replaceChildren(frag);
    document.getElementById("lines-status").textContent = D.lines.length ? "page " + (state.linesPage + 1) + " of " + pages + "; " + D.lines.length + " of " + D.lines_total + " distinct lines shown" : "nothing removed";
    document.getElementById("lines-prev").disabled = state.linesPage === 0;
    document.getElementById("lines-next").disabled = state.linesPage >= pages - 1;
  }
  document.getElementById("lines-prev").addEventListener("click", function () { state.linesPage--; renderLines(); });
  document.getElementById("lines-next").addEventListener("click", function () { state.linesPage++; renderLines(); });
  var fb = document.getElementById("failed-body");
  D.failed.forEach(function (f) {
    var tr = el("tr"), td = el("td"); td.appendChild(f.page ? link(f.page, f.input) : el("span", f.input));
    tr.appendChild(td); tr.appendChild(el("td", f.error, "err")); fb.appendChild(tr);
  });
  var hb = document.getElementById("held-body");
  D.held.forEach(function (h) {
    var tr = el("tr"), td = el("td"); td.appendChild(h.page ? link(h.page, h.input) : el("span", h.input));
    tr.appendChild(td); tr.appendChild(el("td", h.reasons.join("; "))); hb.appendChild(tr);
  });
  document.getElementById("held-section").hidden = D.held.length === 0;
  document.getElementById("failed-none").hidden = D.failed.length > 0;
  document.getElementById("failed").hidden = D.failed.length === 0;
  renderFiles(); renderLines();
  document.body.dataset.ready = "1";
})();
"""


def esc(s: Any) -> str:
    """Text for HTML content or a quoted attribute."""
    return html.escape(str(s), quote=True)


def _csp_hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode("ascii") + "'"


def _head(title: str, css: str, script_src: str = "'none'") -> str:
    # No network (default-src 'none'); only this page's own style and, on the index, its own scripts.
    csp = f"default-src 'none'; style-src {_csp_hash(css)}; script-src {script_src}; img-src 'none'; base-uri 'none'; form-action 'none'"
    return (
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{esc(csp)}\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<meta name=\"referrer\" content=\"no-referrer\">\n"
        f"<title>{esc(title)}</title>\n<style>{css}</style>\n</head>\n"
    )


def cleaner_css(cleaners: Iterable[str]) -> str:
    """One colour class per cleaner (k-<name>), for chips, labels and struck spans."""
    rules = []
    for i, name in enumerate(cleaners):
        colour = PALETTE[i % len(PALETTE)]
        rules.append(f".k-{name}{{color:{colour}}} .chip.k-{name},.k-{name}::before{{background:{colour};color:#fff}}")
    return "\n".join(rules) + "\n"


def _rel(from_page: str, to_path: str) -> str:
    """A relative URL from one page of the output folder to another path in it."""
    return quote(posixpath.relpath(to_path, posixpath.dirname(from_page) or "."), safe="/")


def _fmt(n: int) -> str:
    return f"{n:,}"


def render_marked(original: str, removals: list[Removal]) -> str:
    """The original as escaped HTML, each removal wrapped in place: <del> if it acts, <mark> if shadow."""
    return "".join(iter_marked(original, removals))


def iter_marked(original: str, removals: list[Removal]) -> Iterator[str]:
    """render_marked in pieces (a big document's page is written as it is made)."""
    pos = 0
    for i, r in sorted(enumerate(removals), key=lambda ir: (ir[1].start, ir[0])):
        start = max(r.start, pos)  # never print text twice if a report holds overlapping spans
        end = max(r.end, start)
        yield from _escaped(original, pos, start)
        status = "held" if r.held else "shadow" if r.shadow else ""
        label = f"{status + ' · ' if status else ''}{r.cleaner} · {r.rule}"
        tag, cls = ("mark", status) if status else ("del", "rm")
        title = label + "".join(f" ({x})" for x in (r.held, r.detail) if x)
        yield (
            f'<{tag} id="r{i}" class="{cls} k-{esc(r.cleaner)}" data-cleaner="{esc(r.cleaner)}" data-rule="{esc(r.rule)}"'
            f' data-label="{esc(label)}" title="{esc(title)}">'
        )
        yield from _escaped(original, start, end)
        yield f"</{tag}>"
        pos = end
    yield from _escaped(original, pos, len(original))


# Characters escaped at a time: a long stretch of text is never copied whole.
_ESCAPE_CHUNK = 1 << 16


def _escaped(text: str, start: int, end: int) -> Iterator[str]:
    for i in range(start, end, _ESCAPE_CHUNK):
        yield esc(text[i : min(end, i + _ESCAPE_CHUNK)])


def render_file_page(entry: FileEntry, original: str | None, cleaners: list[str], prev: FileEntry | None, next_: FileEntry | None) -> str:
    """One file's page: counts per cleaner, the marked original and the cleaned text, removal list, links."""
    return "".join(iter_file_page(entry, original, cleaners, prev, next_))


def iter_file_page(
    entry: FileEntry, original: str | None, cleaners: list[str], prev: FileEntry | None, next_: FileEntry | None, cleaned: str | None = None
) -> Iterator[str]:
    """render_file_page in pieces; `cleaned` (the original minus the acting removals) if already at hand."""
    report = entry.report or {}
    page = entry.page
    css = BASE_CSS + FILE_CSS + cleaner_css(cleaners)
    parts = [_head(f"{entry.input} - boilerclean review", css), "<body>\n<nav>"]
    parts.append(f'<a id="to-index" href="{esc(_rel(page, INDEX_PAGE))}">&#8593; index</a>')
    if prev is not None:
        parts.append(f'<a id="prev" rel="prev" href="{esc(_rel(page, prev.page))}">&#8592; {esc(prev.input)}</a>')
    if next_ is not None:
        parts.append(f'<a id="next" rel="next" href="{esc(_rel(page, next_.page))}">{esc(next_.input)} &#8594;</a>')
    parts.append("</nav>\n")
    parts.append(f'<h1 id="title">{esc(entry.input)}</h1>\n')
    error = report.get("error") or entry.record.get("error")
    if error:
        parts.append(f'<p class="err" id="error">Not cleaned: {esc(error)}</p>\n</body>\n</html>\n')
        yield "".join(parts)
        return
    removals = [Removal.from_dict(d) for d in report.get("removals") or []]
    if cleaned is None:
        cleaned = apply_removals(original, removals)
    stem_name = posixpath.basename(entry.stem)
    out_name = posixpath.basename(report.get("output") or f"{entry.stem}.txt")
    parts.append(
        f'<p class="muted">{_fmt(report.get("chars_in", len(original)))} characters in, {_fmt(len(cleaned))} out; '
        f'files: <a href="{esc(quote(out_name))}">cleaned text</a> · <a href="{esc(quote(stem_name + ".diff"))}">diff</a> · '
        f'<a href="{esc(quote(stem_name + ".report.json"))}">report</a></p>\n'
    )
    per: dict[str, list[int]] = {}
    for r in removals:
        c = per.setdefault(r.cleaner, [0, 0, 0, 0, 0])
        if r.held:
            c[4] += 1
        elif r.shadow:
            c[3] += 1
        else:
            c[0] += 1
            c[1] += len(nonblank_lines(r.text))
            c[2] += r.end - r.start
    parts.append('<h2>Counts per cleaner</h2>\n<table id="counts">\n<thead><tr><th>Cleaner</th><th class="n">Removals</th>'
                 '<th class="n">Lines</th><th class="n">Chars</th><th class="n">Shadow matches</th><th class="n">Held</th></tr></thead>\n<tbody>\n')
    for name in sorted(per):
        c = per[name]
        parts.append(
            f'<tr data-cleaner="{esc(name)}"><td><span class="chip k-{esc(name)}">{esc(name)}</span></td>'
            + "".join(f'<td class="n">{v}</td>' for v in c)
            + "</tr>\n"
        )
    tot = [sum(c[k] for c in per.values()) for k in range(5)]
    parts.append('</tbody>\n<tfoot><tr id="counts-total"><th>total</th>' + "".join(f'<td class="n">{v}</td>' for v in tot) + "</tr></tfoot>\n</table>\n")
    if not removals:
        parts.append('<p id="nothing">Nothing was removed from this file.</p>\n')
    parts.append(
        '<h2>Text</h2>\n<div class="views">\n'
        '<input type="radio" name="view" id="v-marked" checked><label for="v-marked">Original, removals marked</label>'
        '<input type="radio" name="view" id="v-cleaned"><label for="v-cleaned">Cleaned text</label>\n'
        '<pre id="marked">'
    )
    yield "".join(parts)
    parts = []
    yield from iter_marked(original, removals)
    yield '</pre>\n<pre id="cleaned">'
    yield from _escaped(cleaned, 0, len(cleaned))
    yield "</pre>\n</div>\n"
    if removals:
        parts.append('<h2>Removals</h2>\n<table id="removal-list">\n<thead><tr><th>#</th><th>Line</th><th>Cleaner</th><th>Rule</th><th>Text</th></tr></thead>\n<tbody>\n')
        for i, r in sorted(enumerate(removals), key=lambda ir: (ir[1].start, ir[0])):
            d = report["removals"][i]
            lines = f'{d.get("line", "")}' + (f'–{d["end_line"]}' if d.get("end_line", d.get("line")) != d.get("line") else "")
            status = "held" if r.held else "shadow" if r.shadow else ""
            shadow = f' <span class="chip {status}chip">{status}</span>' if status else ""
            detail = "".join(f' <span class="muted">({esc(x)})</span>' for x in (r.held, r.detail) if x)
            text = " / ".join(nonblank_lines(r.text)) or "(blank lines)"
            parts.append(
                f'<tr><td><a href="#r{i}">{i}</a></td><td class="n">{lines}</td>'
                f'<td><span class="chip k-{esc(r.cleaner)}">{esc(r.cleaner)}</span>{shadow}</td><td>{esc(r.rule)}{detail}</td>'
                f"<td>{esc(text[:300])}</td></tr>\n"
            )
        parts.append("</tbody>\n</table>\n")
    parts.append("</body>\n</html>\n")
    yield "".join(parts)


def render_index(review: Review) -> str:
    """The run's index: totals rendered here; the files table, distinct lines and failures built by INDEX_JS."""
    s = review.summary
    css = BASE_CSS + INDEX_CSS + cleaner_css(review.cleaners)
    script_src = f"'self' file: {_csp_hash(INDEX_JS)}"  # file: so index-data.js loads from a file:// page
    shadow_total = sum(c["shadow"] for c in review.by_cleaner.values())
    held_total = sum(c["held"] for c in review.by_cleaner.values())
    lines_total = sum(c["lines"] for c in review.by_cleaner.values())
    p = [_head("boilerclean review", css, script_src), "<body>\n"]
    p.append("<h1>boilerclean run review</h1>\n")
    if s.get("dry_run"):
        p.append('<p id="dry-run"><span class="chip shadowchip">dry run</span> every rule was in shadow mode: nothing was removed, every match is a shadow match.</p>\n')
    p.append(
        f'<p id="run-totals">{s.get("files", 0)} files, {s.get("cleaned", 0)} cleaned, '
        f'<span class="{"err" if s.get("failed") else ""}">{s.get("failed", 0)} failed</span>; '
        f'{_fmt(s.get("removals", 0))} removals ({_fmt(lines_total)} lines, {_fmt(s.get("chars_removed", 0))} of {_fmt(s.get("chars_in", 0))} characters); '
        f'{_fmt(shadow_total)} shadow matches, {_fmt(held_total)} removals held for review. <span class="muted">Ruleset {esc(str(s.get("ruleset_hash", ""))[:12])}'
        + (f', config {esc(", ".join(s.get("config_files") or []))}' if s.get("config_files") else "")
        + "</span></p>\n"
    )
    alerts = (s.get("run") or {}).get("alerts") or []
    if alerts:  # trend alerts of an incremental run (flows/history.py): a rule's rate jumped or dropped
        p.append('<section id="trend-alerts"><h2 class="err">Trend alerts</h2>\n<table>\n<thead><tr><th>Rule</th><th>Change</th>'
                 '<th class="n">Hits per file, this run</th><th class="n">Recent average</th><th class="n">Files</th></tr></thead>\n<tbody>\n')
        for a in alerts:
            p.append(f'<tr><td>{esc(a["rule"])}</td><td>{"jumped up" if a["direction"] == "up" else "dropped"}</td>'
                     f'<td class="n">{a["rate"]:.3g} ({a["hits"]})</td><td class="n">{a["recent_rate"]:.3g} ({a["recent_runs"]} runs)</td><td class="n">{a["files"]}</td></tr>\n')
        p.append("</tbody>\n</table></section>\n")
    p.append('<noscript><p class="err">The files table and the removed lines need JavaScript.</p></noscript>\n')
    p.append('<p id="load-error" class="err" hidden>Could not load index-data.js (it must sit beside index.html).</p>\n')
    p.append('<h2>Totals per cleaner</h2>\n<table id="by-cleaner">\n<thead><tr><th>Cleaner</th><th class="n">Removals</th><th class="n">Lines</th>'
             '<th class="n">Chars</th><th class="n">Shadow matches</th><th class="n">Held</th><th class="n">Files</th></tr></thead>\n<tbody>\n')
    for name in review.cleaners:
        c = review.by_cleaner[name]
        p.append(f'<tr data-cleaner="{esc(name)}"><td><span class="chip k-{esc(name)}">{esc(name)}</span></td>'
                 + "".join(f'<td class="n">{c[k]}</td>' for k in ("removals", "lines", "chars", "shadow", "held", "files")) + "</tr>\n")
    p.append("</tbody>\n</table>\n")
    p.append('<h2>Totals per rule</h2>\n<table id="by-rule">\n<thead><tr><th>Cleaner</th><th>Rule</th><th class="n">Removals</th>'
             '<th class="n">Shadow matches</th><th class="n">Held</th><th class="n">Files</th></tr></thead>\n<tbody>\n')
    for r in review.by_rule:
        p.append(f'<tr data-rule="{esc(r["cleaner"] + "/" + r["rule"])}"><td><span class="chip k-{esc(r["cleaner"])}">{esc(r["cleaner"])}</span></td>'
                 f'<td>{esc(r["rule"])}</td><td class="n">{r["removals"]}</td><td class="n">{r["shadow"]}</td><td class="n">{r["held"]}</td><td class="n">{r["files"]}</td></tr>\n')
    p.append("</tbody>\n</table>\n")
    p.append(
        '<h2>Files</h2>\n<div class="controls"><label>Cleaner <select id="cleaner-filter"><option value="">all files</option></select></label>'
        '<label>Name <input id="name-filter" type="search" placeholder="filter by name"></label>'
        '<button type="button" id="files-prev">&#8592; previous</button><button type="button" id="files-next">next &#8594;</button>'
        '<span id="files-status" class="muted"></span></div>\n'
        '<p class="muted">Per cleaner: lines / characters removed (sorts by characters; hover for shadow and held).</p>\n'
        '<div class="scroll"><table id="files">\n<thead><tr id="files-head"></tr></thead>\n<tbody id="files-body"></tbody>\n</table></div>\n'
        '<h2>Removed lines, most frequent first</h2>\n<p class="muted">Each distinct line with the rule that removed it: '
        "a line that is really article text stands out here.</p>\n"
        '<div class="controls"><button type="button" id="lines-prev">&#8592; previous</button><button type="button" id="lines-next">next &#8594;</button>'
        '<span id="lines-status" class="muted"></span></div>\n'
        '<table id="lines">\n<thead><tr><th class="n">Count</th><th>Rule</th><th>Line</th><th>Files</th></tr></thead>\n<tbody id="lines-body"></tbody>\n</table>\n'
        '<section id="held-section" hidden><h2>Held for review</h2>\n<p class="muted">The over-removal quarantine kept these '
        "removals in the text: a person decides (see <code>boilerclean held</code>).</p>\n"
        '<table id="held">\n<thead><tr><th>File</th><th>Why</th></tr></thead>\n<tbody id="held-body"></tbody>\n</table></section>\n'
        '<h2>Failed files</h2>\n<p id="failed-none">None.</p>\n'
        '<table id="failed">\n<thead><tr><th>File</th><th>Error</th></tr></thead>\n<tbody id="failed-body"></tbody>\n</table>\n'
        f'<script src="{INDEX_DATA}"></script>\n<script>{INDEX_JS}</script>\n</body>\n</html>\n'
    )
    return "".join(p)


def index_data_js(review: Review) -> str:
    """index-data.js: the review data as one JSON literal assigned to a global (file:// pages cannot fetch())."""
    data = json.dumps(review.to_data(), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    # Belt and braces: no '<' can start a tag and no line separator can end a JS string early.
    for ch, repl in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        data = data.replace(ch, repl)
    return f"window.BOILERCLEAN_INDEX = {data};\n"


def write_review(out_dir: str | Path, summary: dict | None = None, pool: Executor | None = None) -> Review:
    """Write every file's page, index-data.js and index.html for the run in out_dir; returns the review.

    With a pool (the run's worker processes), the pages are rendered there, a slice of the run each.
    """
    out = Path(out_dir)
    summary = summary if summary is not None else load_summary(out)
    review = collect_review(out, summary)
    # A file has a page when a report of this run exists; collect_review has just read them all (one row per file).
    entries = [
        FileEntry(rec["input"], InputFile("", rec["input"]).stem, rec, None)
        for rec, row in zip(summary.get("file_records", []), review.files)
        if row["page"] is not None
    ]
    n = PAGES_PER_JOB
    jobs = [(entries[i : i + n], entries[i - 1] if i else None, entries[i + n] if i + n < len(entries) else None) for i in range(0, len(entries), n)]
    common = (str(out), review.cleaners, summary.get("ruleset_hash"))
    if pool is None:
        for job in jobs:
            write_pages(*common, *job)
    else:
        for done in [pool.submit(write_pages, *common, *job) for job in jobs]:
            done.result()
    batch = OutputBatch()
    try:
        batch.write(INDEX_DATA, out / INDEX_DATA, index_data_js(review))
        # In place last: when it exists, the pages it links to do too.
        batch.write(INDEX_PAGE, out / INDEX_PAGE, render_index(review), phase=1)
        _commit(batch)
    finally:
        batch.abort()
    return review


# Pages per job (and per sync of the disk).
PAGES_PER_JOB = 128


def write_pages(out_dir: str, cleaners: list[str], ruleset_hash: str | None, entries: list[FileEntry], before: FileEntry | None, after: FileEntry | None) -> None:
    """Render and write the pages of consecutive entries (before and after: their neighbours in the run, for links)."""
    out = Path(out_dir)
    batch = OutputBatch()
    try:
        for i, entry in enumerate(entries):
            report = read_report(out / f"{entry.stem}.report.json", entry.input, {"ruleset_hash": ruleset_hash})
            entry = replace(entry, report=report if report is not None else {"error": "report missing or replaced since the run"})
            original = cleaned = None
            if not entry.report.get("error"):
                try:
                    original, cleaned = _original(out, entry)
                except (OSError, UnicodeDecodeError, ValueError) as exc:
                    # Show the problem on the page rather than a wrong text; the rest of the run still renders.
                    entry = replace(entry, report={**entry.report, "error": f"cannot rebuild the original for review: {exc}"})
            prev = entries[i - 1] if i > 0 else before
            next_ = entries[i + 1] if i + 1 < len(entries) else after
            with batch.open(entry.page, out / entry.page) as fh:
                write_text_chunks(fh, iter_file_page(entry, original, cleaners, prev, next_, cleaned))
            original = cleaned = None  # a big document's texts go before the next page's are read
        _commit(batch)
    finally:
        batch.abort()


def _commit(batch: OutputBatch) -> None:
    failed = batch.commit()
    if failed:
        raise next(iter(failed.values()))


def _original(out: Path, entry: FileEntry) -> tuple[str, str]:
    """The original text, rebuilt from the cleaned output and the recorded removals, and the cleaned text."""
    report = entry.report
    cleaned = (out / report["output"]).read_bytes().decode("utf-8")
    removals = [Removal.from_dict(d) for d in report.get("removals") or []]
    original = restore(cleaned, removals)
    if len(original) != report.get("chars_in"):
        raise ValueError(f"{report['output']} does not match its report (changed since the run?)")
    check_removals(original, removals)
    return original, cleaned
