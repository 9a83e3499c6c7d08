"""A run's .diff is rendered from the recorded removals: a unified diff patch applies and reverses."""

from __future__ import annotations

import difflib
import random
import re
import shutil
import subprocess

import pytest

from cleaners.core import Removal, apply_removals, check_removals
from flows.outputs import diff as reports
from flows.outputs.diff import iter_diff, render_diff


def split_lf(text: str) -> list[str]:
    """Lines as patch reads them: split after each LF; a CR stays in its line."""
    parts = text.split("\n")
    return [p + "\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def difflib_diff(original: str, cleaned: str, rel: str) -> str:
    """What the run wrote before (difflib over both texts): the reference where alignment is not ambiguous."""
    out = []
    for line in difflib.unified_diff(split_lf(original), split_lf(cleaned), f"a/{rel}", f"b/{rel}"):
        if line.startswith(("---", "+++")) and not line.endswith("\n"):
            line += "\n"
        out.append(line)
        if not line.endswith("\n"):
            out.append("\n\\ No newline at end of file\n")
    return "".join(out)


HUNK = re.compile(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@\n")


def apply_diff(diff: str, text: str, reverse: bool = False) -> str:
    """A strict patch: every header count, start line and context line must match exactly."""
    lines, dl = split_lf(text), split_lf(diff)
    assert dl[0].startswith("--- ") and dl[1].startswith("+++ ")
    out: list[str] = []
    pos, i = 0, 2
    while i < len(dl):
        m = HUNK.fullmatch(dl[i])
        assert m, dl[i]
        a_start, a_len, b_start, b_len = int(m[1]), int(m[2] or 1), int(m[3]), int(m[4] or 1)
        if reverse:
            a_start, a_len, b_start, b_len = b_start, b_len, a_start, a_len
        i += 1
        old: list[str] = []
        new: list[str] = []
        while i < len(dl) and not dl[i].startswith("@@"):
            tag, body = dl[i][0], dl[i][1:]
            if i + 1 < len(dl) and dl[i + 1] == "\\ No newline at end of file\n":
                assert body.endswith("\n")
                body = body[:-1]
                i += 1
            if reverse and tag in "+-":
                tag = "+" if tag == "-" else "-"
            assert tag in " -+", dl[i]
            if tag != "+":
                old.append(body)
            if tag != "-":
                new.append(body)
            i += 1
        assert (len(old), len(new)) == (a_len, b_len)
        start = a_start - 1 if a_len else a_start
        assert start >= pos and lines[start : start + a_len] == old
        out += lines[pos:start]
        assert b_start == len(out) + (1 if b_len else 0)
        out += new
        pos = start + a_len
    return "".join(out + lines[pos:])


def random_text(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(0, 30)):
        parts.append(
            rng.choice(["a", "bb", "ccc", "d d", "", "x" * rng.randint(0, 5), "é", "中", "Advertisement"])
        )
        parts.append(rng.choice(["\n", "\n", "\n", "\r\n", "\r"]))
    text = "".join(parts)
    if rng.random() < 0.3:
        text = text.rstrip("\r\n") + rng.choice(["", "tail"])
    return text


def random_removals(rng: random.Random, text: str, whole_lines: bool) -> list[Removal]:
    removals, pos = [], 0
    while pos < len(text):
        end = (
            text.find("\n", pos) + 1 or len(text) if whole_lines else min(len(text), pos + rng.randint(1, 12))
        )
        if rng.random() < 0.3:
            removals.append(Removal(pos, end, "c", "r", text[pos:end], shadow=rng.random() < 0.1))
            pos = end
        else:
            pos = end if whole_lines else pos + rng.randint(1, 8)
    rng.shuffle(removals)  # the renderer sorts them
    return removals


def cases(n: int, seed: int):
    rng = random.Random(seed)
    for _ in range(n):
        text = random_text(rng)
        yield text, random_removals(rng, text, rng.random() < 0.5)


def test_applies_and_reverses_on_random_documents():
    # LF, CRLF, lone CR, no final newline; removals of whole lines, parts of lines and spans across line
    # breaks.
    checked = 0
    for text, removals in cases(4000, 1):
        cleaned = apply_removals(text, removals)
        diff = render_diff(text, removals, "f.txt")
        if cleaned == text:
            assert diff == ""
            continue
        assert apply_diff(diff, text) == cleaned
        assert apply_diff(diff, cleaned, reverse=True) == text
        checked += 1
    assert checked > 2000


def test_same_as_difflib_where_the_lines_are_unique():
    # Unique lines leave difflib no choice of alignment: then headers, context and hunk merging must match it.
    rng = random.Random(2)
    compared = 0
    for _ in range(1500):
        n = rng.randint(1, 40)
        text = "".join(f"line {i}\n" for i in range(n)) + rng.choice(["", "last line"])
        removals = random_removals(rng, text, whole_lines=True)
        cleaned = apply_removals(text, removals)
        assert render_diff(text, removals, "d/f.txt") == difflib_diff(text, cleaned, "d/f.txt")
        compared += cleaned != text
    assert compared > 1000


def test_a_removed_duplicate_line_is_the_one_removed():
    # difflib would mark the first of two equal lines; the recorded removal says which one went.
    text = "kept\nsame\nsame\nend\n"
    diff = render_diff(text, [Removal(10, 15, "c", "r", "same\n")], "f.txt")
    assert diff == "--- a/f.txt\n+++ b/f.txt\n@@ -1,4 +1,3 @@\n kept\n same\n-same\n end\n"


def test_everything_removed_and_no_final_newline():
    text = "Advertisement\r\nAdvertisement"
    diff = render_diff(text, [Removal(0, len(text), "c", "r", text)], "f.txt")
    assert (
        diff
        == "--- a/f.txt\n+++ b/f.txt\n@@ -1,2 +0,0 @@\n-Advertisement\r\n-Advertisement\n\\ No newline at "
        "end of file\n"
    )


def test_a_big_document_comes_out_in_bounded_pieces():
    line = "An article line of ordinary length, kept in the text.\n"
    text = line * 40_000 + "x" * 300_000 + "Advertisement\n" + line * 40_000  # one long line among many
    ad = text.index("Advertisement")
    spans = [
        (i * len(line), (i + 1) * len(line)) for i in range(0, 80_000, 7)
    ]  # past the long line: parts of two lines
    removals = [Removal(s, e, "c", "r", text[s:e]) for s, e in spans if e <= ad - 1000 or s >= ad + 14]
    removals.append(
        Removal(ad - 1000, ad + 14, "c", "r", text[ad - 1000 : ad + 14])
    )  # the end of the long line
    removals.append(Removal(ad + 14, ad + 14, "c", "r", ""))  # an empty removal changes nothing
    check_removals(text, removals)
    pieces = list(iter_diff(text, removals, "big.txt"))
    assert max(map(len, pieces)) <= 2 * reports._PIECE
    assert apply_diff("".join(pieces), text) == apply_removals(text, removals)


def test_pieces_of_any_size_join_to_the_same_diff(monkeypatch):
    # Small documents' hunks are rendered as one string each, huge spans in pieces: the same diff either way.
    whole = [render_diff(text, removals, "f.txt") for text, removals in cases(1500, 4)]
    monkeypatch.setattr(reports, "_PIECE", 8)
    for (text, removals), expected in zip(cases(1500, 4), whole, strict=True):
        pieces = list(iter_diff(text, removals, "f.txt"))
        assert "".join(pieces) == expected
        assert all(len(p) <= 4 * 8 + 64 for p in pieces[1:])  # + a hunk header, or the "No newline" line


@pytest.mark.skipif(shutil.which("patch") is None, reason="GNU patch is not installed")
def test_gnu_patch_applies_and_reverses(tmp_path):
    work, diff_file = tmp_path / "work", tmp_path / "d.diff"
    checked = 0
    for text, removals in cases(120, 3):
        cleaned = apply_removals(text, removals)
        if cleaned == text:
            continue
        diff_file.write_bytes(render_diff(text, removals, "f.txt").encode())
        for source, expected, flags in ((text, cleaned, []), (cleaned, text, ["-R"])):
            work.write_bytes(source.encode())
            subprocess.run(
                ["patch", "-s", "-f", "--binary", *flags, str(work), str(diff_file)],
                check=True,
                capture_output=True,
            )
            assert work.read_bytes() == expected.encode(), (text, removals, flags)
        checked += 1
    assert checked > 50
