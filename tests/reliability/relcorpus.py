"""Hostile and unusual input files for the reliability suite, each with the outcome expected of a run."""

from __future__ import annotations

import os
from pathlib import Path

# A banner line the default ruleset removes, so every decodable file below has something to restore.
BANNER = (
    "We use cookies to improve your experience. By continuing to browse this site you agree to our "
    "use of cookies."
)
ARTICLE_EN = "The council approved the new budget on Tuesday after a long debate about school funding."
ARTICLE_FR = "Le conseil a approuvé le budget très attendu mardi, après un long débat sur les écoles à Paris."
ARTICLE_ZH = "北京时间今天上午，国家统计局发布了最新的经济数据，显示经济持续恢复向好，市场信心增强。"
ARTICLE_JA = "東京都は今日、新しい感染症対策を発表しました。市民の皆様にはご協力をお願いします。"

# Minimal but real file headers: a PDF without any NUL byte, and a PNG.
PDF = (
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\ntrailer\n<< "
    b"/Root 1 0 R >>\n%%EOF\n"
)
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
)


def text_doc(article: str, eol: str = "\n") -> str:
    return eol.join([article, "", BANNER, "", article]) + eol


# name -> (bytes, expected outcome). Outcome: ("clean", encoding, bom) or ("error", substring of the error).
def decodable_cases() -> dict[str, tuple[bytes, tuple]]:
    return {
        "plain.txt": (text_doc(ARTICLE_EN).encode(), ("clean", "utf-8", False)),
        "crlf.txt": (text_doc(ARTICLE_EN, "\r\n").encode(), ("clean", "utf-8", False)),
        "lone cr.txt": (text_doc(ARTICLE_EN, "\r").encode(), ("clean", "utf-8", False)),
        "mixed endings.txt": (
            f"{ARTICLE_EN}\r\n{BANNER}\r{ARTICLE_EN}\n{BANNER}".encode(),
            ("clean", "utf-8", False),
        ),
        "utf8 bom.txt": (b"\xef\xbb\xbf" + text_doc(ARTICLE_FR).encode(), ("clean", "utf-8", True)),
        "utf16 le bom.txt": (
            b"\xff\xfe" + text_doc(ARTICLE_FR, "\r\n").encode("utf-16-le"),
            ("clean", "utf-16-le", True),
        ),
        "utf16 be bom.txt": (
            b"\xfe\xff" + text_doc(ARTICLE_ZH).encode("utf-16-be"),
            ("clean", "utf-16-be", True),
        ),
        "gb18030.txt": (text_doc(ARTICLE_ZH).encode("gb18030"), ("clean", "gb18030", False)),
        "shift_jis.txt": (text_doc(ARTICLE_JA).encode("shift_jis"), ("clean", "cp932", False)),
        "latin-1.txt": (text_doc(ARTICLE_FR).encode("latin-1"), ("clean", "cp1252", False)),
        "empty.txt": (b"", ("clean", "utf-8", False)),
        "whitespace only.txt": (b" \t\r\n\n   \r\n", ("clean", "utf-8", False)),
        "no final newline.txt": (f"{ARTICLE_EN}\n\n{BANNER}".encode(), ("clean", "utf-8", False)),
        'it\'s "quoted" & $HOME `x`.txt': (text_doc(ARTICLE_EN).encode(), ("clean", "utf-8", False)),
        "new\nline in name.txt": (text_doc(ARTICLE_EN).encode(), ("clean", "utf-8", False)),
        "日本語 ñame – ü.txt": (text_doc(ARTICLE_JA).encode(), ("clean", "utf-8", False)),
        "%s %(x)s {0} %n.txt": (f"%s %(x)s {{0}} %n {{x!r}}\n{BANNER}\n".encode(), ("clean", "utf-8", False)),
        "sub/dir/nested.txt": (text_doc(ARTICLE_EN).encode(), ("clean", "utf-8", False)),
    }


def undecodable_cases() -> dict[str, tuple[bytes, tuple]]:
    return {
        "doc.pdf.txt": (PDF, ("error", "binary file (PDF signature)")),
        "image.png.txt": (PNG, ("error", "binary file (PNG signature)")),
        "nul bytes.txt": (b"text with a NUL\x00 in the middle\n", ("error", "NUL byte at offset 15")),
        "utf16 no bom.txt": (text_doc(ARTICLE_EN).encode("utf-16-le"), ("error", "NUL byte at offset 1")),
        "bad utf16.txt": (
            b"\xff\xfe" + "ab".encode("utf-16-le") + b"\x00\xd8",
            ("error", "not valid utf-16-le"),
        ),
        "random bytes.txt": (bytes(range(1, 32)) * 20 + bytes(range(128, 256)), ("error", "not valid UTF-8")),
        "invalid utf8.txt": (
            ARTICLE_FR.encode()[:20] + b"\xff" + ARTICLE_FR.encode()[20:],
            ("error", "bad byte(s) in otherwise valid UTF-8"),
        ),
    }


def write_corpus(root: Path, cases: dict[str, tuple[bytes, tuple]]) -> None:
    for name, (data, _) in cases.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def make_fifo(path: Path) -> None:
    os.mkfifo(path)
