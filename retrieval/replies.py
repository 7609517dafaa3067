"""Canned replies (out of scope, empty question, secondary-source note), the honest answer for
an article the source lacks, and how a cited unit's label is shown."""

from __future__ import annotations

from collections.abc import Sequence

from retrieval.answer import Answer, Citation
from retrieval.chunks import Unit
from retrieval.text import split_sentences

OUT_OF_SCOPE_ZH = (
    "抱歉，这个问题超出了我掌握的范围，我不想给出没有依据的回答。"
    "我能回答的是《促进中小企业特色产业集群发展暂行办法》、集群认定标准、申报与复核等相关问题。"
    "你也可以：/assess 做集群认定自评，/remind 设置年报和复核提醒，/help 查看全部功能。"
)
OUT_OF_SCOPE_EN = (
    "Sorry, that is outside what I know, and I would rather not guess. I answer questions about "
    "MIIT's 2022 measures for SME characteristic industrial clusters, the recognition criteria, "
    "applications and reviews. You can also use /assess (self-assessment), /remind (reminders "
    "for the annual report and the review) or /help."
)
EMPTY_ZH = (
    "请输入你的问题，例如：“集群的有效期是多长时间？”。也可以使用 /assess、/remind 或 /help。"
)
EMPTY_EN = (
    'Please type a question, e.g. "How long is a cluster\'s recognition valid?". '
    "You can also use /assess, /remind or /help."
)
SECONDARY_NOTE_ZH = "说明：以上内容来自公开报道，不是《暂行办法》条文原文，条号未经核实。"
SECONDARY_NOTE_EN = (
    "Note: this comes from public reporting, not from the text of the measures; article "
    "numbers are unconfirmed."
)


def source_line(label: str, quote: str, lang: str) -> str:
    """The quoted source as every answer shows it."""
    return f"Source: {label} — “{quote}”" if lang == "en" else f"依据{label}：“{quote}”"


def display_label(unit: Unit) -> str:
    """The citation as people see it; a fact sheet's bare "公开报道" gets its topic added."""
    if unit.doc_kind == "facts" and unit.heading and unit.heading not in unit.label:
        return f"{unit.label}·{unit.heading}"
    return unit.label


def missing_answer(
    question: str, lang: str, label: str, related: Sequence[Unit]
) -> tuple[str, list[Citation]]:
    """An article the source lacks: say so, and point to related public reporting."""
    citations = [
        Citation(
            doc=unit.target.doc,
            ref=unit.target.ref,
            quote=split_sentences(unit.text)[0] if unit.text else unit.text,
            label=display_label(unit),
            item=unit.target.item,
        )
        for unit in related
    ]
    if lang == "en":
        lines = [
            f"The source text of {label} is missing from the copy of the measures this bot "
            "holds (the scraped original is damaged), so I cannot quote it."
        ]
        if related:
            lines.append("Related public reporting (article numbers unconfirmed):")
            lines.extend(f"- {display_label(u)}: “{c.quote}”" for u, c in zip(related, citations,
                                                                            strict=True))
    else:
        lines = [
            f"{label}的原文在本项目收录的文本中缺失（抓取件残缺），无法引用其内容，也不作补写。"
        ]
        if related:
            lines.append("相关的公开报道（条号未经核实）：")
            lines.extend(f"- {display_label(u)}：“{c.quote}”" for u, c in zip(related, citations,
                                                                            strict=True))
    return "\n".join(lines), citations


def refusal(question: str, lang: str, empty: bool = False) -> Answer:
    if empty:
        text = EMPTY_EN if lang == "en" else EMPTY_ZH
    else:
        text = OUT_OF_SCOPE_EN if lang == "en" else OUT_OF_SCOPE_ZH
    return Answer(question=question, in_scope=False, answer=text, citations=[], score=0.0,
                  lang=lang)
