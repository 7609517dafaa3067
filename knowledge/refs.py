"""Reading the ways people write a citation: Chinese and Arabic numerals, 第六条（四）, 认定标准·一.

Pure string helpers shared by the loader (to validate order) and `KnowledgeBase.find`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The one reader and writer of Chinese numerals lives in knowledge.numbers; `cn_to_int` and
# `int_to_cn` stay importable from here (retrieval.compose imports `knowledge.refs.cn_to_int`).
from knowledge.numbers import cn_to_int, int_to_cn

__all__ = [
    "MeasuresRef", "article_ref", "cn_to_int", "int_to_cn", "item_marker", "normalize",
    "parse_article_ref", "parse_chapter_title", "parse_item_marker", "parse_measures_ref",
]

_CN_NUM = r"[零〇一二两三四五六七八九十百]+"

# Full-width and half-width brackets and the separators people put between a document and a ref.
_BRACKETS = str.maketrans({"(": "（", ")": "）", "[": "（", "]": "）", "【": "（", "】": "）"})


def article_ref(number: int) -> str:
    """15 -> "第十五条"."""
    return f"第{int_to_cn(number)}条"


def item_marker(number: int) -> str:
    """4 -> "（四）"."""
    return f"（{int_to_cn(number)}）"


def parse_article_ref(ref: str) -> int | None:
    """ "第十五条" -> 15; None if `ref` is not an article ref of that exact form."""
    match = re.fullmatch(rf"第({_CN_NUM})条", ref)
    return cn_to_int(match.group(1)) if match else None


def parse_item_marker(marker: str) -> int | None:
    """ "（四）" -> 4; None if `marker` is not an item marker of that exact form."""
    match = re.fullmatch(rf"（({_CN_NUM})）", marker)
    return cn_to_int(match.group(1)) if match else None


def parse_chapter_title(title: str) -> tuple[int, str] | None:
    """ "第四章 动态管理" -> (4, "动态管理"); None if it is not of that form."""
    match = re.fullmatch(rf"第({_CN_NUM})章 (\S+)", title)
    if not match:
        return None
    number = cn_to_int(match.group(1))
    return (number, match.group(2)) if number else None


def normalize(text: str) -> str:
    """Drop all whitespace and unify brackets, so "第六条 (四)" and "第六条（四）" compare equal."""
    return re.sub(r"\s+", "", text.translate(_BRACKETS))


@dataclass(frozen=True)
class MeasuresRef:
    """An article of the measures (and perhaps one of its items), as numbers."""

    article: int
    item: int | None = None

    @property
    def ref(self) -> str:
        return article_ref(self.article)

    @property
    def item_marker(self) -> str | None:
        return item_marker(self.item) if self.item is not None else None


# Prefixes people put before an article number of the measures; all are dropped.
_MEASURES_PREFIXES = (
    "《促进中小企业特色产业集群发展暂行办法》",
    "促进中小企业特色产业集群发展暂行办法",
    "《暂行办法》",
    "暂行办法",
    "《办法》",
    "办法",
)
_NUM = rf"(?:\d{{1,3}}|{_CN_NUM})"
_MEASURES_RE = re.compile(
    rf"第?(?P<article>{_NUM})(?:条|$|(?=[（.\-第]))"
    rf"(?:第?（?(?P<item>{_NUM})）?项?|[.\-](?P<item2>{_NUM}))?"
)


def parse_measures_ref(text: str) -> MeasuresRef | None:
    """Read a reference to an article of the measures, generously.

    Accepts "第十五条", "第15条", "15", "十五", "《暂行办法》第十五条", "第六条（四）", "第6条(4)",
    "第六条第四项", "6.4". Returns None for anything else (a criteria or fact ref).
    """
    text = normalize(text)
    for prefix in _MEASURES_PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix) :]
            break
    match = _MEASURES_RE.fullmatch(text)
    if not match:
        return None
    article = cn_to_int(match.group("article"))
    raw_item = match.group("item") or match.group("item2")
    item = cn_to_int(raw_item) if raw_item else None
    if not article or item == 0:
        return None
    return MeasuresRef(article, item)
