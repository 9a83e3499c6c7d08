"""Cleaning in windows (cleaners.window) gives what clean_text gives the whole text: removals, risks,
holds, line numbers, for random documents cut into tiny windows and fed in random chunks."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.corpus import BOILERPLATE, KEYWORD_PROSE
from cleaners import apply_removals, clean_text, load_ruleset, ruleset_from_mapping
from cleaners.window import clean_windows, pieces
from flows.outputs.diff import iter_diff_pieces, render_diff
from flows.outputs.records import removal_records

RULESET = load_ruleset()

PROSE = (
    "The council met on Tuesday to discuss the new budget for the coming year, and it was agreed.",
    "Residents said they had waited for years for the road to be repaired, and they were pleased.",
    "Der Gemeinderat hat am Dienstag über den neuen Haushalt beraten und ihn mit großer Mehrheit angenommen.",
    "市议会周二开会讨论了新年度的预算，并且通过了这项计划。",
    "It was the best of times, it was the worst of times. " * 8,  # an article paragraph (long, sentences)
)
BUTTONS = ("I agree", "Accept", "Accept all", "Reject all", "Reply", "Share", "OK", "Manage settings")
HEADERS = ("Read more:", "Related stories", "See also:", "Read more: The mayor answers questions on housing")
HEADLINES = ("Five things to know about the new stadium plan", "Why the bridge closed for a week in May")
LINE = st.one_of(
    st.sampled_from(BOILERPLATE),
    st.sampled_from(KEYWORD_PROSE),
    st.sampled_from(PROSE),
    st.sampled_from(BUTTONS),
    st.sampled_from(HEADERS),
    st.sampled_from(HEADLINES),
    st.just(""),
    st.just("   "),
    st.just("DUP"),  # a copy of the line before (duplicate_line)
)
ENDING = st.sampled_from(["\n", "\n", "\n", "\r\n", "\r", "\n\n"])


@st.composite
def documents(draw) -> str:
    out: list[str] = []
    for line, end in draw(st.lists(st.tuples(LINE, ENDING), max_size=80)):
        if line == "DUP":
            line = out[-1].strip() if out else "Photo: Jane Doe / Reuters Photo agency"
        out.append(line + end)
    text = "".join(out)
    if draw(st.booleans()):
        text = text.rstrip("\r\n")  # no final line break
    return text


def chunked(text: str, sizes: list[int]):
    i, k = 0, 0
    while i < len(text):
        n = sizes[k % len(sizes)] if sizes else len(text)
        yield text[i : i + n]
        i, k = i + n, k + 1


def check_same(text: str, ruleset, core: int, sizes: list[int], context: int = 64, **kw) -> None:
    whole = clean_text(text, ruleset, **kw)
    win = clean_windows(chunked(text, sizes), ruleset, core_chars=core, context=context, **kw)
    assert win.removals == list(whole.removals)
    assert win.held == whole.held
    assert win.timed_out == whole.timed_out
    assert win.chars == len(text)
    lines = [(d["line"], d["end_line"]) for d in removal_records(text, whole.removals)]
    assert win.lines == lines
    assert apply_removals(text, win.removals) == whole.cleaned


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), st.integers(50, 500), st.lists(st.integers(1, 400), min_size=1, max_size=5))
def test_windows_match_whole_cleaning(text, core, sizes):
    check_same(text, RULESET, core, sizes)


# A ruleset that holds a lot: a risky rule that takes sentences (runaway, share guard, caught rules).
RISKY = ruleset_from_mapping(
    {
        "cleaners": {
            "greedy": {
                "new": True,
                "description": "takes sentences",
                "confidence": "risky",
                "max_chars": 600,
                "rules": [
                    {"name": "council", "pattern": "(?i)council|residents|times"},
                    {"name": "button", "pattern": "^(?:I agree|Accept)$", "near": ["council"], "window": 2},
                ],
            }
        },
        "quarantine": {"min_chars": 100},
    },
    "<test>",
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), st.integers(50, 500), st.lists(st.integers(1, 400), min_size=1, max_size=5))
def test_windows_match_whole_cleaning_with_holds(text, core, sizes):
    check_same(text, RISKY, core, sizes)


def test_holds_are_document_level():
    """The share guard and the runaway count see the whole document, not one window."""
    text = "".join(f"{PROSE[0]}\nI agree\n{PROSE[1]}\n\n" for _ in range(40))
    whole = clean_text(text, RISKY)
    assert whole.held  # the case exercises the quarantine
    check_same(text, RISKY, 60, [7, 300])


def test_page_title_in_the_first_window_only():
    text = "Council passes the budget\n\n" + "\n".join(PROSE[:3] * 20) + "\nCouncil passes the budget\n"
    check_same(text, RULESET, 50, [13], titles=("Council passes the budget | Daily News",))
    assert clean_text(text, RULESET, titles=("Council passes the budget | Daily News",)).acting


def test_removed_tail_without_final_line_break():
    text = "\n".join(PROSE[:3] * 10) + "\n\nRead more:\n\nShare\n\nAdvertisement"
    check_same(text, RULESET, 50, [5])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), st.integers(1, 300), st.lists(st.integers(1, 400), min_size=1, max_size=5))
def test_pieces_give_the_same_cleaned_text_and_diff(text, size, sizes):
    whole = clean_text(text, RULESET)
    parts = list(pieces(chunked(text, sizes), list(whole.removals), size))
    assert "".join(t for t, _ in parts) == text
    assert "".join(apply_removals(t, rs) for t, rs in parts) == whole.cleaned
    total = text.count("\n") + (1 if text and text[-1] != "\n" else 0)
    assert "".join(iter_diff_pieces(parts, "a.txt", total)) == render_diff(text, whole.removals, "a.txt")


CHAIN = ruleset_from_mapping(
    {
        "cleaners": {
            "chain": {
                "new": True,
                "description": "a banner and a stack of buttons under it",
                "confidence": "certain",
                "rules": [
                    {"name": "banner", "pattern": "^BANNER$"},
                    {"name": "button", "pattern": "^Button \\d+$", "near": ["banner", "button"], "window": 1},
                ],
            }
        }
    },
    "<test>",
)


def test_a_chain_longer_than_the_context_is_noted_at_a_seam():
    text = "\n".join([PROSE[0]] * 5 + ["BANNER"] + [f"Button {i}" for i in range(40)] + [PROSE[1]] * 5) + "\n"
    whole = clean_text(text, CHAIN)
    chained = [r for r in whole.acting if r.cleaner == "chain"]
    assert len(chained) == 41  # the banner and every button, chained one to the next
    short = clean_windows(chunked(text, [97]), CHAIN, core_chars=50, context=4)
    assert short.removals != list(whole.removals)  # the windows cannot see the banner
    assert short.seams  # ... and say where they disagreed
    check_same(text, CHAIN, 50, [97])  # the default context covers it
    assert clean_windows(chunked(text, [97]), CHAIN, core_chars=50).seams == ()
