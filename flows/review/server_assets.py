"""The review server's style sheet and script (served inline, allowed by hash in the CSP header)."""

from __future__ import annotations

SERVER_CSS = """
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,sans-serif;margin:0;padding:0 1.2em 3em;color:#222;max-width:100%;overflow-wrap:anywhere}
header{display:flex;gap:1.2em;align-items:center;flex-wrap:wrap;padding:.6em 0;border-bottom:1px solid #ddd}
header a.here{font-weight:bold;color:#222;text-decoration:none}
h1{font-size:1.3em;overflow-wrap:anywhere} h2{font-size:1.1em;margin-top:1.4em}
form.filters{display:flex;gap:.8em;flex-wrap:wrap;align-items:center;margin:.6em 0;padding:.5em;background:#f4f4f4}
form.filters select{max-width:22em}
table{border-collapse:collapse;margin:.4em 0;width:100%;table-layout:fixed}
th,td{border:1px solid #ddd;padding:.2em .5em;text-align:left;vertical-align:top;overflow-wrap:anywhere}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;width:7em}
th.w{width:30%} td.text{font-family:ui-monospace,monospace;white-space:pre-wrap}
.chip{display:inline-block;padding:0 .45em;border-radius:3px;color:#fff;font-size:12px;overflow-wrap:anywhere}
.risk-risky{background:#b03a2e}.risk-likely{background:#7f8c8d}.risk-certain{background:#1e8449}
.st-held{background:#d35400}.st-shadow{background:#fff;color:#333;border:1px dashed #555}
.err{color:#a00} .muted{color:#666} .pager{display:flex;gap:1em;align-items:center;margin:.4em 0}
.verdict-approve{outline:3px solid #1e8449!important} .verdict-reject{outline:3px solid #b03a2e!important}
tr.verdict-approve td:first-child::after{content:" \\2713 right";color:#1e8449}
tr.verdict-reject td:first-child::after{content:" \\2717 wrong";color:#b03a2e}
button.decide{font-size:12px;margin:0 .2em .2em 0}
.side{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:1em}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#fafafa;border:1px solid #ddd;padding:.8em;
 font:13px/1.5 ui-monospace,monospace;margin:0}
del.rm{text-decoration:line-through 2px}
mark.shadow{background:transparent;outline:1px dashed #555;outline-offset:1px}
mark.held{background:#fff4e0;outline:2px solid #d35400;outline-offset:1px}
del.rm::before,mark.shadow::before,mark.held::before{content:attr(data-label);display:inline-block;
 font:11px/1.4 system-ui,sans-serif;color:#fff;padding:0 .4em;margin-right:.4em;border-radius:3px}
mark.shadow::before{background:#fff!important;color:#333;border:1px dashed #555}
mark.held::before{background:#d35400!important}
.current{box-shadow:0 0 0 3px #f1c40f} pre.diff{background:#fcfcfc}
.add{color:#1e6b32} .del{color:#a00}
kbd{border:1px solid #aaa;border-radius:3px;padding:0 .3em;font-size:12px}
"""

# Keyboard (j/k removal, n/p file or page, a/r approve/reject), the decision buttons and the config write.
SERVER_JS = r"""
(function () {
  "use strict";
  var items = Array.prototype.slice.call(document.querySelectorAll("[data-kind]"));
  var cur = -1;
  function focus(i) {
    if (!items.length) return;
    if (cur >= 0) items[cur].classList.remove("current");
    cur = Math.max(0, Math.min(items.length - 1, i));
    var prev = document.querySelector("pre .current");
    if (prev) prev.classList.remove("current");
    items[cur].classList.add("current");
    var span = items[cur].dataset.kind === "removal" && document.getElementById("r" + items[cur].dataset.idx);
    if (span) span.classList.add("current");
    (span || items[cur]).scrollIntoView({block: "center"});
    document.body.dataset.current = String(cur);
  }
  function go(id) { var a = document.getElementById(id); if (a) window.location.href = a.getAttribute("href"); }
  function mark(el, verdict) {
    el.classList.remove("verdict-approve", "verdict-reject");
    if (verdict) el.classList.add("verdict-" + verdict);
    el.dataset.verdict = verdict;
  }
  function decide(el, verdict) {
    var d = {verdict: verdict}, keys = ["kind", "cleaner", "rule", "text", "input", "idx"];
    keys.forEach(function (k) { if (el.dataset[k] !== undefined) d[k] = el.dataset[k]; });
    return fetch("/api/decide", {method: "POST", headers: {"Content-Type": "application/json", "X-Boilerclean": "1"},
                                 body: JSON.stringify(d)})
      .then(function (r) { return r.json(); })
      .then(function (res) {
        if (res.error) { document.getElementById("status").textContent = res.error; return; }
        var same = items.filter(function (x) { return x.dataset.key === el.dataset.key; });
        same.forEach(function (x) { mark(x, res.verdict); });
        document.getElementById("status").textContent = res.message;
      });
  }
  document.addEventListener("click", function (e) {
    var b = e.target.closest("button.decide");
    if (!b) return;
    var el = b.closest("[data-kind]");
    decide(el, el.dataset.verdict === b.dataset.verdict ? "clear" : b.dataset.verdict);
  });
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || /INPUT|SELECT|TEXTAREA/.test(e.target.tagName)) return;
    if (e.key === "j") focus(cur + 1);
    else if (e.key === "k") focus(cur - 1);
    else if (e.key === "n") go("next");
    else if (e.key === "p") go("prev");
    else if ((e.key === "a" || e.key === "r") && cur >= 0) decide(items[cur], e.key === "a" ? "approve" : "reject");
  });
  var w = document.getElementById("write-config");
  if (w) w.addEventListener("click", function () {
    fetch("/api/write-config", {method: "POST", headers: {"Content-Type": "application/json", "X-Boilerclean": "1"},
                                body: JSON.stringify({shown: w.dataset.shown})})
      .then(function (r) { return r.json(); })
      .then(function (res) { document.getElementById("status").textContent = res.error || res.message; });
  });
  items.forEach(function (el) { mark(el, el.dataset.verdict || ""); });
  document.body.dataset.ready = "1";
})();
"""
