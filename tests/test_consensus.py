"""`extraction: consensus`: `trimmed`'s text, with favor_recall's lines jusText calls good added and the
non-prose lines jusText and favor_precision both reject dropped (flows/inputs/consensus.py); then the head
and tail lines outside readability's article that jusText calls bad, unless a title or sentence-like (at the
tail a sentence goes too when jusText calls it bad on its own, a list item aside) (flows/inputs/edges.py);
then the page's document order (flows/inputs/order.py)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import lxml.html
import trafilatura

from flows.inputs import extract as extract_mod
from flows.inputs.consensus import (
    add_recall_lines,
    classify,
    consensus,
    drop_rejected,
    line_key,
    page_language,
    verdicts,
)
from flows.inputs.edges import article_paragraphs, trim_edges
from flows.inputs.order import drop_displaced, restore_lead, resume

P1 = (
    "The old harbour bridge reopened to traffic on Monday morning, two years after it was closed for"
    " repairs that the council had put off for a decade, and the first buses crossed it before eight"
    " o'clock while people on the quay watched from behind the barriers."
)
P2 = (
    "Hundreds of people walked across the span before the first cars were let through, and many of them"
    " said that they had missed the short way into the old town and the view of the harbour from the"
    " top of the bridge during the two years of the works."
)
P3 = (
    "The repairs cost 48 million euros, a third more than the council first estimated when the work"
    " began, because the steel of the old deck was in a worse state than the engineers had thought and"
    " all of it had to be replaced in the end."
)
# Found only by favor_recall (a paragraph trafilatura's default misses).
P_RECALL = (
    "The council said that the bridge should now last for another fifty years with ordinary maintenance,"
    " and that it would publish the full accounts of the works in the spring so that anyone who wants"
    " to can see where the money went and why it went over the estimate."
)
LINKED_SENTENCE = (
    "Read the full report on the council's website, where the figures for every year are listed."
)
NAV = ["Home", "News", "Sport"]
RELATED = [
    "- Ferry timetable changes for the winter season",
    "- Council approves new cycle lanes on the quay",
]
COPYRIGHT = "© 2026 Harbour Gazette. All rights reserved."

HTML = f"""<html><head><title>Harbour bridge reopens</title></head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li>
<li><a href="/sport">Sport</a></li></ul></nav>
<article><h1>Harbour bridge reopens</h1><p>{P1}</p><p>{P2}</p>
<h2>What it cost</h2><ul><li>200 tonnes of steel</li><li>48 million euros</li></ul>
<p>Read the <a href="/r">full report on the council's website, where the figures</a> for every year are
listed.</p><p>{P3}</p><div class="aside"><p>{P_RECALL}</p></div></article>
<ul class="related"><li><a href="/a">Ferry timetable changes for the winter season</a></li>
<li><a href="/b">Council approves new cycle lanes on the quay</a></li></ul>
<footer>{COPYRIGHT}</footer></body></html>"""


def test_jusText_classes_a_real_page_nav_and_link_lists_bad_article_good():
    assert page_language(P1 + P2) == "English"
    v = verdicts(classify(HTML, "English"))
    assert v(P1) == ("good", "good") and v(P_RECALL) == ("good", "good")
    assert v("Home")[0] == "bad" and v(RELATED[0])[0] == "bad" and v(COPYRIGHT)[0] == "bad"
    assert v(LINKED_SENTENCE)[0] == "bad"  # mostly link text, but a sentence
    assert v("What it cost")[0] == "short" and v("- 200 tonnes of steel")[0] == "short"
    assert v("A line the page does not have") is None


def test_no_language_no_opinion():
    assert page_language("12 345 678 — 2026") is None
    assert page_language("") is None
    assert classify("", "English") == []  # an empty document: no paragraphs, no error


def test_non_prose_lines_jusText_and_precision_reject_go_and_look_alikes_stay():
    v = verdicts(classify(HTML, "English"))
    article = [P1, P2, "What it cost", "- 200 tonnes of steel", "- 48 million euros", LINKED_SENTENCE, P3]
    text = "\n".join(NAV + article + RELATED + [COPYRIGHT])
    precise = "\n".join([P1, P2, P3, "- Ferry timetable changes for the winter season"])
    kept, dropped = drop_rejected(text, precise, v)
    # Kept: a heading and list items jusText calls short (not bad), a sentence with a link in it
    # (sentence-like), a link line favor_precision has too; article paragraphs whatever precise says.
    assert kept == "\n".join(article + [RELATED[0]])
    assert dropped == NAV + [RELATED[1], COPYRIGHT]


def test_a_line_is_matched_exactly_or_inside_one_paragraph_never_by_a_short_fragment():
    paragraphs = [("home", "bad", "bad"), ("subscribe to our newsletter today", "bad", "bad")]
    v = verdicts(paragraphs)
    assert v(" HOME ") == ("bad", "bad") and v("- Home") == ("bad", "bad")
    assert v("our newsletter today") == ("bad", "bad")  # inside the one paragraph that has it
    assert v("newsletter") is None  # shorter than MIN_CONTAINED and not a paragraph of its own
    two = verdicts(paragraphs + [("our newsletter today is out", "good", "good")])
    assert two("our newsletter today") is None  # inside two paragraphs of different classes


def test_recall_lines_jusText_calls_good_are_added_after_their_anchor():
    v = verdicts(classify(HTML, "English"))
    default = "\n".join([P1, P2, P3, *RELATED])
    text = "\n".join([P1, P2, P3])  # trimmed: the related list is gone
    recall = "\n".join(["Home", P1, P2, P3, P_RECALL, *RELATED, "Sport"])
    out, added = add_recall_lines(text, default, recall, v)
    assert added == [P_RECALL] and out == "\n".join([P1, P2, P3, P_RECALL])
    # Nothing to add when recall finds nothing new; lines trimmed from default never come back.
    assert add_recall_lines(text, default, default, v) == (text, [])


def test_consensus_trims_adds_and_drops_and_records_each_line():
    v = classify(HTML, "English")
    default = "\n".join(["Home", P1, P2, P3, "Tags", *RELATED])
    precise = "\n".join([P1, P2, P3])
    recall = "\n".join(["Home", P1, P2, P_RECALL, P3, "Tags", *RELATED])
    found = consensus(default, precise, recall, v)
    assert found.trimmed == ["Tags", *RELATED]
    assert found.added == [P_RECALL] and found.dropped == ["Home"]
    assert found.text == "\n".join([P1, P2, P_RECALL, P3])
    # Without jusText's classes only the tail is trimmed, as in `extraction: trimmed`.
    assert consensus(default, precise, recall, []).text == "\n".join(["Home", P1, P2, P3])


def test_extract_article_consensus_records_added_and_dropped_lines(monkeypatch):
    texts = {
        "favor_precision": "\n".join([P1, P2, P3]),
        "favor_recall": "\n".join(["Home", P1, P2, P3, P_RECALL]),
    }

    def fake_extract(html, **settings):
        which = next((k for k in texts if settings.get(k)), None)
        return texts[which] if which else "\n".join(["Home", P1, P2, P3])

    monkeypatch.setattr(trafilatura, "extract", fake_extract)
    ext = extract_mod.extract_article(HTML, "utf-8", "consensus")
    assert ext.text == "\n".join([P1, P2, P3, P_RECALL])
    record = ext.record()
    assert record["dropped"] == ["Home"] and record["added"] == [P_RECALL] and record["trimmed"] == []
    assert record["judged_by"]["language"] == "English" and record["chars_out"] == len(ext.text)
    assert record["judged_by"]["paragraphs"] == len(classify(HTML, "English"))


def test_line_key_ignores_case_spacing_and_list_marker():
    assert line_key("-  Ferry   Timetable ") == "ferry timetable"
    assert line_key("  ") == ""


# The edges step (flows/inputs/edges.py).
BAD, GOOD = ("bad", "bad"), ("good", "good")
ARTICLE = [line_key(p) for p in (P1, P2, P3)]
# Lines above and below the article that jusText calls bad, and look-alikes that must stay.
HEAD = ["Home", "24. April 2020 | Press releases", "Ferry timetable changes for the winter season"]
TAIL = ["See also:", *RELATED, "Photo: Jane Doe"]
LEAD = "The council met on Monday and agreed that the bridge would open again before the winter."
TITLE = "Harbour bridge reopens"


def verdict_of(table: dict[str, tuple[str, str]]):
    return lambda line: table.get(line)


def test_head_and_tail_lines_jusText_calls_bad_go():
    text = "\n".join([*HEAD, P1, P2, P3, *TAIL])
    v = verdict_of({ln: BAD for ln in HEAD + TAIL})
    out, dropped = trim_edges(text, ARTICLE, v, line_key)
    assert out == "\n".join([P1, P2, P3])
    assert dropped == HEAD + TAIL


def test_look_alikes_stay():
    # A sentence at the head (a lead readability left out), the headline, a line jusText calls good or
    # does not know, and a bad line between two article lines (not an edge) all stay.
    text = "\n".join([LEAD, TITLE, "Review", "Unknown label", P1, "Tags", P2, P3, "Share this"])
    v = verdict_of({LEAD: BAD, TITLE: BAD, "Review": GOOD, "Tags": BAD, "Share this": BAD})
    out, dropped = trim_edges(text, ARTICLE, v, line_key, titles=(f"{TITLE} | Harbour Gazette",))
    assert dropped == ["Share this"]
    assert out == "\n".join([LEAD, TITLE, "Review", "Unknown label", P1, "Tags", P2, P3])
    # A tail line jusText calls bad only on its own (context-free class) stays.
    assert trim_edges(f"{P1}\nMore", ARTICLE, verdict_of({"More": ("bad", "good")}), line_key)[1] == []


# A sentence under the article that jusText calls bad on its own (a link: an offer or a teaser), and
# look-alikes: a sentence bad only in its context, a list item, the same offer above the article.
OFFER = "Get the Harbour Gazette on every device for as little as 5 euros a month for the first year."
NOTE = "The mayor will answer readers' questions about the bridge at the town hall on Friday evening."
UPDATE = "- In the comments readers said that the bridge was closed for far longer than it should have been."


def test_a_tail_sentence_jusText_calls_bad_on_its_own_goes():
    text = "\n".join([P1, P2, P3, OFFER])
    out, dropped = trim_edges(text, ARTICLE, verdict_of({OFFER: BAD}), line_key)
    assert dropped == [OFFER] and out == "\n".join([P1, P2, P3])


def test_tail_sentence_look_alikes_stay():
    v = verdict_of({OFFER: BAD, UPDATE: BAD, NOTE: ("neargood", "bad"), LEAD: ("bad", "good")})
    for line in (NOTE, UPDATE, LEAD):  # bad only in context, a list item, bad only on its own
        text = "\n".join([P1, P2, P3, line])
        assert trim_edges(text, ARTICLE, v, line_key) == (text, [])
    text = "\n".join([OFFER, P1, P2, P3])  # at the head a sentence stays, whatever jusText says
    assert trim_edges(text, ARTICLE, v, line_key) == (text, [])


OFFER_HTML = f"""<html><head><title>{TITLE}</title></head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li></ul></nav>
<article><h1>{TITLE}</h1><p>{P1}</p><p>{P2}</p><p>{P3}</p></article>
<div class="promo"><p><a href="/subscribe">{OFFER}</a></p></div><div class="more"><p>{NOTE}</p></div>
<footer>{COPYRIGHT}</footer></body></html>"""


def test_extract_article_drops_a_linked_offer_under_the_article(monkeypatch):
    # Real jusText: the offer is all link text (bad on its own), the note is bad only in its context.
    printed = "\n".join([P1, P2, P3, OFFER, NOTE])
    monkeypatch.setattr(trafilatura, "extract", lambda html, **settings: printed)
    ext = extract_mod.extract_article(OFFER_HTML, "utf-8", "consensus")
    assert ext.text == "\n".join([P1, P2, P3, NOTE])
    assert ext.record()["edges"] == [OFFER]


def test_nothing_goes_without_an_article_that_holds_enough_of_the_text():
    text = "\n".join([*HEAD, P1, P2, P3, *TAIL])
    v = verdict_of({ln: BAD for ln in HEAD + TAIL})
    assert trim_edges(text, [], v, line_key) == (text, [])
    assert trim_edges(text, ["something else entirely"], v, line_key) == (text, [])
    # readability's article is one short paragraph of a long text: it picked another block.
    long_text = "\n".join(["Home", "Short paragraph here.", *[P2] * 10, "Share"])
    assert trim_edges(long_text, ["short paragraph here."], v, line_key) == (long_text, [])


def test_article_paragraphs_are_readabilitys_article():
    found = article_paragraphs(HTML, line_key)
    assert line_key(P1) in found and line_key(P3) in found
    assert "home" not in found and line_key(RELATED[0]) not in found
    assert article_paragraphs("", line_key) == [] and article_paragraphs("<html></html>", line_key) == []


def test_consensus_records_edge_lines():
    v = classify(HTML, "English")
    default = "\n".join(["Home", P1, P2, P3])
    found = consensus(default, default, default, v, ARTICLE)
    assert found.edges == ["Home"] and found.text == "\n".join([P1, P2, P3])
    assert consensus(default, default, default, v).edges == []  # no article: no edges step


def test_extract_article_records_edges(monkeypatch):
    # favor_precision keeps "Home" too, so only the edges step can take it.
    monkeypatch.setattr(trafilatura, "extract", lambda html, **settings: "\n".join(["Home", P1, P2, P3]))
    ext = extract_mod.extract_article(HTML, "utf-8", "consensus")
    assert ext.text == "\n".join([P1, P2, P3])
    record = ext.record()
    assert record["edges"] == ["Home"] and record["dropped"] == []
    assert record["edges_by"] == {"tool": "trafilatura.readability_lxml", "version": trafilatura.__version__}


# The document-order steps (flows/inputs/order.py).
C1 = (
    "After the break the mayor said that the council had learnt from the works and that the next bridge"
    " would be repaired in time, before its steel was in such a state that all of it had to be replaced."
)
C2 = (
    "The shops on the quay, which lost much of their trade while the bridge was closed, asked the council"
    " for help with their rents, and the council said that it would look at each case in the new year."
)
C3 = (
    "The ferry that carried people across the harbour during the works will keep running on weekends"
    " until the end of the summer, when the council will decide whether it is still needed at all."
)
BIO = (
    "Jane Doe is a reporter for the Harbour Gazette and has written about the town's roads and bridges"
    " for more than ten years, after she worked for a radio station in the north of the country."
)


def para(text: str, cf: str = "good", final: str = "good") -> tuple[str, str, str, str]:
    return (line_key(text), cf, final, text)


def test_resume_puts_back_the_article_after_a_break_every_pass_stopped_at():
    paragraphs = [
        para("Home", "bad", "bad"),
        para(P1),
        para(P2),
        para("Advertisement", "short"),
        para(C1),
        para("What they said", "short"),
        para(C2),
        para(C3),
        para("Share", "bad", "bad"),
    ]
    article = [line_key(p) for p in (P1, P2, C1, C2, C3)]
    text = "\n".join([P1, P2])
    out, added = resume(text, (text, text, text), paragraphs, article, line_key)
    assert added == [C1, C2, C3]  # the heading is not sentence-like, the ad slot is not in the article
    assert out == "\n".join([P1, P2, C1, C2, C3])


def test_resume_look_alikes_stay_out():
    text = "\n".join([P1, P2])
    article = [line_key(p) for p in (P1, P2, C1, C2, C3, BIO)]
    # Two good paragraphs after the article (a bio and a notice) are not its continuation.
    two = [para(P1), para(P2), para(BIO), para(C1)]
    assert resume(text, (text,), two, article, line_key) == (text, [])
    # A paragraph jusText calls bad, one readability's article lacks, one a trafilatura pass has: none counts.
    mixed = [para(P1), para(P2), para(C1, "bad", "bad"), para(C2), para(C3), para(P_RECALL)]
    assert resume(text, (text, f"{text}\n{C3}"), mixed, article, line_key) == (text, [])
    # Paragraphs before the text's first line are not looked at (a lead is another question), nor without
    # readability's article.
    before = [para(C1), para(C2), para(C3), para(P1), para(P2)]
    assert resume(text, (text,), before, article, line_key) == (text, [])
    after = [para(P1), para(P2), para(C1), para(C2), para(C3)]
    assert resume(text, (text,), after, [], line_key) == (text, [])


TEASER = "Night mode is an automatic setting which takes advantage of the new wide\u200c-angle camera."


def test_a_block_printed_out_of_document_order_goes():
    paragraphs = [
        para("Home", "bad", "bad"),
        para(P1),
        para(P2),
        para(P3),
        para("Comments", "short", "bad"),
        para(TEASER.replace("\u200c", ""), "bad", "bad"),
        para("Guides", "bad", "bad"),
    ]
    article = [line_key(p) for p in (P1, P2, P3)]
    text = "\n".join([TEASER, P1, P2, P3, "Home"])  # the teaser (joiners and all) first, the menu last
    out, dropped = drop_displaced(text, paragraphs, article, line_key)
    assert dropped == [TEASER, "Home"] and out == "\n".join([P1, P2, P3])


def test_displaced_look_alikes_stay():
    article = [line_key(p) for p in (P1, P2, P3)]
    text = "\n".join([LEAD, TEASER, P1, P2, P3, BIO])
    # A lead above the article in the document (bad or not), a teaser jusText calls good, a bio after the
    # article: each sits where the document has it, or jusText does not call it bad.
    paragraphs = [
        para(LEAD, "bad", "bad"),
        para(P1),
        para(P2),
        para(P3),
        para(BIO, "bad", "bad"),
        para(TEASER),
    ]
    assert drop_displaced(text, paragraphs, article, line_key) == (text, [])
    # Nothing goes without readability's article or jusText's paragraphs.
    assert drop_displaced(text, [], article, line_key) == (text, [])
    assert drop_displaced(text, paragraphs, [], line_key) == (text, [])


ADS_HTML = f"""<html><head><title>Harbour bridge reopens</title></head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li></ul></nav>
<article><h1>Harbour bridge reopens</h1><p>{P1}</p><p>{P2}</p><p>{P3}</p>
<div class="ad"><p>Advertisement</p></div><p>{C1}</p><p>{C2}</p><p>{C3}</p></article>
<footer>{COPYRIGHT}</footer></body></html>"""


def test_extract_article_records_resumed_and_displaced_lines(monkeypatch):
    # Every trafilatura pass stops at the ad slot; jusText and readability hold the rest.
    monkeypatch.setattr(trafilatura, "extract", lambda html, **settings: "\n".join([P1, P2, P3]))
    ext = extract_mod.extract_article(ADS_HTML, "utf-8", "consensus")
    assert ext.text == "\n".join([P1, P2, P3, C1, C2, C3])
    record = ext.record()
    assert record["resumed"] == [C1, C2, C3] and record["displaced"] == []


# The article's lead every trafilatura pass skipped (flows/inputs/order.py's restore_lead, round 20).
LEDE = (
    "The harbour bridge, closed for two years while its steel deck was replaced, opened again on Monday, and"
    " the council said that the works had cost a third more than it had planned when they began."
)
NOTICE = "Please enable JavaScript to see the live map of the works."
PITCH = "Sign up for our newsletter and get the day's news from the harbour in your inbox every morning."


def test_restore_lead_puts_back_the_lead_between_the_headline_and_the_body():
    paragraphs = [para("Home", "bad", "bad"), para(TITLE, "short"), para(LEDE), para(P1), para(P2)]
    text = "\n".join([TITLE, P1, P2])  # every pass printed the headline, then went on with the 2nd paragraph
    out, found = restore_lead(text, (text, text, text), paragraphs, (TITLE,), line_key)
    assert found == [LEDE] and out == "\n".join([TITLE, LEDE, P1, P2])
    # With no headline printed, the lead goes first.
    out, found = restore_lead("\n".join([P1, P2]), (text,), paragraphs, (TITLE,), line_key)
    assert found == [LEDE] and out == "\n".join([LEDE, P1, P2])


def test_restore_lead_look_alikes_stay_out():
    text = "\n".join([TITLE, P1, P2])
    # A notice and a pitch above the body that jusText calls bad, a short label, a lead a pass has: none
    # comes in.
    mixed = [
        para(TITLE, "short"),
        para(PITCH, "bad", "bad"),
        para(NOTICE, "short", "bad"),
        para("Live map", "short", "good"),
        para(LEDE),
        para(P1),
        para(P2),
    ]
    assert restore_lead(text, (text, f"{LEDE}\n{P1}"), mixed, (TITLE,), line_key) == (text, [])
    # A good paragraph more than LEAD_WINDOW above the body, or above the headline, is not the lead.
    far = [para(LEDE), para(TITLE, "short"), para("Photo: Harbour Gazette", "short", "bad")]
    far += [para(f"Caption {i}", "short", "bad") for i in range(3)] + [para(P1), para(P2)]
    assert restore_lead(text, (text,), far, (TITLE,), line_key) == (text, [])
    bare = "\n".join([P1, P2])  # no headline printed: only the window bounds the look upwards
    assert restore_lead(bare, (bare,), far, (TITLE,), line_key) == (bare, [])
    # Nothing without jusText's paragraphs.
    assert restore_lead(text, (text,), [], (TITLE,), line_key) == (text, [])


LEDE_HTML = f"""<html><head><title>{TITLE}</title></head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li></ul></nav>
<h1>{TITLE}</h1><div class="notice"><p>{NOTICE}</p></div><div class="standfirst"><p>{LEDE}</p></div>
<article><p>{P1}</p><p>{P2}</p><p>{P3}</p></article>
<footer>{COPYRIGHT}</footer></body></html>"""


def test_extract_article_records_the_lead(monkeypatch):
    # Every trafilatura pass prints the headline and skips the lead; jusText calls it good, the notice not.
    monkeypatch.setattr(trafilatura, "extract", lambda html, **settings: "\n".join([TITLE, P1, P2, P3]))
    ext = extract_mod.extract_article(LEDE_HTML, "utf-8", "consensus")
    assert ext.text == "\n".join([TITLE, LEDE, P1, P2, P3])
    assert ext.record()["lead"] == [LEDE]


def test_one_parse_serves_every_pass_as_separate_parses_would(monkeypatch):
    # The passes share one parsed tree: none may change it, so each result is what a parse of its own gives.
    harbour = (Path(__file__).parent / "data" / "html" / "harbour.html").read_text(encoding="utf-8")
    load, parsed = trafilatura.load_html, []

    def spy(page, *args, **kwargs):
        tree = load(page, *args, **kwargs)
        parsed.extend([tree] if isinstance(page, str) else [])
        return tree

    monkeypatch.setattr(trafilatura, "load_html", spy)
    for html in (HTML, OFFER_HTML, ADS_HTML, LEDE_HTML, harbour):
        parsed.clear()
        ext = extract_mod.extract_article(html, "utf-8", "consensus")
        assert len(parsed) == 1 and ext.paragraphs > 0  # parsed once, and every pass ran
        assert lxml.html.tostring(parsed[0]) == lxml.html.tostring(load(html))  # still as parsed
        text, titles = trafilatura.extract(html, include_comments=False), extract_mod.page_titles(html)
        alone = extract_mod._second_opinions(html, text, "consensus", titles)  # each pass parses the markup
        assert replace(ext, **alone, titles=titles) == ext
        assert extract_mod.extract_article(html, "utf-8", "consensus") == ext  # and again: same text


def test_page_metadata_is_trafilaturas_metadata_for_title_url_and_hostname():
    # page_titles and the page's domain read only these of trafilatura's metadata: the same, by its own steps.
    from trafilatura.metadata import extract_metadata

    harbour = (Path(__file__).parent / "data" / "html" / "harbour.html").read_text(encoding="utf-8")
    ld = '{"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Bridge open"}'
    ld = f'<script type="application/ld+json">{ld}</script>'
    og = '<meta property="og:title" content="  Bridge   open | Gazette ">'
    # A URL only where extract_url finds it (no canonical link, no og:url): <base href>.
    base = '<base href="https://www.harbour-gazette.example/news/bridge">'
    pages = [HTML, OFFER_HTML, LEDE_HTML, harbour, HTML.replace("<head>", f"<head>{ld}")]
    bare = f"<html><body><h1>Only {P1}</h1><p>{P2}</p></body></html>"  # no <title>: the <h1>
    pages += [HTML.replace("<head>", f"<head>{og}"), bare, HTML.replace("<head>", f"<head>{base}")]
    titles, hosts = set(), set()
    for html in pages:
        tree = trafilatura.load_html(html)
        mine, theirs = extract_mod.page_metadata(tree), extract_metadata(tree)
        assert (mine.title, mine.url, mine.hostname) == (theirs.title, theirs.url, theirs.hostname)
        titles.add(mine.title)
        hosts.add(mine.hostname)
    assert "harbour-gazette.example" in {(h or "").removeprefix("www.") for h in hosts}
    assert {"Bridge open", "Bridge open | Gazette"} <= titles and len(titles) >= 4  # JSON-LD's, og's, ...
