"""A deterministic synthetic corpus for the benchmarks and scale tests: article prose in several
languages with one line in six boilerplate (banners, ad markers, captions, credits, licences)."""

# ruff: noqa: SIM905  (word lists written as sentences read better)

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

WORDS = {
    "en": "the government said on monday that its new policy would expand access to public services across "
    "rural provinces while economists warned that rising costs could slow growth in the coming quarter and "
    "analysts expect further changes after the summit".split(),
    "de": "die regierung kündigte am montag an dass ihre neue politik den zugang zu öffentlichen diensten in "
    "ländlichen regionen erweitern werde während ökonomen vor steigenden kosten warnten".split(),
    "fr": "le gouvernement a annoncé lundi que sa nouvelle politique élargirait l'accès aux services publics "
    "dans les provinces rurales tandis que les économistes mettaient en garde contre la hausse "
    "des coûts".split(),
    "es": "el gobierno anunció el lunes que su nueva política ampliaría el acceso a los servicios públicos "
    "en las provincias rurales mientras los economistas advertían sobre el aumento de los costos".split(),
}
ZH = (
    "政府周一表示新政策将扩大农村地区公共服务的覆盖范围"
    "经济学家警告成本上升可能在下一季度拖累增长分析人士预计峰会后将有进一步变化"
)

# One example of each kind of boilerplate the default rules know, plus look-alikes that must stay.
BOILERPLATE = (
    "By continuing to browse our site you agree to our use of cookies, revised Privacy Policy and Terms "
    "of Use.",
    "Our Privacy Statement & Cookie Policy",
    "I agree",
    "Advertisement",
    "- Advertisement -",
    "Story continues below advertisement",
    "Skip Advertisement",
    "Photo: Reuters",
    "CFP",
    "/VCG",
    "Liang Wenfeng, founder of Chinese AI company DeepSeek. Photo: Weibo",
    "Workers assemble cars in Hefei, east China's Anhui Province, October 24, 2024. /Xinhua",
    "The president speaks at the White House. (AP Photo/Evan Vucci)",
    "© 2025 Example Media Group",
    "Copyright 2024 Example News. All Rights Reserved.",
    "互联网新闻信息许可证10120180008",
    "京ICP备12345678号",
    "This material may not be published, broadcast, rewritten or redistributed.",
)


def _sentence(rng: random.Random, lang: str) -> str:
    if lang == "zh":
        start = rng.randrange(len(ZH) - 30)
        return ZH[start : start + rng.randint(15, 30)] + "。"
    words = rng.choices(WORDS[lang], k=rng.randint(8, 22))
    return " ".join(words).capitalize() + "."


def make_document(rng: random.Random, lines: int) -> str:
    """One document: mostly paragraphs of prose, one line in six boilerplate, blank lines between some."""
    lang = rng.choice(("en", "en", "en", "de", "fr", "es", "zh"))
    out = []
    for _ in range(lines):
        if rng.random() < 1 / 6:
            out.append(rng.choice(BOILERPLATE))
        else:
            sep = "" if lang == "zh" else " "
            out.append(sep.join(_sentence(rng, lang) for _ in range(rng.randint(1, 5))))
        if rng.random() < 0.3:
            out.append("")
    return "\n".join(out) + "\n"


def documents(count: int, seed: int = 6, lines: tuple[int, int] = (12, 36)) -> Iterator[tuple[str, str]]:
    """(relative path, text) for `count` documents; the same seed gives the same corpus."""
    rng = random.Random(seed)
    for i in range(count):
        yield f"{i // 1000:03d}/doc_{i:06d}.txt", make_document(rng, rng.randint(*lines))


def write_corpus(root: Path, count: int, seed: int = 6) -> int:
    """Write the corpus under root; returns the total size in bytes."""
    total = 0
    for rel, text in documents(count, seed):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        data = text.encode("utf-8")
        path.write_bytes(data)
        total += len(data)
    return total
