"""Per-removal risk (issue 12): the rule's declared confidence, then signals from the removed text itself.

Signals are worked out for removals only (and the few lines around each), never for every line:
- how sentence-like the removed text is: words (CJK: characters), sentence punctuation, length, and
  the share of stop words as jusText measures it (its stop lists; CJK by function characters);
- where it sits: between article paragraphs (sentence-like lines no certain rule takes), or at the edges;
- the rule's behaviour in the document: a rule that removes a large share of its lines is a runaway.

Pure: text and removals in, removals with `risk` and `risk_reasons` out, plus why each should be held.
"""

from __future__ import annotations

import importlib.util
import os
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import repeat

import regex

from .core import Removal
from .mining import count_sentences
from .ruleset import DEFAULT_CONFIDENCE
from .settings import quarantine_defaults
from .text import Document, latin1

# jusText's stop lists (BSD-2-Clause, shipped with the justext package trafilatura depends on), a union
# per script: a line's language is not known, and within a script these languages share short words.
LATIN = (
    "English",
    "German",
    "French",
    "Spanish",
    "Portuguese",
    "Italian",
    "Dutch",
    "Catalan",
    "Swedish",
    "Danish",
    "Norwegian_Bokmal",
    "Polish",
    "Czech",
    "Romanian",
    "Indonesian",
    "Turkish",
    # issue 12, Q26: without them Finnish, Hungarian and Vietnamese prose was never sentence-like
    "Finnish",
    "Hungarian",
    "Vietnamese",
    "Slovak",
    "Croatian",
)
CYRILLIC = ("Russian", "Ukrainian", "Bulgarian", "Serbian")
GREEK = ("Greek",)  # without it Greek prose was never sentence-like (a rogue '\w' took 24 lines, issue 12)
HANGUL = ("Korean",)
# issue 12, Q26: without these, no Arabic, Hebrew or Hindi line was ever sentence-like (a rogue '\w' took 18
# article lines of the ar, he, hi short docs)
ARABIC = ("Arabic",)
HEBREW = ("Hebrew",)
DEVANAGARI = ("Hindi",)
# jusText has no Chinese or Japanese list; these function characters (particles, the possessive 的, the
# copula 是, common prepositions) are to CJK prose what stop words are to a spaced language.
CJK_FUNCTION = frozenset("的了是在和与及对为以而也就都这那其之于被将从到把让着过个我他她们你您并或但")
CJK_FUNCTION |= frozenset("のはがをにでともへやからまでより")
_CJK_FUNCTION_CHAR = regex.compile("[" + "".join(regex.escape(c) for c in sorted(CJK_FUNCTION)) + "]")

_WORD = regex.compile(r"[\p{L}\p{M}][\p{L}\p{M}'’-]*")
# _WORD within Latin-1, where \\p{L} is these letters and \\p{M} is nothing (tests/test_risk checks each one).
_LATIN1 = "A-Za-zªµºÀ-ÖØ-öø-ÿ"
_LATIN1_WORD = re.compile(f"[{_LATIN1}][{_LATIN1}'-]*")
_CJK = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}]")
_CJK_RUN = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}]+")
_CYRILLIC = regex.compile(r"\p{Cyrillic}")
_GREEK = regex.compile(r"\p{Greek}")
_HANGUL = regex.compile(r"\p{Hangul}")
_ARABIC = regex.compile(r"\p{Arabic}")
_HEBREW = regex.compile(r"\p{Hebrew}")
_DEVANAGARI = regex.compile(r"\p{Devanagari}")
# A sentence ends the text: . ! ? … or their CJK forms, then perhaps a closing quote or bracket.
_TERMINALS = ".!?…。！？।؟"  # the Devanagari danda and the Arabic question mark end sentences too
_CLOSERS = "\"'”’»)）」』"
_ENDS_SENTENCE = regex.compile(f"[{_TERMINALS}][{_CLOSERS}]*\\s*$")

# A line reads like article prose with at least this many words (CJK: two characters a word) ...
PROSE_WORDS = 8
# ... and at least this share of stop words (jusText calls a paragraph good from 0.30 in one language;
# a union of a script's lists finds a few more, prose has 0.35-0.55, labels and credits far less).
PROSE_STOP_SHARE = 0.25
REVIEWED = ("certain", "likely")  # declared confidences of rules someone has tested on labelled text
CJK_PROSE_STOP_SHARE = 0.08  # function characters in Chinese and Japanese prose: ~0.12-0.25


@lru_cache(maxsize=64)
def stoplist(language: str) -> frozenset[str]:
    """jusText's stop list of a language (its file name, e.g. "English"), read as justext.get_stoplist reads
    it but from the package's data without importing it (jusText imports lxml: ~40 ms at a run's first
    removal)."""
    spec = importlib.util.find_spec("justext")  # finds, does not import
    if spec is None or spec.loader is None or spec.origin is None:
        raise ImportError("jusText's stop lists are needed (pip install justext)")
    path = os.path.join(os.path.dirname(spec.origin), "stoplists", f"{language}.txt")
    data = spec.loader.get_data(path)  # type: ignore[attr-defined]
    return frozenset(w.decode("utf8").lower() for w in data.splitlines())


@lru_cache(maxsize=4)
def stop_words(script: str) -> frozenset[str]:
    """jusText's stop words of the script's languages."""
    langs = {
        "latin": LATIN,
        "cyrillic": CYRILLIC,
        "greek": GREEK,
        "hangul": HANGUL,
        "arabic": ARABIC,
        "hebrew": HEBREW,
        "devanagari": DEVANAGARI,
    }[script]
    return frozenset().union(*map(stoplist, langs))


@dataclass(frozen=True, slots=True)
class Prose:
    """How sentence-like a piece of text is."""

    words: int  # CJK: characters / 2
    chars: int
    sentences: int
    ends_sentence: bool
    stop_share: float
    cjk: bool

    @property
    def sentence_like(self) -> bool:
        return self.ends_sentence and _prose_counts(self.words, self.stop_share, self.cjk)

    def describe(self) -> str:
        unit = "function characters" if self.cjk else "stop words"
        return f"sentence-like ({self.words} words, {self.sentences} sentences, {self.stop_share:.0%} {unit})"


def measure(text: str) -> Prose:
    """Word count, sentences, sentence ending and stop-word share of a stripped text."""
    s = " ".join(text.split())
    ends = ends_sentence(s)
    if not ends:  # most labels and credits: not sentence-like, whatever the words (no need to count them)
        return Prose(0, len(s), count_sentences(s), False, 0.0, False)
    n, share, cjk = _counts(s)
    return Prose(n, len(s), count_sentences(s), True, share, cjk)


def sentence_like(text: str) -> bool:
    """measure(text).sentence_like without the sentence count it does not need (the article anchors ask
    it of whole article lines, where counting sentences cost ~6 us a line). Whitespace inside the text
    changes neither the sentence ending nor the words, so the text is only stripped, not respaced as
    measure respaces it (its character count needs that): ~2 us less on a long paragraph."""
    s = text.strip()
    return ends_sentence(s) and _prose_counts(*_counts(s))


def ends_sentence(s: str) -> bool:
    """_ENDS_SENTENCE.search(s) for a stripped text. One that ends in sentence punctuation and closers is
    answered from its tail: the pattern's \\s* can only match nothing before a closer or a mark at the
    end (the regex module tried every character of the line: ~2 us a paragraph). Any other end asks the
    pattern."""
    t = s.rstrip(_CLOSERS)
    return (t != "" and t[-1] in _TERMINALS) or _ENDS_SENTENCE.search(s) is not None


def _prose_counts(words: int, share: float, cjk: bool) -> bool:
    """Enough words, and enough of them stop words (function characters in CJK), for a sentence."""
    return words >= PROSE_WORDS and share >= (CJK_PROSE_STOP_SHARE if cjk else PROSE_STOP_SHARE)


def _counts(s: str) -> tuple[int, float, bool]:
    """(words, stop-word share, written in CJK) of a text that ends a sentence."""
    if s.isascii() or latin1(s) is not None:  # words_of's words counted on bytes (lower() stays Latin-1)
        n, stops = _latin1_counts(s.lower().encode("latin-1"))
        return n, stops / n if n else 0.0, False
    cjk, words = words_of(s)
    if cjk > len(words):  # written without spaces: words are runs of characters, so count characters
        share = len(_CJK_FUNCTION_CHAR.findall(s)) / cjk
        return cjk // 2 + sum(1 for w in words if not _CJK.search(w)), share, True
    stops = stop_words(_script(s))
    return len(words), sum(map(stops.__contains__, words)) / len(words) if words else 0.0, False


# Bytes of Latin-1 text that no word holds, as spaces (bytes.translate): what is left splits into
# _LATIN1_WORD's runs, each a word once the apostrophes and hyphens it starts with are cut.
_NOT_IN_WORD = bytes(b if re.fullmatch(f"[{_LATIN1}'-]", chr(b)) else 32 for b in range(256))


@lru_cache(maxsize=4)
def _latin1_stops(script: str) -> frozenset[bytes]:
    """stop_words(script) that Latin-1 can spell, encoded (the others never equal a Latin-1 word)."""
    return frozenset(b for b in map(latin1, stop_words(script)) if b is not None)


def _latin1_counts(low: bytes) -> tuple[int, int]:
    """(words, stop words) of lowered Latin-1 text: len(words_of(s)[1]) and how many of those are in
    stop_words("latin"), by bytes.translate and split (~2x faster than findall and a set test a word)."""
    runs = low.translate(_NOT_IN_WORD).split()
    if b"'" in low or b"-" in low:  # a run may start with them, or hold nothing else
        runs = list(filter(None, map(bytes.lstrip, runs, repeat(b"'-"))))
    return len(runs), sum(map(_latin1_stops("latin").__contains__, runs))


def words_of(s: str) -> tuple[int, list[str]]:
    """(characters in CJK runs, the lowered words) of a text: _WORD's words, by `re` on Latin-1 text.

    Most article lines of Latin-script languages are Latin-1: no CJK there, and the stdlib's findall over
    the lowered text (lower() stays in Latin-1, letter for letter) finds the same words ~3x faster than
    the regex module's \\p{L} (measure runs on whole article lines).
    """
    if s.isascii() or latin1(s) is not None:  # isascii is a flag of the string
        return 0, _LATIN1_WORD.findall(s.lower())
    cjk = sum(map(len, _CJK_RUN.findall(s)))  # runs, not characters: one match object per run
    return cjk, list(map(str.lower, _WORD.findall(s)))


_SCRIPTS = (
    ("cyrillic", _CYRILLIC),
    ("greek", _GREEK),
    ("hangul", _HANGUL),
    ("arabic", _ARABIC),
    ("hebrew", _HEBREW),
    ("devanagari", _DEVANAGARI),
)


def _script(s: str) -> str:
    """The script of the stop list for a text: the first of _SCRIPTS it holds, else Latin."""
    if s.isascii() or latin1(s) is not None:
        return "latin"
    for name, script in _SCRIPTS:
        if script.search(s):
            return name
    return "latin"


_CERTAIN = ("rule certain",)


@lru_cache(maxsize=4096)
def _measure_removed(text: str) -> Prose:
    """measure() of a removed text, remembered: boilerplate lines recur across a corpus (article lines
    seldom do, so the article scan calls measure() itself)."""
    return measure(text)


_DEFAULT = quarantine_defaults()


@dataclass(frozen=True, slots=True)
class Limits:
    """The quarantine's thresholds that risk needs (QuarantineSettings provides them; the defaults are the
    settings' own)."""

    runaway_share: float = _DEFAULT["runaway_share"]
    runaway_min_lines: int = _DEFAULT["runaway_min_lines"]
    paragraph_chars: int = _DEFAULT["paragraph_chars"]
    paragraph_sentences: int = _DEFAULT["paragraph_sentences"]
    hold_sentences_from: frozenset[str] = frozenset(_DEFAULT["hold_sentences_from"])


def _article_span(
    doc: Document, removals: Sequence[Removal], declared: Sequence[str], prose: Sequence[Prose | None]
) -> tuple[int, int]:
    """The first and last line indices of the sentence-like lines that no reviewed rule (declared certain
    or likely) takes: the run of article paragraphs. A newsletter box of prompts is not an article, but
    the lines a new rule takes may be. Found by scanning in from each end, once per document.

    Only the sentence-like removals ask whether they lie inside it, so each scan stops where no anchor it
    could still find would put one of them inside (-1 then): a prompt under the article no longer has the
    last article paragraph measured (~15 us), and every answer _inside gives is the same."""
    asking = [
        body_lines(doc, r) for r, p in zip(removals, prose, strict=True) if p is not None and p.sentence_like
    ]
    before, after = max(first for first, _ in asking), min(last for _, last in asking)
    return article_anchors(doc, removals, declared, range(len(doc.stripped)), before, after)


def article_anchors(
    doc: Document,
    removals: Sequence[Removal],
    declared: Sequence[str],
    lines: range,
    before: int | None = None,
    after: int = -1,
) -> tuple[int, int]:
    """_article_span within `lines` (each window of a huge document scans its own; cleaners.window).

    before: the first anchor is looked for only above this line; after: the last one only below this one.
    """
    taken: set[int] = set()
    for r, d in zip(removals, declared, strict=True):
        if not r.shadow and d in REVIEWED:
            first, last = doc.line_index(r.start), doc.line_index(max(r.start, r.end - 1))
            taken.update(range(first, last + 1))
    stripped = doc.stripped

    def anchor(indices: range) -> int:
        for i in indices:
            if stripped[i] and i not in taken and sentence_like(stripped[i]):
                return i
        return -1

    first = anchor(lines if before is None else range(lines.start, min(lines.stop, before)))
    return (first, anchor(range(lines.stop - 1, max(first, after + 1) - 1, -1))) if first >= 0 else (-1, -1)


def body_start(r: Removal) -> int:
    """The offset of the removal's first non-space character: a removal may start at the line break
    before its line (blank-line tidying), and its own text is what is judged."""
    body = r.text.strip()
    return r.start + r.text.find(body[:1]) if body else r.start


def body_lines(doc: Document, r: Removal) -> tuple[int, int]:
    """The first and last line indices of the removal's own text (not the blank lines tidying added)."""
    start = body_start(r)
    return doc.line_index(start), doc.line_index(max(start, r.end - 1))


def _inside(doc: Document, r: Removal, span: tuple[int, int]) -> bool:
    """True when article paragraphs stand before and after the removal's lines."""
    first, last = body_lines(doc, r)
    return span[0] < first and last < span[1]


def _runaways(
    lines: int, removals: Sequence[Removal], inside: Sequence[bool], limits: Limits
) -> dict[tuple[str, str], str]:
    """(cleaner, rule) -> why it is a runaway in this document: it removes a large share of the lines,
    some of them sentences between article paragraphs (a caption rule in a photo story removes many
    lines, but no prose; a newsletter box is all prompts, no article)."""
    if not any(inside):  # a runaway removes some sentence between article paragraphs
        return {}
    counts = Counter((r.cleaner, r.rule) for r in removals if not r.shadow)
    busy = {k for k, n in counts.items() if n >= limits.runaway_min_lines}
    busy &= {(r.cleaner, r.rule) for r, i in zip(removals, inside, strict=True) if i}
    if not busy:
        return {}
    why = "runaway rule: removes {} of the document's {} lines, some of them article sentences"
    return {k: why.format(counts[k], lines) for k in busy if counts[k] / lines >= limits.runaway_share}


def assess(
    doc: Document, removals: Sequence[Removal], confidence_of, limits: Limits = Limits()
) -> list[tuple[Removal, str]]:
    """Each removal with its risk and reasons, and why it should be held ("" if it should not).

    `confidence_of(cleaner, rule)` gives the declared confidence ("" if none: likely). A certain removal
    is never held (and not measured: nothing would change). Any other is held when it comes from a
    runaway rule or is an article paragraph; one from a rule declared risky or with no declared
    confidence (a user's new rule, not reviewed yet) also when it is sentence-like. A sentence-like
    removal between article paragraphs is risky in any case.
    """
    declared = declared_of(removals, confidence_of)
    prose = prose_of(removals, declared)
    inside = [p is not None and p.sentence_like for p in prose]  # sentence-like so far
    if True in inside:  # only then is the article's span worth finding
        span = _article_span(doc, removals, declared, prose)
        inside = [like and _inside(doc, r, span) for r, like in zip(removals, inside, strict=True)]
    # The line count matters only for a runaway, which needs a removal inside the article (_runaways).
    return judge(removals, declared, prose, inside, _nonblank(doc) if True in inside else 0, limits)


def _nonblank(doc: Document) -> int:
    """The document's non-blank lines (counted in C)."""
    stripped = doc.stripped
    return len(stripped) - stripped.count("")


def declared_of(removals: Sequence[Removal], confidence_of) -> list[str]:
    """Each removal's declared confidence ("" if its rule declares none)."""
    return [confidence_of(r.cleaner, r.rule) for r in removals]


def prose_of(removals: Sequence[Removal], declared: Sequence[str]) -> list[Prose | None]:
    """How sentence-like each removal is (None for a certain one: never held, so not measured)."""
    return [
        None if d == "certain" else _measure_removed(r.text) for r, d in zip(removals, declared, strict=True)
    ]


def judge(
    removals: Sequence[Removal],
    declared: Sequence[str],
    prose: Sequence[Prose | None],
    inside: Sequence[bool],
    lines: int,
    limits: Limits,
) -> list[tuple[Removal, str]]:
    """assess once the document-level facts are known: which removals lie between article paragraphs
    (`inside`) and the document's non-blank `lines` (a huge document's windows add them up)."""
    runaways = _runaways(lines, removals, inside, limits)
    out = []
    held = False
    for r, d, p, between in zip(removals, declared, prose, inside, strict=True):
        if p is None:
            out.append((r.judged("certain", _CERTAIN), ""))
            continue
        runaway = runaways.get((r.cleaner, r.rule), "") if runaways else ""
        if between and r.cleaner in limits.hold_sentences_from:
            between = 2  # between paragraphs, from a cleaner whose sentences are held there
        risk, reasons, hold = _verdict_of(d, p, between, runaway, limits)
        held = held or hold != ""
        out.append((r.judged(risk, reasons), hold))
    return _hold_rules_caught(out) if held else out


# (declared, id(prose), between, runaway, id(limits)) -> (prose, limits, verdict): _verdict without hashing
# the two dataclasses (~0.4 us a removal). The entry holds both objects, so their ids are not reused.
_VERDICTS: dict[tuple, tuple] = {}


def _verdict_of(
    declared: str, p: Prose, between: int, runaway: str, limits: Limits
) -> tuple[str, tuple, str]:
    key = (declared, id(p), between, runaway, id(limits))
    got = _VERDICTS.get(key)
    if got is not None and got[0] is p and got[1] is limits:
        return got[2]
    verdict = _verdict(declared, p, between, runaway, limits)
    if len(_VERDICTS) >= 4096:
        _VERDICTS.clear()
    _VERDICTS[key] = (p, limits, verdict)
    return verdict


@lru_cache(maxsize=4096)
def _verdict(declared: str, p: Prose, between: int, runaway: str, limits: Limits) -> tuple[str, tuple, str]:
    """(risk, reasons, hold) of _judge, remembered: the same few verdicts recur across a corpus.

    between: 0 at the edge, 1 between article paragraphs, 2 there and from a cleaner whose sentences are
    held there (limits.hold_sentences_from)."""
    level = declared or DEFAULT_CONFIDENCE
    reasons = [f"rule {level}" if declared else f"rule {level} (no declared confidence)"]
    if runaway:
        reasons.append(runaway)
    if p.sentence_like:
        reasons.append(p.describe())
    strict = level == "risky" or not declared  # unproven: sentence-like text is held anywhere
    hold = runaway or _article_hold(between, p, strict, limits, reasons)
    risk = "risky" if hold or between or level == "risky" else "likely"
    if hold and hold not in reasons:
        reasons.append(hold)
    return risk, tuple(reasons), hold


def _hold_rules_caught(assessed: list[tuple[Removal, str]]) -> list[tuple[Removal, str]]:
    """A rule caught removing article text in a document is not trusted with its other lines there:
    its remaining acting removals are held too (a headline or the first paragraph beside the held ones)."""
    if not any(why for _, why in assessed):
        return assessed
    caught = Counter((r.cleaner, r.rule) for r, why in assessed if why and not r.shadow)
    if not caught:
        return assessed
    out = []
    for r, why in assessed:
        n = caught.get((r.cleaner, r.rule), 0)
        if n and not why and not r.shadow:
            why = f"article-like text nearby: the rule's {n} other removals here are held"
            r = r.judged("risky", r.risk_reasons + (why,))
        out.append((r, why))
    return out


def _article_hold(inside: int, prose: Prose, strict: bool, limits: Limits, reasons: list) -> str:
    """Why a removal that is not certain looks like article text ("" if it does not); notes the position.

    A paragraph of several long sentences is held from any rule. A single sentence-like line is held from
    a `strict` rule (declared risky, or with no declared confidence: not reviewed yet) wherever it sits; a
    rule declared likely has been tested on labelled cases (newsletter prompts and captions are sentences
    between paragraphs too), so there it only makes the removal risky, for review and the share guard.
    Captions and credits are not (inside == 2: a cleaner of limits.hold_sentences_from): held there.
    """
    if prose.chars > limits.paragraph_chars and prose.sentences >= limits.paragraph_sentences:
        return f"article-like paragraph removed ({prose.chars} characters, {prose.sentences} sentences)"
    if not prose.sentence_like:
        return ""
    where = "between article paragraphs" if inside else "at the edge of the article"
    reasons.append(where)
    if strict:
        return f"article-like text: sentence-like, {where}, from a rule not declared likely or certain"
    if inside == 2:
        return f"article-like text: sentence-like, {where}, from a cleaner of captions or credits"
    return ""
