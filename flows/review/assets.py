"""What the review pages carry besides the run's data: colours, style sheets and the index's script."""

from __future__ import annotations

# Colour per cleaner (by its place in the run's sorted cleaner list), readable on white with white labels.
PALETTE = (
    "#c0392b",
    "#1f6fb2",
    "#8e44ad",
    "#b9770e",
    "#117a65",
    "#6c3483",
    "#a04000",
    "#2e4053",
    "#7d6608",
    "#1b4f72",
)

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
  // The one place that reads a cleaner's counts in a files row: [removals, lines, chars, shadow, held]
  // (review/data.py, Counts.as_list); null when the cleaner removed nothing from the file.
  function counts(row, cleaner) {
    var v = row.by_cleaner[cleaner];
    return v ? { removals: v[0], lines: v[1], chars: v[2], shadow: v[3], held: v[4] } : null;
  }
  function value(row, key) {
    if (key.slice(0, 2) === "c:") {
      var c = counts(row, key.slice(2));
      return c ? c.chars : 0;
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
      if (state.cleaner && !counts(r, state.cleaner)) return false;
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
        var n = counts(r, c[0].slice(2));
        var td = num(n ? n.lines + " / " + n.chars : ""); td.dataset.chars = n ? n.chars : 0;
        if (n && (n.shadow || n.held))
          td.title = (n.shadow ? n.shadow + " shadow " : "") + (n.held ? n.held + " held" : "");
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
