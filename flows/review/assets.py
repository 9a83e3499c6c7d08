"""What the review pages carry besides the run's data: colours, style sheets and the index's script."""

from __future__ import annotations

import hashlib


def cleaner_colour(name: str) -> str:
    """One colour per cleaner, the same in every run and on every page: a hue from a hash of its name
    (dark enough for white labels). A place in the run's cleaner list changed with the run (issue 14)."""
    hue = int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:4], "big") % 360
    return f"hsl({hue} 70% 32%)"


BASE_CSS = """
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1200px;padding:0 1em 3em;color:#222;overflow-wrap:anywhere}
nav{display:flex;gap:1.5em;padding:.6em 0;border-bottom:1px solid #ddd;flex-wrap:wrap}
h1{font-size:1.3em;overflow-wrap:anywhere} h2{font-size:1.1em;margin-top:1.6em}
table{border-collapse:collapse;margin:.4em 0;width:100%;table-layout:fixed}
th,td{border:1px solid #ddd;padding:.2em .5em;text-align:left;vertical-align:top;overflow-wrap:anywhere}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;width:7.5em} th.w{width:25%}
#files th:first-child{width:22%} #files th.n{width:auto} #counts th:first-child{width:30%}
.chip{display:inline-block;padding:0 .45em;border-radius:3px;color:#fff;font-size:12px}
.shadowchip{background:#fff!important;color:#333;border:1px dashed #555}
.heldchip{background:#d35400!important;color:#fff}
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
td.text{font-family:ui-monospace,monospace;white-space:pre-wrap}
#filters{background:#f4f4f4;padding:.5em} #filters select{max-width:20em}
td.links a{margin-right:.6em}
"""

# The index's script: builds every table (totals per cleaner and rule, files, distinct lines, held, failed)
# from window.BOILERCLEAN_INDEX under one set of filters, inserting every string with textContent.
INDEX_JS = r"""
(function () {
  "use strict";
  var D = window.BOILERCLEAN_INDEX;
  if (!D) { document.getElementById("load-error").hidden = false; return; }
  var PAGE = 100, LINES_PAGE = 50, $ = function (id) { return document.getElementById(id); };
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function link(href, text) { var a = el("a", text); if (href) a.setAttribute("href", href); return a; }
  function num(v) { return el("td", v, "n"); }
  var F = { cleaner: "", rule: "", risk: "", held: "", source: "", name: "" };
  var state = { key: "input", dir: 1, page: 0, linesPage: 0 };
  var cols = [["input", "File"], ["removals", "Removals"], ["lines", "Lines"], ["chars", "Chars"], ["shadow", "Shadow"], ["held", "Held"]];
  D.cleaners.forEach(function (c) { cols.push(["c:" + c, c]); });
  cols.push(["error", "Error"]);
  // The one place that reads a counts list: [removals, lines, chars, shadow, held] (review/data.py, Counts.as_list).
  function unpack(v) { return v ? { removals: v[0], lines: v[1], chars: v[2], shadow: v[3], held: v[4] } : null; }
  function counts(row, cleaner) { return unpack(row.by_cleaner[cleaner]); }
  function value(row, key) {
    if (key.slice(0, 2) === "c:") { var c = counts(row, key.slice(2)); return c ? c.chars : 0; }
    var x = row[key];
    return x === null || x === undefined ? "" : x;
  }
  function ruleOk(k) {
    return (!F.cleaner || k.slice(0, k.indexOf("/")) === F.cleaner) && (!F.rule || k === F.rule);
  }
  function countsOk(c) { return F.held === "yes" ? c.held > 0 : F.held === "no" ? c.removals + c.shadow > 0 : true; }
  // The rule keys of a file the filters keep; null when the file itself is filtered out.
  function fileRules(r) {
    if (F.source && r.source !== F.source) return null;
    if (F.risk && r.risks.indexOf(F.risk) < 0) return null;
    if (F.name && r.input.toLowerCase().indexOf(F.name) < 0) return null;
    var keys = Object.keys(r.by_rule).filter(function (k) { return ruleOk(k) && countsOk(unpack(r.by_rule[k])); });
    return keys.length || !(F.cleaner || F.rule || F.held) ? keys : null;
  }
  var kept = [];
  function applyFilters() {
    kept = []; var ruleTot = {}, cleanerTot = {};
    D.files.forEach(function (r) {
      var keys = fileRules(r); if (keys === null) return;
      kept.push(r); var seen = {};
      keys.forEach(function (k) {
        var c = unpack(r.by_rule[k]), t = ruleTot[k] || (ruleTot[k] = { removals: 0, lines: 0, chars: 0, shadow: 0, held: 0, files: 0 });
        var cl = k.slice(0, k.indexOf("/")), u = cleanerTot[cl] || (cleanerTot[cl] = { removals: 0, lines: 0, chars: 0, shadow: 0, held: 0, files: 0 });
        ["removals", "lines", "chars", "shadow", "held"].forEach(function (f) { t[f] += c[f]; u[f] += c[f]; });
        t.files++; if (!seen[cl]) { seen[cl] = 1; u.files++; }
      });
    });
    renderTotals("by-cleaner-body", cleanerTot, function (k) { return { cleaner: k }; });
    renderTotals("by-rule-body", ruleTot, function (k) { return { rule: k }; });
    state.page = 0; state.linesPage = 0; renderFiles(); renderLines(); renderHeld(); renderFailed();
  }
  function setFilter(over) {
    Object.keys(over).forEach(function (k) { F[k] = over[k]; var s = $(k + "-filter"); if (s) s.value = over[k]; });
    applyFilters();
  }
  function renderTotals(id, tot, filterOf) {
    var isRule = id === "by-rule-body", frag = document.createDocumentFragment();
    Object.keys(tot).sort().forEach(function (k) {
      var t = tot[k], tr = el("tr"), td = el("td"), cl = isRule ? k.slice(0, k.indexOf("/")) : k;
      tr.dataset[isRule ? "rule" : "cleaner"] = k;
      var chip = link("#files", cl); chip.className = "chip k-" + cl;
      chip.addEventListener("click", function () { setFilter(filterOf(k)); });
      td.appendChild(chip); if (isRule) td.appendChild(el("span", " " + k.slice(k.indexOf("/") + 1)));
      tr.appendChild(td);
      (isRule ? ["removals", "shadow", "held", "files"] : ["removals", "lines", "chars", "shadow", "held", "files"]).forEach(function (f) {
        var cell = el("td", null, "n"), a = link(f === "held" ? "#held-section" : "#files", t[f]);
        a.addEventListener("click", function () { var o = filterOf(k); if (f === "held") o.held = "yes"; setFilter(o); });
        cell.appendChild(a); tr.appendChild(cell);
      });
      frag.appendChild(tr);
    });
    $(id).replaceChildren(frag);
  }
  var head = $("files-head");
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
  function sortedFiles() {
    var rows = kept.slice(), k = state.key, d = state.dir;
    if (k === "input" && d === 1) return rows;  // run order is by input already: no sort of 100,000 rows
    rows.sort(function (a, b) {
      var x = value(a, k), y = value(b, k);
      if (x < y) return -d; if (x > y) return d;
      return a.input < b.input ? -1 : a.input > b.input ? 1 : 0;
    });
    return rows;
  }
  function renderFiles() {
    var rows = sortedFiles(), pages = Math.max(1, Math.ceil(rows.length / PAGE));
    if (state.page >= pages) state.page = pages - 1;
    var frag = document.createDocumentFragment();
    rows.slice(state.page * PAGE, (state.page + 1) * PAGE).forEach(function (r) {
      var tr = el("tr"); tr.dataset.input = r.input;
      var td = el("td"); td.appendChild(r.page ? link(r.page, r.input) : el("span", r.input)); tr.appendChild(td);
      cols.slice(1, -1).forEach(function (c) {
        if (c[0].slice(0, 2) !== "c:") { tr.appendChild(num(value(r, c[0]))); return; }
        var n = counts(r, c[0].slice(2));
        var cell = num(n ? n.lines + " / " + n.chars : ""); cell.dataset.chars = n ? n.chars : 0;
        if (n && (n.shadow || n.held)) cell.title = (n.shadow ? n.shadow + " shadow " : "") + (n.held ? n.held + " held" : "");
        tr.appendChild(cell);
      });
      tr.appendChild(el("td", r.error || "", r.error ? "err" : ""));
      frag.appendChild(tr);
    });
    $("files-body").replaceChildren(frag);
    Array.prototype.forEach.call(head.children, function (th) {
      if (th.dataset.key === state.key) th.setAttribute("aria-sort", state.dir > 0 ? "ascending" : "descending"); else th.removeAttribute("aria-sort");
    });
    $("files-status").textContent = rows.length ? "files " + (state.page * PAGE + 1) + "\u2013" + Math.min(rows.length, (state.page + 1) * PAGE) + " of " + rows.length + " (page " + (state.page + 1) + " of " + pages + ")" : "no files match";
    $("files-prev").disabled = state.page === 0;
    $("files-next").disabled = state.page >= pages - 1;
  }
  function lineOk(l) {
    var k = l.cleaner + "/" + l.rule;
    return ruleOk(k) && (!F.risk || l.risk === F.risk) && (!F.source || l.sources.indexOf(F.source) >= 0) &&
      (F.held === "yes" ? l.status === "held" : F.held === "no" ? l.status !== "held" : true);
  }
  function renderLines() {
    var lines = D.lines.filter(lineOk), pages = Math.max(1, Math.ceil(lines.length / LINES_PAGE)), frag = document.createDocumentFragment();
    if (state.linesPage >= pages) state.linesPage = pages - 1;
    lines.slice(state.linesPage * LINES_PAGE, (state.linesPage + 1) * LINES_PAGE).forEach(function (l) {
      var tr = el("tr"); tr.appendChild(num(l.count));
      var td = el("td"), chip = link("#lines", l.cleaner); chip.className = "chip k-" + l.cleaner;
      td.appendChild(chip); td.appendChild(document.createTextNode(" " + l.rule));
      td.addEventListener("click", function () { setFilter({ rule: l.cleaner + "/" + l.rule }); });
      if (l.status !== "removed") { td.appendChild(document.createTextNode(" ")); td.appendChild(el("span", l.status, "chip " + l.status + "chip")); }
      tr.appendChild(td); tr.appendChild(el("td", l.text, "text"));
      var links = el("td", null, "links");
      l.files.forEach(function (f) { links.appendChild(link(f[0], f[1])); });
      if (l.n_files > l.files.length) links.appendChild(el("span", "and " + (l.n_files - l.files.length) + " more files", "muted"));
      tr.appendChild(links); frag.appendChild(tr);
    });
    $("lines-body").replaceChildren(frag);
    $("lines-status").textContent = lines.length ? "page " + (state.linesPage + 1) + " of " + pages + "; " + lines.length + " of " + D.lines_total + " distinct lines" : "no removed lines match";
    $("lines-prev").disabled = state.linesPage === 0;
    $("lines-next").disabled = state.linesPage >= pages - 1;
  }
  var byInput = {};
  D.files.forEach(function (r) { byInput[r.input] = r; });
  function keptInput(input) { var r = byInput[input]; return !r || fileRules(r) !== null; }
  function renderRows(id, items, cells) {
    var frag = document.createDocumentFragment();
    items.filter(function (x) { return keptInput(x.input); }).slice(0, 500).forEach(function (x) {
      var tr = el("tr"), td = el("td"); td.appendChild(x.page ? link(x.page, x.input) : el("span", x.input));
      tr.appendChild(td); tr.appendChild(cells(x)); frag.appendChild(tr);
    });
    $(id).replaceChildren(frag);
    return frag;
  }
  function renderHeld() { renderRows("held-body", D.held, function (h) { return el("td", h.reasons.join("; ")); }); }
  function renderFailed() { renderRows("failed-body", D.failed, function (f) { return el("td", f.error, "err"); }); }
  function fill(id, values) {
    var s = $(id);
    values.forEach(function (v) { var o = el("option", v[1]); o.value = v[0]; s.appendChild(o); });
    s.addEventListener("change", function () { F[id.replace("-filter", "")] = s.value; applyFilters(); });
  }
  var sources = {};
  D.files.forEach(function (r) { sources[r.source] = 1; });
  fill("cleaner-filter", D.cleaners.map(function (c) { return [c, c]; }));
  fill("rule-filter", D.by_rule.map(function (r) { var k = r.cleaner + "/" + r.rule; return [k, k]; }));
  fill("risk-filter", [["risky", "risky"], ["likely", "likely"], ["certain", "certain"]]);
  fill("held-filter", [["yes", "held only"], ["no", "not held"]]);
  fill("source-filter", Object.keys(sources).sort().map(function (s) { return [s, s]; }));
  $("name-filter").addEventListener("input", function (e) { F.name = e.target.value.toLowerCase(); applyFilters(); });
  $("files-prev").addEventListener("click", function () { state.page--; renderFiles(); });
  $("files-next").addEventListener("click", function () { state.page++; renderFiles(); });
  $("lines-prev").addEventListener("click", function () { state.linesPage--; renderLines(); });
  $("lines-next").addEventListener("click", function () { state.linesPage++; renderLines(); });
  $("held-section").hidden = D.held.length === 0;
  $("failed-none").hidden = D.failed.length > 0;
  $("failed").hidden = D.failed.length === 0;
  applyFilters();
  document.body.dataset.ready = "1";
})();
"""
