"""`boilerclean review DIR --serve`: a local review app on 127.0.0.1, every page rendered on demand.

The standard library's ThreadingHTTPServer: no dependency, imported in 1 ms where uvicorn + starlette take
about 200 ms (measured here, 2026-12-01), and a review server serves one person. Pages are
built from the run's records (summary.json and the reports), so a run need not write a page per input.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import signal
import sys
from dataclasses import dataclass, field
from functools import cached_property
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from ..outputs.records import ReportReader
from .data import read_report
from .decisions import KINDS, VERDICTS, DecisionError, Decisions, propose, write_config
from .runindex import Filters, RunIndex
from .server_assets import SERVER_JS
from .views import PAGE_ROWS, layout, view_config, view_file, view_files, view_lines, view_removals, view_run
from .write import head_of_texts, original_and_cleaned

log = logging.getLogger(__name__)
MAX_BODY = 1 << 16  # a decision is a few hundred bytes
# A file page shows at most this much text (a 300 MB file's whole page was 796 MB).
PAGE_CHARS = 1_000_000


@dataclass
class Response:
    status: int
    body: bytes
    ctype: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


def _sha(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def json_response(status: int, data: dict) -> Response:
    return Response(status, json.dumps(data).encode("utf-8"), "application/json")


class ReviewApp:
    """The routes of the review server over one run (the output folder `out_dir`)."""

    def __init__(self, out_dir: str | Path, config: str | Path | None = None) -> None:
        self.out = Path(out_dir).resolve()
        self.reports = ReportReader(self.out)
        self.ix = RunIndex(self.out)
        self.decisions = Decisions(self.out)
        self.config = Path(config) if config else None
        self.pages = {
            "/": self._run,
            "/lines": self._lines,
            "/files": self._files,
            "/removals": self._removals,
            "/file": self._file,
            "/config": self._config,
        }

    def get(self, target: str) -> Response:
        url = urlsplit(target)
        query = parse_qs(url.query)
        if url.path.startswith("/out/"):
            return self.output_file(unquote(url.path[len("/out/") :]))
        view = self.pages.get(url.path)
        if view is None:
            return Response(404, b"not found", "text/plain")
        f = Filters.from_query(query)
        title, body = view(f, query)
        html, css = layout(self.ix, url.path, f, title, body)
        html += f"<script>{SERVER_JS}</script>\n</body></html>\n"
        csp = (
            f"default-src 'none'; style-src {_sha(css)}; script-src {_sha(SERVER_JS)}; connect-src 'self';"
            " form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
        )
        return Response(200, html.encode("utf-8"), headers={"Content-Security-Policy": csp})

    def output_file(self, rel: str) -> Response:
        """A file of the run (text, diff, report) as plain text; anything outside DIR is refused."""
        path = (self.out / rel).resolve()
        if not path.is_relative_to(self.out) or not path.is_file():
            return Response(403, b"refused: not a file of this run", "text/plain")
        ctype = "application/json" if path.suffix == ".json" else "text/plain; charset=utf-8"
        return Response(200, path.read_bytes(), ctype)

    @staticmethod
    def _page(query: dict) -> int:
        try:
            return max(0, int((query.get("page") or ["0"])[0]))
        except ValueError:
            return 0

    def _run(self, f: Filters, query: dict) -> tuple[str, str]:
        return "Run", view_run(self.ix, f, self.decisions)

    def _lines(self, f: Filters, query: dict) -> tuple[str, str]:
        return "Removed lines", view_lines(self.ix, f, self._page(query), self.decisions)

    def _files(self, f: Filters, query: dict) -> tuple[str, str]:
        return "Files", view_files(self.ix, f, self._page(query))

    def _removals(self, f: Filters, query: dict) -> tuple[str, str]:
        file = self._file_index(query)
        return "Removals", view_removals(self.ix, f, self._page(query), self.decisions, file)

    def _file_index(self, query: dict) -> int | None:
        for key in ("i", "file"):
            raw = (query.get(key) or [""])[0]
            if raw.isdigit() and int(raw) < len(self.ix.files):
                return int(raw)
        return None

    def _file(self, f: Filters, query: dict) -> tuple[str, str]:
        i = self._file_index(query)
        if i is None:
            return "No such file", '<p class="err">No such file in this run.</p>'
        texts, note = self.texts(i)
        return self.ix.files[i].input, view_file(self.ix, i, f, self.decisions, texts, note)

    def texts(self, i: int):
        """((original, cleaned, removals) of file i, rebuilt from its output and report, or the problem;
        a note when the file is too big to show whole and only its start is shown)."""
        entry = self.ix.files[i]
        report = read_report(self.reports, entry.record, self.ix.summary)
        if report is None or report.get("error") or entry.record.get("error"):
            why = entry.record.get("error") or (report or {}).get("error") or "no report"
            return f"Not cleaned: {why}", ""
        try:
            chars = report.get("chars_in", 0)
            if chars > PAGE_CHARS:
                note = (
                    f"This file has {chars:,} characters: the page shows the first {PAGE_CHARS:,} and the"
                    f" first {PAGE_ROWS:,} removals. All removals: the Removals view of this file;"
                    f" the whole texts: {report['output']} and its .diff."
                )
                return head_of_texts(self.out, report, PAGE_CHARS), note
            return original_and_cleaned(self.out, report), ""
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            return f"cannot rebuild the original for review: {exc}", ""

    def _config(self, f: Filters, query: dict) -> tuple[str, str]:
        try:
            proposal = propose(self.config, self.decisions.items)
        except DecisionError as exc:
            return "Config change", f'<p class="err">{exc}</p>'
        name = str(self.config) if self.config else None
        return "Config change", view_config(proposal, name, len(self.decisions.items))

    def post(self, path: str, body: dict) -> Response:
        try:
            if path == "/api/decide":
                return json_response(200, self.decide(body))
            if path == "/api/write-config":
                return json_response(200, self.write(body))
        except DecisionError as exc:
            return json_response(409, {"error": str(exc)})
        return json_response(404, {"error": "not found"})

    def decide(self, body: dict) -> dict:
        d = self.checked_decision(body)
        self.decisions.set(d)
        verdict = "" if d["verdict"] == "clear" else d["verdict"]
        what = {"line": "line", "rule": f"rule {d.get('cleaner')}/{d.get('rule')}", "removal": "removal"}[
            d["kind"]
        ]
        return {"verdict": verdict, "message": f"{what}: {verdict or 'cleared'} (saved; see Config change)"}

    def checked_decision(self, body: dict) -> dict:
        """The decision rebuilt from the run's own records: the page only names what was decided."""
        kind, verdict = body.get("kind"), body.get("verdict")
        if kind not in KINDS or verdict not in (*VERDICTS, "clear"):
            raise DecisionError("unknown kind or verdict")
        if kind == "line":
            if body.get("text") not in self.line_set:
                raise DecisionError("not a removed line of this run")
            return {"kind": kind, "verdict": verdict, "text": body["text"]}
        if kind == "rule":
            if f"{body.get('cleaner')}/{body.get('rule')}" not in self.ix.rules:
                raise DecisionError("not a rule of this run")
            return {"kind": kind, "verdict": verdict, "cleaner": body["cleaner"], "rule": body["rule"]}
        i, idx = self.ix.by_input.get(body.get("input")), str(body.get("idx", ""))
        rows = self.ix.rows_of(i) if i is not None else []
        if not idx.isdigit() or int(idx) >= len(rows):
            raise DecisionError("not a removal of this run")
        r = rows[int(idx)]
        return {"kind": kind, "verdict": verdict, "input": body["input"], "idx": idx, "lines": list(r.lines),
                "source": r.source, "cleaner": r.cleaner, "rule": r.rule}  # fmt: skip

    @cached_property
    def line_set(self) -> frozenset[str]:
        return frozenset(line for r in self.ix.rows for line in r.lines)

    def write(self, body: dict) -> dict:
        if self.config is None:
            raise DecisionError("no --config FILE given: nothing to write")
        proposal = propose(self.config, self.decisions.items)
        backup = write_config(self.config, proposal, str(body.get("shown", "")))
        kept = f"; the old one is {backup}" if backup else ""
        return {
            "message": f"wrote {self.config}{kept}. Now: boilerclean run ... --config {self.config} --dry-run"
        }


def make_handler(app: ReviewApp, port_ref: list[int]):
    class Handler(BaseHTTPRequestHandler):
        server_version = "boilerclean-review"

        def log_message(self, fmt, *args):  # noqa: A003 - one debug line per request, not stderr noise
            log.debug("%s " + fmt, self.address_string(), *args)

        def _host_ok(self) -> bool:
            # Only our own address: a page on another site that resolves its name to 127.0.0.1 is refused.
            return self.headers.get("Host", "") in (f"127.0.0.1:{port_ref[0]}", f"localhost:{port_ref[0]}")

        def do_GET(self):  # noqa: N802 - http.server's name
            self._send(app.get(self.path) if self._host_ok() else Response(403, b"bad host", "text/plain"))

        def do_POST(self):  # noqa: N802
            self._send(self._post())

        def _post(self) -> Response:
            # A custom header and JSON: a cross-site form or fetch cannot send them without our CORS consent.
            if not self._host_ok() or self.headers.get("X-Boilerclean") != "1":
                return json_response(403, {"error": "refused"})
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                return json_response(413, {"error": "too large"})
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                return json_response(400, {"error": "not JSON"})
            return app.post(urlsplit(self.path).path, body if isinstance(body, dict) else {})

        def _send(self, r: Response) -> None:
            self.send_response(r.status)
            self.send_header("Content-Type", r.ctype)
            self.send_header("Content-Length", str(len(r.body)))
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Referrer-Policy", "no-referrer")
            for k, v in r.headers.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(r.body)

    return Handler


def serve(out_dir: str | Path, port: int = 0, config: str | Path | None = None) -> int:
    """Serve the review of the run in out_dir on 127.0.0.1 until Ctrl-C or SIGTERM; prints the URL."""
    app = ReviewApp(out_dir, config)
    app.ix.warm()  # the unfiltered tables counted before the URL is shown: the first page is quick
    port_ref = [port]
    httpd = ThreadingHTTPServer(("127.0.0.1", port), make_handler(app, port_ref))
    httpd.daemon_threads = True
    port_ref[0] = httpd.server_address[1]
    # SIGINT too: a server started from a script's background job inherits it ignored, and Ctrl-C must work.
    previous = {s: signal.signal(s, _interrupt) for s in (signal.SIGTERM, signal.SIGINT)}
    try:  # from the URL on, Ctrl-C or SIGTERM stops it cleanly
        print(f"boilerclean review: http://127.0.0.1:{port_ref[0]}/ (Ctrl-C to stop)", flush=True)
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()
        for s, handler in previous.items():
            signal.signal(s, handler)
    print("boilerclean review: stopped", file=sys.stderr)
    return 0


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt
