"""The fast matching path (lazy lines, literal pre-checks) against a straightforward reference."""

from __future__ import annotations

import regex
from hypothesis import given, settings, strategies as st

from cleaners import load_ruleset, ruleset_from_mapping
from cleaners.base import PatternCleaner
from cleaners.core import Removal
from cleaners.fastmatch import required_literals
from cleaners.text import Document, split_lines

RULESET = load_ruleset()
# Cleaners that use PatternCleaner's own matching (the others add their logic on top of doc.lines).
PATTERN_CLEANERS = [c for c in RULESET.cleaners if type(c).find_removals is PatternCleaner.find_removals]

# Lines that trip rules, look-alikes that must not, and characters whose case folding is unusual.
PIECES = [
    "By continuing to browse our site you agree to our use of cookies, revised Privacy Policy.",
    "We use cookies to improve your experience. Learn more",
    "Our Privacy Statement & Cookie Policy",
    "I agree", "Accept all", "OK", "Learn more", "Decline",
    "Advertisement", "- ADVERTISEMENT -", "[Ad]", "Story continues below advertisement", "Skip Advertisement",
    "Photo: Reuters", "PHOTO: REUTERS", "CFP", "/VCG", "/ Courtesy of the artist", "Xinhua/Li Ming",
    "The mayor speaks in Hefei, October 24, 2024. /Xinhua",
    "The president speaks. (AP Photo/Evan Vucci)",
    "In Beijing, January 28, 2025. REUTERS/Florence Lo/File Photo",
    "Founder of DeepSeek. Photo: Weibo", "A crowd gathers (Photo by Jane Doe/AFP via Getty Images)",
    "© 2025 Example Media", "Copyright 2024 Example News. All Rights Reserved.", "(c) 2019 Foo",
    "互联网新闻信息许可证10120180008", "京ICP备12345678号", "京公网安备 11010502035",
    "This material may not be published, broadcast, rewritten or redistributed.",
    "The cookie jar was empty and the photo album was on the table.",
    "Advertising revenue fell sharply, the company said.",
    "Ad", "ads", "ſponſored", "İmage: AP", "PHOTO: ÇAĞLAR", "K", "ﬁle photo", "Straße",
    "a" * 650, "photo " * 70,
]
LINE = st.one_of(
    st.sampled_from(PIECES),
    st.lists(st.sampled_from(list("aAsSkK /.:()-©ſİıßẞς\u2028\x0b\t ") + ["photo", "Photo", "ad", "cookie"]), max_size=20).map("".join),
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
                if any(nonblank[p].index in matched and matched[nonblank[p].index].name in rule.near for p in range(lo, hi)):
                    matched[line.index] = rule
                    changed = True
                    break
    return [
        Removal(lines[i].start, lines[i].end, cleaner.name, r.name, text[lines[i].start : lines[i].end], shadow=r.mode == "shadow")
        for i, r in sorted(matched.items())
    ]


def test_gate_keeps_rules_when_folding_changes_lengths(monkeypatch):
    """'İmage' folds to 'i̇mage': a folded 'image' is not in it, so the rule must not be left out."""
    from cleaners.fastmatch import RuleGate

    monkeypatch.setattr(RuleGate, "MAX_LITERALS", 8)
    rule = ruleset_from_mapping({"cleaners": {"x": {"rules": [{"name": "img", "pattern": "(?i)image: ap$"}]}}}).spec("x").rules[0]
    gate = RuleGate([rule])
    doc = Document("İmage: AP\n")
    assert rule.pattern.search("İmage: AP") and gate.rules_for(doc.text, doc.casefolded) == (rule,)


def _gated_cleaners():
    """The pattern cleaners rebuilt with the literal gate on for every rule that has a literal set."""
    from cleaners.fastmatch import RuleGate

    old = RuleGate.MAX_LITERALS
    RuleGate.MAX_LITERALS = 1000
    try:
        return [type(c)(c.spec) for c in PATTERN_CLEANERS]
    finally:
        RuleGate.MAX_LITERALS = old


GATED = _gated_cleaners()


@settings(max_examples=300, deadline=None)
@given(documents())
def test_fast_path_matches_reference(text):
    doc = Document(text)
    assert list(doc.lines) == split_lines(text)
    for cleaner in PATTERN_CLEANERS + GATED:
        assert list(cleaner.find_removals(Document(text))) == reference_removals(cleaner, text), cleaner.name


def test_the_gate_is_exercised():
    assert sum(g is not None for c in GATED for g in c._plain_gate.gates) >= 10


def test_reference_covers_the_pattern_cleaners():
    assert {"cookie_banner", "image_caption", "license_line", "advertisement"} <= {c.name for c in PATTERN_CLEANERS}


def test_lazy_lines_behave_like_a_list():
    text = "a\r\nb\rc\n\n d"
    doc = Document(text)
    lines = split_lines(text)
    assert len(doc.lines) == len(lines) and doc.lines[-1] == lines[-1] and doc.lines[1:3] == lines[1:3]
    assert [doc.line_at(i).index for i in range(len(text))] == [next(l.index for l in lines if l.start <= i < l.end) for i in range(len(text))]
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


def test_patterns_the_reader_does_not_follow_get_no_literals():
    for src in [r"(a)\1", r"(?P<x>a)(?P=x)", r"(?s)a.b", r"a(?i)b", r"(?>ab)", r"[[:alpha:]]x", r"ab{e<=1}", r"\Qab\E"]:
        assert required_literals(src) is None, src
    assert [(x.text, x.icase) for x in required_literals(r"(?i)^photo(?:graph)?s?:")] == [("photo", True)]
    assert required_literals(r"^(?:a|b\d)") is None or all(len(x.text) == 1 for x in required_literals(r"^(?:a|b\d)"))
    assert [x.text for x in required_literals(r"colou?r")] == ["colo"]
    assert required_literals(r"x+?y") in (None,) or "xy" not in [x.text for x in required_literals(r"x+?y")]


def test_user_rules_with_any_syntax_still_match():
    """A user rule the literal reader gives up on is tried on every line, and still removes its line."""
    ruleset = ruleset_from_mapping({"cleaners": {"mine": {"rules": [{"name": "double", "pattern": r"^(\w+) \1$"}]}}})
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
    twin.spec = replace(cleaner.spec, rules=tuple(r for r in cleaner.spec.rules if r.name != "credit-only line"))
    text = "Photo: Reuters\n"
    assert [r.rule for r in cleaner.find_removals(Document(text))] == ["credit-only line"]
    assert [r.rule for r in twin.find_removals(Document(text))] == []
