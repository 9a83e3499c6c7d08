"""Config `extraction: trimmed`: trafilatura's default text, less the non-prose lines at its end that
favor_precision drops too (issue 12 item 3).

A page's default extraction keeps what comes after the article (teaser lists, "Topics", newsletter and
subscription prompts); favor_precision drops most of that but also article paragraphs. Here a line goes
only when all of these hold:
- it sits in the trailing run of lines that the favor_precision text does not have (the article's end,
  where that run starts, is where both extractions agree last);
- it is not sentence-like (cleaners.risk.measure: words, sentence end, stop-word share);
- some line before the run is in both texts (no anchor, no end to trust);
- favor_precision kept at least MIN_SHARE of the default text's characters (when it kept much less,
  it missed the article and its end means nothing).
Designed on half A of both dev sets (`python benchmarks/article_quality.py`); the dropped lines are
listed in the report's `extraction` entry, so nothing goes unrecorded.
"""

from __future__ import annotations

from cleaners.risk import measure

# favor_precision's text must keep at least this share of the default text's characters.
MIN_SHARE = 0.5


def _key(line: str) -> str:
    return " ".join(line.split())


def trailing_run(lines: list[str], have: set[str]) -> range:
    """Indexes of the trailing run of lines (blank ones included) whose text is not in `have`."""
    start = len(lines)
    while start > 0 and (not _key(lines[start - 1]) or _key(lines[start - 1]) not in have):
        start -= 1
    return range(start, len(lines))


def trim_tail(text: str, precise: str) -> tuple[str, list[str]]:
    """`text` less its trailing non-prose lines that `precise` lacks; and the lines dropped."""
    if len(precise) < MIN_SHARE * len(text):
        return text, []
    lines = text.splitlines()
    have = {_key(ln) for ln in precise.splitlines()}
    run = trailing_run(lines, have)
    if run.start == 0:  # the texts share no line: nothing says where the article ends
        return text, []
    drop = {k for k in run if _key(lines[k]) and not measure(lines[k]).sentence_like}
    if not drop:
        return text, []
    kept = "\n".join(ln for k, ln in enumerate(lines) if k not in drop)
    return kept, [lines[k] for k in sorted(drop)]
