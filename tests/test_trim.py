"""`extraction: trimmed`: the default text less its trailing non-prose lines that favor_precision drops."""

from __future__ import annotations

import trafilatura

from flows.inputs import extract as extract_mod
from flows.inputs.trim import trim_tail

ARTICLE = [
    "The old harbour bridge reopened to traffic on Monday morning, two years after it was closed.",
    "Hundreds of people walked across the span before the first cars were let through.",
    "The repairs cost 48 million euros, a third more than the council first estimated.",
]
TAIL = [
    "Topics",
    "- Ferry timetable changes for the winter season",
    "- Council approves new cycle lanes on the quay",
    "Get the day's big stories in your inbox",
]


def test_trailing_non_prose_lines_that_precision_lacks_go():
    text = "\n".join(ARTICLE + TAIL)
    kept, dropped = trim_tail(text, "\n".join(ARTICLE))
    assert kept == "\n".join(ARTICLE)
    assert dropped == TAIL


def test_trailing_sentence_stays_and_lines_precision_has_stay():
    closing = "The council said the bridge should now last another fifty years with ordinary maintenance."
    text = "\n".join(ARTICLE + ["Topics", closing, "Photos"])
    kept, dropped = trim_tail(text, "\n".join(ARTICLE))
    assert dropped == ["Topics", "Photos"]
    assert kept == "\n".join(ARTICLE + [closing])
    # A label that favor_precision keeps too ends the trailing run: nothing before it is looked at.
    text = "\n".join(ARTICLE + ["Topics", "Photos"])
    assert trim_tail(text, "\n".join(ARTICLE + ["Photos"])) == (text, [])


def test_nothing_trimmed_when_precision_missed_the_article_or_shares_no_line():
    text = "\n".join(ARTICLE + TAIL)
    assert trim_tail(text, ARTICLE[0]) == (text, [])  # under half the characters
    reflowed = " ".join(ARTICLE)  # same words, other line breaks: no anchor line
    assert trim_tail(text, reflowed) == (text, [])
    assert trim_tail(text, text) == (text, [])


def test_extract_article_trims_and_records_the_dropped_lines(monkeypatch):
    def fake_extract(html, **settings):
        return "\n".join(ARTICLE) if settings.get("favor_precision") else "\n".join(ARTICLE + TAIL)

    monkeypatch.setattr(trafilatura, "extract", fake_extract)
    monkeypatch.setattr(extract_mod, "page_titles", lambda html, meta=None: ())
    ext = extract_mod.extract_article("<html><body><p>x</p></body></html>", "utf-8", "trimmed")
    assert ext.text == "\n".join(ARTICLE)
    record = ext.record()
    assert record["trimmed"] == TAIL and record["chars_out"] == len(ext.text)
    plain = extract_mod.extract_article("<html><body><p>x</p></body></html>", "utf-8", "default")
    assert plain.text == "\n".join(ARTICLE + TAIL) and "trimmed" not in plain.record()
