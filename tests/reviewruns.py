"""Runs the review tests share: seeds, a hostile run (HTML in texts, names, rules; failure; shadow)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import SEEDS, report_of

from flows.run.prefect_flow import clean_flow

# Lines that must be shown as text, never run: in kept lines, in removed lines, in a file name and in a rule
# name.
HOSTILE_KEPT = [
    "<script>window.__pwned = 'script';</script>",
    "<img src=x onerror=\"window.__pwned='img'\">",
    "</textarea><script>window.__pwned='textarea'</script>",
    "</script><script>window.__pwned='json'</script>",
    "<iframe src=\"javascript:window.parent.__pwned='iframe'\"></iframe>",
]
HOSTILE_REMOVED = "ADVERT <img src=x onerror=\"window.__pwned='removed'\"> </script><b>bold</b>"
HOSTILE_RULE = "<img src=x onerror=alert(1)> rule"
HOSTILE_NAME = "<img src=x onerror=alert(9)> #1.txt"

HOSTILE_CONFIG = f"""
cleaners:
  advertisement:
    rules:
      - name: '{HOSTILE_RULE}'
        pattern: '^ADVERT '
  image_caption:
    rules:
      - name: credit-only line
        mode: shadow
"""

HOSTILE_TEXT = (
    "\n".join(
        [
            "Council approves the new budget",
            "",
            *HOSTILE_KEPT,
            HOSTILE_REMOVED,
            "Photo: Reuters",
            "Advertisement",
            "The end of the article.",
        ]
    )
    + "\n"
)


def run_seeds(out: Path) -> dict:
    """The seeds cleaned into `out` (in-process), as `boilerclean run seeds --out DIR --pages` does."""
    return clean_flow.fn(paths=[str(SEEDS)], out=str(out), pages=True)


def run_hostile(tmp: Path) -> Path:
    """A run over hostile documents with a shadow rule and one undecodable file; returns the output folder."""
    src = tmp / "hostile-in"
    (src / "sub").mkdir(parents=True)
    (src / HOSTILE_NAME).write_text(HOSTILE_TEXT, encoding="utf-8")
    (src / "sub" / "plain.txt").write_text(
        "Just an article line.\nAdvertisement\nAnother article line.\n", encoding="utf-8"
    )
    # Damaged UTF-8 (one stray byte among valid UTF-8): still refused, while pure Latin-1 now decodes (issue
    # 7).
    (src / "broken.txt").write_bytes(b"caf\xc3\xa9 cr\xc3\xa8me au lait \xe9\n")
    config = tmp / "hostile.yaml"
    config.write_text(HOSTILE_CONFIG, encoding="utf-8")
    out = tmp / "hostile-out"
    clean_flow.fn(paths=[str(src)], out=str(out), config=str(config), pages=True)
    return out


def reports(out: Path) -> dict[str, dict]:
    """Every report of a run, by input, read straight from disk."""
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    result = {}
    for rec in summary["file_records"]:
        stem = rec["input"][: -len(".txt")]
        result[rec["input"]] = report_of(out, f"{stem}")
    return result
