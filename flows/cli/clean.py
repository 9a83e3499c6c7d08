"""`boilerclean clean`: the cleaned text of one document on stdout."""

from __future__ import annotations

import argparse
import sys

from .common import EXIT_FAILED_FILES, EXIT_OK, add_config, load_ruleset_or_exit

CLEAN_HELP = """\
Print the cleaned text of one document on stdout (no Prefect, no files written).

examples:
  boilerclean clean article.txt > article.clean.txt
  boilerclean clean page.html                   article text extracted with trafilatura, then cleaned
  curl -s https://example.org/a.txt | boilerclean clean - --config rules.yaml
"""


def register(subparsers, formatter_class) -> None:
    clean = subparsers.add_parser(
        "clean", help="clean one document to stdout", description=CLEAN_HELP, formatter_class=formatter_class
    )
    clean.add_argument(
        "file", nargs="?", default="-", metavar="FILE|-", help="document to clean; - or nothing for stdin"
    )
    add_config(clean)
    clean.set_defaults(func=cmd_clean)


def cmd_clean(args: argparse.Namespace) -> int:
    from cleaners import clean_text

    from ..inputs.discover import InputFile
    from ..inputs.read import document_from_bytes, read_document

    ruleset = load_ruleset_or_exit(args.config)
    name = "<stdin>" if args.file == "-" else args.file
    try:
        # Read as `run` reads it: a page's article text, titles and domain (per-source rules).
        if args.file == "-":
            doc = document_from_bytes(sys.stdin.buffer.read(), name, ruleset.extraction)
        else:
            doc = read_document(InputFile(args.file, args.file), ruleset.extraction)
    except (OSError, ValueError) as exc:
        print(f"boilerclean: {name}: {getattr(exc, 'strerror', None) or exc}", file=sys.stderr)
        return EXIT_FAILED_FILES
    result = clean_text(doc.text, ruleset, source=name, domain=doc.domain, titles=doc.titles)
    sys.stdout.buffer.write(result.cleaned.encode("utf-8"))
    sys.stdout.flush()
    return EXIT_OK
