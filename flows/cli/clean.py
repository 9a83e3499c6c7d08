"""`boilerclean clean`: one document's cleaned text on stdout, or its diff, or what was removed and why."""

from __future__ import annotations

import argparse
import sys
from collections import Counter

from .common import EXIT_FAILED_FILES, EXIT_OK, EXIT_USAGE, add_config, load_ruleset_or_exit

CLEAN_HELP = """\
Print the cleaned text of one document on stdout (no Prefect, no files written); with --diff a
unified diff (original -> cleaned), with --explain each removal with its cleaner and rule.

examples:
  boilerclean clean article.txt > article.clean.txt
  boilerclean clean article.txt --explain       what was removed, by which cleaner and rule
  boilerclean clean page.html --diff            article text extracted with trafilatura, then cleaned
  curl -s https://example.org/a.txt | boilerclean clean - --config rules.yaml
"""

USAGE_HINT = """\
boilerclean clean: no document given. Pass a file, or pipe one in:
  boilerclean clean article.txt
  cat article.txt | boilerclean clean -
(see boilerclean clean --help)"""

TEXT_WIDTH = 72  # characters of a removed span shown by --explain


def register(subparsers, formatter_class) -> None:
    clean = subparsers.add_parser(
        "clean", help="clean one document to stdout", description=CLEAN_HELP, formatter_class=formatter_class
    )
    clean.add_argument(
        "file", nargs="?", default=None, metavar="FILE|-", help="document to clean; - or nothing for stdin"
    )
    add_config(clean)
    show = clean.add_mutually_exclusive_group()
    show.add_argument("--diff", action="store_true", help="print a unified diff instead of the cleaned text")
    show.add_argument(
        "--explain", action="store_true", help="list each removal: cleaner, rule, risk, and why held"
    )
    clean.set_defaults(func=cmd_clean)


def cmd_clean(args: argparse.Namespace) -> int:
    if args.file is None and sys.stdin.isatty():
        print(USAGE_HINT, file=sys.stderr)  # rather than waiting silently for typed input
        return EXIT_USAGE
    from cleaners import clean_text

    from ..inputs.discover import InputFile
    from ..inputs.read import document_from_bytes, read_document

    ruleset = load_ruleset_or_exit(args.config)
    path = args.file or "-"
    name = "<stdin>" if path == "-" else path
    try:
        # Read as `run` reads it: a page's article text, titles and domain (per-source rules).
        if path == "-":
            doc = document_from_bytes(sys.stdin.buffer.read(), name, ruleset.extraction)
        else:
            doc = read_document(InputFile(path, path), ruleset.extraction)
    except (OSError, ValueError) as exc:
        print(f"boilerclean: {name}: {getattr(exc, 'strerror', None) or exc}", file=sys.stderr)
        return EXIT_FAILED_FILES
    result = clean_text(doc.text, ruleset, source=name, domain=doc.domain, titles=doc.titles)
    if args.diff:
        from ..outputs.diff import iter_diff

        chunks = iter_diff(doc.text, result.removals, name)
    elif args.explain:
        chunks = explain_lines(doc.text, result)
    else:
        chunks = (result.cleaned,)
    out = sys.stdout.buffer
    for chunk in chunks:
        out.write(chunk.encode("utf-8"))
    out.flush()
    return EXIT_OK


def explain_lines(original: str, result):
    """One line per removal (line, what became of it, cleaner, rule, risk if known, text), then totals."""
    from cleaners.core import Status

    from ..outputs.records import removal_records, status_of

    words = {Status.ACTING: "removed", Status.SHADOW: "shadow match (kept)", Status.HELD: "held (kept)"}
    records = removal_records(original, result.removals)
    for d in records:
        lines = f"{d['line']}" if d["end_line"] == d["line"] else f"{d['line']}-{d['end_line']}"
        risk = f" [risk {d['risk']}]" if d.get("risk") else ""
        what = words[status_of(d)]
        yield f"line {lines}: {what} by {d['cleaner']} / {d['rule']}{risk}: {_short(d['text'])}\n"
        # Reasons beyond the rule's own level ("rule likely" only repeats the bracket).
        reasons = [str(r) for r in d.get("risk_reasons", []) if r != f"rule {d.get('risk')}"]
        if reasons:
            yield f"    risk: {'; '.join(reasons)}\n"
        if d.get("held"):
            yield f"    held because: {d['held']}\n"
    if result.held:
        yield f"removals held for review (kept in the text): {'; '.join(map(str, result.held))}\n"
    n = Counter(status_of(d) for d in records)
    yield (
        f"{n[Status.ACTING]} removed, {n[Status.HELD]} held for review, {n[Status.SHADOW]} shadow matches; "
        f"{len(result.cleaned)} of {len(original)} characters kept\n"
    )


def _short(text: str) -> str:
    flat = text.replace("\r", "\\r").replace("\n", "\\n")
    return flat if len(flat) <= TEXT_WIDTH else flat[: TEXT_WIDTH - 3] + "..."
