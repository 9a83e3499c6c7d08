"""The fast matching path (lazy lines, per-line literal pre-checks) against a straightforward reference."""

from __future__ import annotations

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaners import load_ruleset, ruleset_from_mapping
from cleaners.base import PatternCleaner
from cleaners.core import Removal
from cleaners.fastmatch import (
    GateSet,
    Lit,
    RuleGate,
    fold,
    fold_safe,
    required_literals,
    required_sets,
    searchable,
)
from cleaners.text import Document, split_lines

RULESET = load_ruleset()
# Cleaners that use PatternCleaner's own matching (the others add their logic on top of doc.lines).
PATTERN_CLEANERS = [c for c in RULESET.cleaners if type(c).find_removals is PatternCleaner.find_removals]

# Lines that trip rules, look-alikes that must not, and characters whose case folding is unusual.
PIECES = [
    "By continuing to browse our site you agree to our use of cookies, revised Privacy Policy.",
    "We use cookies to improve your experience. Learn more",
    "Our Privacy Statement & Cookie Policy",
    "I agree",
    "Accept all",
    "OK",
    "Learn more",
    "Decline",
    "Advertisement",
    "- ADVERTISEMENT -",
    "[Ad]",
    "Story continues below advertisement",
    "Skip Advertisement",
    "Photo: Reuters",
    "PHOTO: REUTERS",
    "CFP",
    "/VCG",
    "/ Courtesy of the artist",
    "Xinhua/Li Ming",
    "The mayor speaks in Hefei, October 24, 2024. /Xinhua",
    "The president speaks. (AP Photo/Evan Vucci)",
    "In Beijing, January 28, 2025. REUTERS/Florence Lo/File Photo",
    "Founder of DeepSeek. Photo: Weibo",
    "A crowd gathers (Photo by Jane Doe/AFP via Getty Images)",
    "© 2025 Example Media",
    "Copyright 2024 Example News. All Rights Reserved.",
    "(c) 2019 Foo",
    "互联网新闻信息许可证10120180008",
    "京ICP备12345678号",
    "京公网安备 11010502035",
    "This material may not be published, broadcast, rewritten or redistributed.",
    "The cookie jar was empty and the photo album was on the table.",
    "Advertising revenue fell sharply, the company said.",
    "Ad",
    "ads",
    "ſponſored",
    "İmage: AP",
    "PHOTO: ÇAĞLAR",
    "K",
    "ﬁle photo",
    "Straße",
    "PUBLICITÉ",
    "Publicité",
    "– Anzeige –",
    "РЕКЛАМА",
    "Реклама",
    "Читайте также:",
    "ЧИТАЙТЕ ТАКЖЕ",
    "Фото: РИА Новости",
    "Datenschutz-Einstellungen",
    "ALLE AKZEPTIEREN",
    "Tout accepter",
    "Aceptar todas las cookies",
    "Leia também",
    "图片来源：新华社",
    "图/视觉中国",
    "（记者 张三 摄）",
    "广告",
    "京ICP备12345678号-1",
    "スポンサーリンク",
    "PR",
    "광고",
    "사진=연합뉴스",
    "Newsletter: sign up for our daily briefing",
    "[caption id=1]A photo[/caption]",
    "© Ⓒ ⓒ 2024",
    "a" * 650,
    "photo " * 70,
]
LINE = st.one_of(
    st.sampled_from(PIECES),
    st.lists(
        st.sampled_from(
            list("aAsSkK /.:()-©ⓒⒸſİıßẞςᲀвВéÉ图圖\u0307\u2028\x0b\t ")
            + ["photo", "Photo", "ad", "cookie", "реклама", "Publicité", "PR", "IC", "AP", "广告", "2024"]
        ),
        max_size=20,
    ).map("".join),
)
ENDING = st.sampled_from(["\n", "\r\n", "\r", "\n\n", "\n \n"])


@st.composite
def documents(draw):
    lines = draw(st.lists(st.tuples(LINE, ENDING), max_size=25))
    text = "".join(a + b for a, b in lines)
    if draw(st.booleans()) and text:
        text = text.rstrip("\r\n")  # no final line break
    return (" " * draw(st.integers(0, 2))) + text


def reference_removals(cleaner, text: str) -> list[Removal]:
    """The pattern cleaner as first written: every rule, in order, on every line."""
    lines = split_lines(text)
    rules = cleaner.spec.rules
    plain = [r for r in rules if not r.near]
    near = [r for r in rules if r.near]
    limit = cleaner.spec.max_chars

    def first(s, rs):
        for r in rs:
            if len(s) <= r.max_chars and r.pattern.search(s):
                return r
        return None

    matched, nonblank = {}, []
    for line in lines:
        s = line.content.strip()
        if not s:
            continue
        nonblank.append(line)
        if len(s) <= limit and (r := first(s, plain)) is not None:
            matched[line.index] = r
    changed = bool(near and matched)
    while changed:
        changed = False
        for pos, line in enumerate(nonblank):
            s = line.content.strip()
            if line.index in matched or len(s) > limit:
                continue
            for rule in near:
                if len(s) > rule.max_chars or not rule.pattern.search(s):
                    continue
                lo, hi = max(0, pos - rule.window), min(len(nonblank), pos + rule.window + 1)
                if any(
                    nonblank[p].index in matched and matched[nonblank[p].index].name in rule.near
                    for p in range(lo, hi)
                ):
                    matched[line.index] = rule
                    changed = True
                    break
    return [
        Removal(
            lines[i].start,
            lines[i].end,
            cleaner.name,
            r.name,
            text[lines[i].start : lines[i].end],
            shadow=r.mode == "shadow",
        )
        for i, r in sorted(matched.items())
    ]


def test_gate_keeps_rules_when_folding_changes_lengths():
    """'İmage' folds to 'i̇mage' and 'Straße' to 'strasse': the lines after them must still be found."""
    ruleset = ruleset_from_mapping(
        {"cleaners": {"x": {"new": True, "rules": [{"name": "img", "pattern": "(?i)image: ap$"}]}}}
    )
    cleaner = [c for c in ruleset.cleaners if c.name == "x"][0]
    text = "İmage: AP\nStraße İİİ ßß\nimage: AP\n"
    assert [r.text for r in cleaner.find_removals(Document(text))] == ["İmage: AP\n", "image: AP\n"]


def _every_rule_on_every_line(monkeypatch):
    """Switch the pre-check off: every cleaner tries all its rules on every line."""
    monkeypatch.setattr(
        PatternCleaner, "candidates", lambda self, doc, gate=None: ({}, (gate or self._plain_gate).rules)
    )


@settings(max_examples=300, deadline=None)
@given(documents())
@pytest.mark.slow
def test_fast_path_matches_reference(text):
    doc = Document(text)
    assert list(doc.lines) == split_lines(text)
    for cleaner in PATTERN_CLEANERS:
        assert list(cleaner.find_removals(Document(text))) == reference_removals(cleaner, text), cleaner.name


@settings(max_examples=200, deadline=None)
@given(documents())
def test_every_cleaner_finds_the_same_with_the_pre_check_off(text):
    """All cleaners (related_links, duplicate_line have their own loops) find the same with and without it."""
    _same_with_the_pre_check_off(text)


def _same_with_the_pre_check_off(text: str) -> None:
    with_gate = [list(c.find_removals(Document(text))) for c in RULESET.cleaners]
    with pytest.MonkeyPatch.context() as mp:
        _every_rule_on_every_line(mp)
        without = [list(c.find_removals(Document(text))) for c in RULESET.cleaners]
    assert with_gate == without


def test_the_pre_check_skips_work(monkeypatch):
    """On article prose no cookie or caption rule is tried; on a banner line only those with its words."""
    import cleaners.base as base

    tried = []
    real = base.search
    monkeypatch.setattr(
        base, "search", lambda doc, key, pattern, s: tried.append(key) or real(doc, key, pattern, s)
    )
    by_name = {c.name: c for c in RULESET.cleaners}
    prose = "The government said on Monday that its new policy would expand access to public services\n"
    for name in ("cookie_banner", "image_caption", "license_line", "advertisement"):
        assert list(by_name[name].find_removals(Document(prose))) == []
    assert tried == []
    by_name["advertisement"]._plain_gate.seen.clear()  # a line remembered from another test is not searched
    removals = list(by_name["advertisement"].find_removals(Document(prose + "Advertisement\n")))
    assert [r.rule for r in removals] == ["ad marker"] and 0 < len(tried) <= 3, tried


def test_every_default_rule_is_gated():
    """Each default whole-line rule has a literal set, except one that matches any line by design."""
    ungated = [
        (c.name, r.name)
        for c in RULESET.cleaners
        if isinstance(c, PatternCleaner)
        for r in RuleGate(c.spec.rules).rest
    ]
    assert ungated == [("duplicate_line", "repeated short line")]


def test_folding_is_sure_for_the_default_rules_letters():
    """Every character of a case-insensitive default literal: what (?i) matches to it folds alike."""
    chars = {
        ch
        for c in RULESET.cleaners
        for r in c.spec.rules
        for x in (required_literals(r.pattern.pattern) or ())
        if x.icase
        for ch in x.text
    }
    assert len(chars) > 80 and {"é", "ä", "я", "ç"} <= chars  # Latin with accents, Cyrillic, ...
    everything = "".join(chr(i) for i in range(0x110000) if not 0xD800 <= i < 0xE000)
    for ch in sorted(chars):  # one full scan each
        matched = set(regex.findall("(?i)" + regex.escape(ch), everything))
        assert fold_safe({ch})[ch] == all(fold(x) == fold(ch) for x in matched), ch


def test_a_letter_whose_case_partner_folds_differently_is_cut_out(monkeypatch):
    """A literal keeps only its longest run of characters whose case-insensitive matches all fold alike."""
    import cleaners.fastmatch as fastmatch

    for ch, ok in {"a": True, "b": True, "c": False, "d": True}.items():
        monkeypatch.setitem(fastmatch._FOLD_SAFE, ch, ok)
    assert searchable((Lit("abcd", True), Lit("XyZ", False))) == (frozenset({"XyZ"}), frozenset({"ab"}))
    monkeypatch.setitem(fastmatch._FOLD_SAFE, "a", False)
    monkeypatch.setitem(fastmatch._FOLD_SAFE, "b", False)
    monkeypatch.setitem(fastmatch._FOLD_SAFE, "d", False)
    assert (
        searchable((Lit("abcd", True),)) is None
    )  # nothing left to look for: the rule is tried on every line


def test_lazy_lines_behave_like_a_list():
    text = "a\r\nb\rc\n\n d"
    doc = Document(text)
    lines = split_lines(text)
    assert len(doc.lines) == len(lines) and doc.lines[-1] == lines[-1] and doc.lines[1:3] == lines[1:3]
    assert [doc.line_at(i).index for i in range(len(text))] == [
        next(ln.index for ln in lines if ln.start <= i < ln.end) for i in range(len(text))
    ]
    assert Document("").lines[:] == [] and Document("\n").lines[0].end == 1


def test_required_literals_are_in_every_match():
    """Each default rule's literal set (when there is one) appears in every line it matches."""
    for cleaner in RULESET.cleaners:
        for rule in cleaner.spec.rules:
            req = required_literals(rule.pattern.pattern)
            if not req:
                continue
            for piece in PIECES:
                if rule.pattern.search(piece) and len(piece.casefold()) == len(piece):
                    assert any(
                        (x.text.casefold() in piece.casefold()) if x.icase else (x.text in piece) for x in req
                    ), (rule.name, piece)


def test_every_required_set_is_in_every_match():
    """A rule is gated on several literal sets at once: each of them appears in every line it matches."""
    for cleaner in RULESET.cleaners:
        for rule in cleaner.spec.rules:
            sets = required_sets(rule.pattern.pattern)
            for piece in PIECES:
                if not (rule.pattern.search(piece) and len(piece.casefold()) == len(piece)):
                    continue
                for req in sets:
                    assert any(
                        (x.text.casefold() in piece.casefold()) if x.icase else (x.text in piece) for x in req
                    ), (rule.name, piece, req)


def test_required_sets_of_a_sequence_and_of_an_alternation():
    texts = [
        sorted(x.text for x in req)
        for req in required_sets(r"(?i)^(?=.*cookie)(?=.*(?:accept|agree)).*usamos")
    ]
    assert texts == [["cookie"], ["accept", "agree"], ["usamos"]]
    # Branches of a top-level alternation: one set, one literal from each branch.
    assert [sorted(x.text for x in req) for req in required_sets(r"cookie x|banner y")] == [
        ["banner y", "cookie x"]
    ]
    assert required_sets(r"\Qab\E") == []
    # An alternation whose branches share their best word passes up the union of their second bests too.
    assert [
        sorted(x.text for x in req) for req in required_sets(r"^(?=.*x)(?:cookie.*alpha|cookie.*beta)")
    ] == [
        ["x"],
        ["cookie"],
        ["alpha", "beta"],
    ]
    # A small class taken once forks the run: each variant is a literal (more selective than "cc").
    assert sorted(x.text for x in required_literals(r"\bcc[ -]by\b")) == ["cc by", "cc-by"]
    assert sorted(x.text for x in required_literals(r"licen[cs]ed")) == ["licenced", "licensed"]
    assert [x.text for x in required_literals(r"ab[cd]+e")] == ["ab"]  # repeated: no fork


def test_a_keyword_line_is_not_tried_by_every_language():
    """An English sentence that mentions cookies holds none of the Spanish rule's other words: not tried."""
    cookie = [c for c in RULESET.cleaners if c.name == "cookie_banner"][0]
    line = "Regulators fined the retailer after it placed tracking cookies on shoppers' phones."
    tried = {r.name for rules in cookie.candidates(Document(line))[0].values() for r in rules}
    assert "consent sentence (es)" not in tried and "consent sentence (pt)" not in tried
    # The Japanese rule's two branches both name "cookie": its Japanese words gate it too (_UNIONS).
    assert not tried & {"consent sentence (ja)", "consent sentence (zh)", "consent sentence (ko)"}


def test_patterns_the_reader_does_not_follow_get_no_literals():
    for src in [
        r"(?s)a.b",
        r"a(?i)b",
        r"[[:alpha:]]x",
        r"ab{e<=1}",
        r"\Qab\E",
        r"(?(1)a|b)",
        r"(?|a|b)",
        r"[^ab]",
        r"[a-z]",
    ]:
        assert required_literals(src) is None, src
    assert [(x.text, x.icase) for x in required_literals(r"(?i)^photo(?:graph)?s?:")] == [("photo", True)]
    assert required_literals(r"^(?:a|b\d)") is None or all(
        len(x.text) == 1 for x in required_literals(r"^(?:a|b\d)")
    )
    assert [x.text for x in required_literals(r"colou?r")] == ["colo"]
    # A repeated character: what comes before touches its first copy, what follows its last one.
    assert [x.text for x in required_literals(r"x+?y")] == ["xy"]
    assert [x.text for x in required_literals(r"ab{2,}c")] in (["ab"], ["bc"])
    assert all(x.text in m for m in ("abbbc", "abbc") for x in required_literals(r"ab{2,}c"))


def test_literals_from_groups_lookaheads_backreferences_and_small_classes():
    def texts(src):
        return sorted(x.text for x in required_literals(src))

    assert texts(r"(a)\1") == ["a"] and texts(r"(?P<x>ab)(?P=x)") == ["ab"] and texts(r"(?>abc)") == ["abc"]
    assert texts(r"^\[(\w+)\b[^\]]*\].{0,9}\[/\1\]$") == ["[/"]
    assert texts(r"(?i)^(?=.*\bnewsletters?\b)(?=.*\bsign up\b)") in (["newsletter"], ["sign up"])
    assert required_literals(r"^(?!.*cookie)x") is not None and texts(r"^(?!.*cookie)x") == ["x"]
    assert texts(r"[图圖]\s*[/／]") in (["图", "圖"], ["/", "／"])
    assert texts(r"[\-–—]") == ["-", "–", "—"]


def test_user_rules_with_any_syntax_still_match():
    """A user rule the literal reader gives up on is tried on every line, and still removes its line."""
    ruleset = ruleset_from_mapping(
        {"cleaners": {"mine": {"new": True, "rules": [{"name": "double", "pattern": r"^(\w+) \1$"}]}}}
    )
    cleaner = [c for c in ruleset.cleaners if c.name == "mine"][0]
    text = "hello hello\nhello world\n"
    assert [r.text for r in cleaner.find_removals(Document(text))] == ["hello hello\n"]
    assert regex.search(r"^(\w+) \1$", "hello hello")


def test_a_cleaner_copied_with_another_spec_uses_the_new_rules():
    """Ruleset views copy a built cleaner and swap its spec: the prepared rules must follow."""
    import copy
    from dataclasses import replace

    cleaner = [c for c in RULESET.cleaners if c.name == "image_caption"][0]
    twin = copy.copy(cleaner)
    twin.spec = replace(
        cleaner.spec, rules=tuple(r for r in cleaner.spec.rules if r.name != "credit-only line")
    )
    text = "Photo: Reuters\n"
    assert [r.rule for r in cleaner.find_removals(Document(text))] == ["credit-only line"]
    assert [r.rule for r in twin.find_removals(Document(text))] == []


@settings(max_examples=100, deadline=None)
@given(documents(), st.sampled_from([1, 2, 3, 7]))
def test_chunked_literal_pass_finds_the_same(text, chunk):
    """A huge document is searched a few thousand lines at a time; where the chunks end must not matter."""
    import cleaners.fastmatch as fastmatch

    for cleaner in PATTERN_CLEANERS:
        cleaner.candidates(Document(""))  # the default rules' literals are in the automata
    # The automata are shared by every ruleset of the process (other tests add literals such as "x"):
    # check only that the default literals are in.
    assert {0, 2} <= fastmatch.line_literals(Document("Advertisement\nx\nPhoto: AP\n")).keys()
    whole = fastmatch.line_literals(Document(text))
    old = fastmatch._CHUNK_LINES
    fastmatch._CHUNK_LINES = chunk
    try:
        assert fastmatch.line_literals(Document(text)) == whole
    finally:
        fastmatch._CHUNK_LINES = old


# Lines of 300-700 characters, around the longest rules' max_chars (the cookie-consent sentences: 600).
LONG_LINE = st.lists(
    st.sampled_from(
        PIECES[:40]
        + ["We use cookies to improve your experience.", "Accept", "COOKIE", "Cookie", "クッキー", "쿠키"]
        + ["cookies", "agree", "the government said on monday that its new policy would expand access"]
    ),
    min_size=4,
    max_size=40,
).map(lambda parts: " ".join(parts)[: 120 + len(parts) * 15])  # 180-720 characters


@st.composite
def long_documents(draw):
    lines = draw(st.lists(st.one_of(LINE, LONG_LINE, LONG_LINE), min_size=1, max_size=12))
    return "\n".join(lines) + "\n"


@settings(max_examples=200, deadline=None)
@given(long_documents())
def test_long_lines_find_the_same_with_the_pre_check_off(text):
    """A line longer than the tier is searched only when it holds a word of a rule that can take it."""
    _same_with_the_pre_check_off(text)


def test_a_rule_added_later_moves_the_long_line_tier():
    """A new rule of 500 characters: a 450-character line is searched for its words from then on."""
    for cleaner in PATTERN_CLEANERS:
        cleaner.candidates(Document(""))  # the automata are built before the new rule comes
    line = "Advertisement " + "word " * 87  # its word is a default rule's: only the tier says "search it"
    ruleset = ruleset_from_mapping(
        {
            "cleaners": {
                "y": {
                    "new": True,
                    "max_chars": 500,
                    "rules": [{"name": "sp", "pattern": "(?i)^advertisement", "max_chars": 500}],
                }
            }
        }
    )
    cleaner = [c for c in ruleset.cleaners if c.name == "y"][0]
    assert 400 < len(line.strip()) <= 500
    assert [r.rule for r in cleaner.find_removals(Document(line + "\n"))] == ["sp"]


@settings(max_examples=200, deadline=None)
@given(st.one_of(documents(), long_documents()))
@pytest.mark.slow
def test_literal_pass_puts_each_word_on_its_line(text):
    """The automata's hits, mapped to lines by counting line breaks, equal a plain `in` on each line."""
    import cleaners.fastmatch as fastmatch

    for cleaner in PATTERN_CLEANERS:
        cleaner.candidates(Document(""))
    doc = Document(text)
    a = fastmatch._AUTOMATA
    # Lines longer than the tier are searched only when they hold a word of a rule that can take them.
    reach = [(m, fold(w[1:])) for m, words in a.reach if m > a.tier for w in words]
    want = {}
    for i, s in enumerate(doc.stripped):
        folded = fold(s)
        if len(s) > a.tier and not any(m >= len(s) and w and w in folded for m, w in reach):
            continue
        words = frozenset(w for w in fastmatch._AUTOMATA.words if w[1:] in (s if w[0] == "=" else folded))
        if words:
            want[i] = words
    assert fastmatch.line_literals(doc) == want


@settings(max_examples=200, deadline=None)
@given(documents(), documents())
@pytest.mark.slow
def test_remembered_lines_find_the_same(first, text):
    """A cleaner remembers its answer per line: after another document it finds what a fresh one does."""
    for cleaner in PATTERN_CLEANERS:
        cleaner._plain_gate.seen.clear()
        fresh = list(cleaner.find_removals(Document(text)))
        list(cleaner.find_removals(Document(first)))
        assert list(cleaner.find_removals(Document(text))) == fresh, cleaner.name
        assert list(cleaner.find_removals(Document(text))) == fresh, cleaner.name


def test_a_remembered_line_is_not_used_once_a_rule_timed_out():
    """A rule given up on in this document is skipped there: the line's answer from elsewhere is not used."""
    ruleset = ruleset_from_mapping(
        {"cleaners": {"x": {"new": True, "rules": [{"name": "ad", "pattern": "^Advert"}]}}}
    )
    cleaner = [c for c in ruleset.cleaners if c.name == "x"][0]
    assert [r.text for r in cleaner.find_removals(Document("Advert\n"))] == ["Advert\n"]
    doc = Document("Advert\n")
    doc.regex_timeout = 1.0
    doc.timed_out["x/ad"] = None
    assert list(cleaner.find_removals(doc)) == []
    assert [r.text for r in cleaner.find_removals(Document("Advert\n"))] == ["Advert\n"]


@settings(max_examples=150, deadline=None)
@given(documents())
def test_an_idle_cleaner_finds_nothing(text):
    """The engine skips a cleaner whose rules' words are not in the document: it must have found nothing."""
    for cleaner in RULESET.cleaners:
        if cleaner.idle(Document(text)):
            assert list(cleaner.find_removals(Document(text))) == [], cleaner.name


def test_a_line_longer_than_every_gated_rule_is_not_searched(monkeypatch):
    """An article paragraph longer than any gated rule's max_chars holds no candidate words at all."""
    import cleaners.fastmatch as fastmatch

    # The automata are shared by every ruleset of the process: other tests' rules reach further, and a
    # line only they could take is not searched for the default rules' words. Fresh automata: ours alone.
    monkeypatch.setattr(fastmatch, "_AUTOMATA", fastmatch._Automata())
    for cleaner in PATTERN_CLEANERS:
        cleaner.candidates(Document(""))
    longest = fastmatch._AUTOMATA.max_chars
    assert longest == max(
        r.max_chars for c in PATTERN_CLEANERS for r in c.spec.rules if r.name != "repeated short line"
    )
    paragraph = ("Advertisement cookie photo " * (longest // 20 + 2))[: longest + 1]
    found = fastmatch.line_literals(Document(f"Advertisement\n{paragraph}\n{paragraph[:longest]}\n"))
    assert 0 in found and 1 not in found and 2 in found


def test_search_passes_the_time_limit_by_position():
    """cleaners.text.search gives the regex module its timeout by position (the keyword costs ~1 us a
    call): the fifth argument must be `partial` (left off) and the sixth the time limit."""
    import time

    from cleaners.text import search

    doc = Document("")
    doc.regex_timeout = 0.2
    assert search(doc, "k/abc", regex.compile("abc"), "xxab") is None  # no partial match
    assert search(doc, "k/abc", regex.compile("abc"), "xxabc").span() == (2, 5)
    t0 = time.monotonic()
    assert search(doc, "k/slow", regex.compile("(?:a|aa)+b"), "a" * 60) is None
    assert time.monotonic() - t0 < 5 and "k/slow" in doc.timed_out


def _gates_of(ruleset) -> list[RuleGate]:
    gates = []
    for c in ruleset.cleaners:
        if isinstance(c, PatternCleaner):
            c.candidates(Document(""))
            gates += [c._plain_gate, c._near_gate, c._all_gate]
    return gates


@settings(max_examples=200, deadline=None)
@given(documents())
def test_one_walk_gives_every_gates_lines(text):
    """GateSet walks a document's line masks once for many gates: each gate gets its own line_rules."""
    gates = _gates_of(RULESET)
    doc = Document(text)
    assert GateSet(gates).line_rules(doc) == [g.line_rules(doc) for g in gates]
    assert GateSet(gates[::-1]).line_rules(doc) == [g.line_rules(doc) for g in gates[::-1]]


def _each_cleaner_asked_itself(mp) -> None:
    """The engine without its plan: every cleaner's idle() and find_removals(), as before issue 15."""
    from cleaners import engine

    mp.setattr(engine, "_plan", lambda rs: engine._Plan(rs.cleaners, (-1,) * len(rs.cleaners), GateSet(())))


@settings(max_examples=200, deadline=None)
@given(documents())
def test_the_engine_plan_finds_what_each_cleaner_finds_itself(text):
    """Every field of every removal, the held reasons and the cleaned text: the same with the plan."""
    from cleaners import clean_text

    planned = clean_text(text, RULESET)
    with pytest.MonkeyPatch.context() as mp:
        _each_cleaner_asked_itself(mp)
        alone = clean_text(text, RULESET)
    assert planned == alone


def test_the_plan_walks_the_gated_cleaners_at_once():
    """Every default cleaner whose plain rules are all gated is served by the one walk."""
    from cleaners import engine

    plan = engine._plan(RULESET)
    served = {c.name for c, slot in zip(RULESET.cleaners, plan.slots, strict=True) if slot >= 0}
    assert {c.name for c in PATTERN_CLEANERS} | {"related_links"} == served


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=400), max_size=80))
def test_fold_is_casefold_less_the_combining_dot(text):
    """fold's fast paths (ASCII lower, Latin-1 bytes.translate) give what casefold gives, less U+0307."""
    assert fold(text) == text.casefold().replace("\u0307", "")


def test_fold_of_every_latin1_character():
    every = "".join(map(chr, range(256)))
    without = every.replace("ß", "").replace("µ", "")  # the two whose casefold leaves Latin-1 one for one
    for text in (every, without, without + "İ"):
        assert fold(text) == text.casefold().replace("\u0307", "")


COUNT_BUILDS = """
import pickle, sys
import cleaners.fastmatch as fm
from cleaners import clean_text

built = []
real = fm._Automata._build
fm._Automata._build = lambda self, *a: built.append(1) or real(self, *a)
with open(sys.argv[1], "rb") as f:
    ruleset = pickle.load(f)
result = clean_text(sys.argv[2], ruleset)
print(len(built), len(result.removals))
"""


def test_an_unpickled_ruleset_builds_its_automata_once(tmp_path):
    """A cached ruleset's gates (every worker's) go into one build of the pair of automata, not one each."""
    import pickle
    import subprocess
    import sys

    from cleaners import clean_text

    ruleset = load_ruleset(None)
    (tmp_path / "rs.pickle").write_bytes(pickle.dumps(ruleset))
    text = "A line.\nAdvertisement\nWe use cookies to improve your experience. Accept all\nPhoto: Reuters\n"
    got = subprocess.run(
        [sys.executable, "-c", COUNT_BUILDS, str(tmp_path / "rs.pickle"), text],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert got == ["2", str(len(clean_text(text, ruleset).removals))]
