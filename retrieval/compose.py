"""Answer composition: the key fact first, then the best sentence(s) quoted with the citation.

Nothing here is written per question. The lead comes from the question's intent (how long /
when / how much / how many / who) applied to the cited text: the first phrase of that kind in
the quoted sentence ("三年", "4月30日", "40亿元"). English questions get an English lead (the FAQ
entry's summary of the unit, or the key fact rendered in English) and the Chinese quote.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from knowledge.refs import cn_to_int
from retrieval.answer import Answer, Citation
from retrieval.chunks import Unit
from retrieval.text import split_sentences

WHOLE_TEXT_CHARS = 90  # quote a short unit whole; longer ones by their best sentence(s)
SHORT_SENTENCE_CHARS = 25  # a very short best sentence takes its neighbour along

_CN_NUM = "[零〇一二两三四五六七八九十百]"
_FACT_PATTERNS: dict[str, re.Pattern[str]] = {
    "duration": re.compile(rf"(?:延长)?(?:{_CN_NUM}+|\d{{1,2}})个?(?:年|个工作日)(?![度版级])"),
    "date": re.compile(r"(?:\d{4}年)?\d{1,2}月\d{1,2}日前?"),
    "amount": re.compile(r"\d+(?:\.\d+)?\s*亿元"),
    "percent": re.compile(r"(?:[>≥≤<]|高于|不低于|不超过|以上)?\s*\d+(?:\.\d+)?\s*%(?:以上)?"),
    "count": re.compile(rf"(?:最多推荐|认定)?(?:\d+|{_CN_NUM}+)(?:个|家)(?:左右|集群)?"),
    "who": re.compile(
        r"县级(?:行政区划)?中小企业主管部门|省级中小企业主管部门|工业和信息化部|"
        r"县级工业和信息化主管部门|各级中小企业主管部门"
    ),
}
_INTENT_WORDS: dict[str, tuple[str, ...]] = {
    "duration": ("多久", "多长", "几年", "有效期", "期限", "延长", "管几年", "多少年", "几天",
                 "how long", "years", "valid", "validity", "last"),
    "date": ("什么时候", "何时", "哪天", "几月", "截止", "日期", "时间", "几号", "哪一天",
             "when", "deadline", "date", "due"),
    "amount": ("产值", "多少钱", "亿", "营收", "规模", "output", "revenue", "billion"),
    "percent": ("占比", "比例", "增速", "增长", "百分之", "%", "share", "growth", "percent"),
    "count": ("几个", "多少个", "几家", "名额", "多少家", "数量", "how many", "quota", "number of"),
    "who": ("谁", "哪个部门", "哪级", "哪一级", "主体", "负责", "who", "which authority"),
}
_WHO_EN = {
    "工业和信息化部": "MIIT (the Ministry of Industry and Information Technology)",
    "省级中小企业主管部门": "the provincial SME authority",
    "县级中小企业主管部门": "the county-level SME authority",
    "县级行政区划中小企业主管部门": "the county-level SME authority",
    "县级工业和信息化主管部门": "the county-level industry and IT authority",
    "各级中小企业主管部门": "SME authorities at every level",
}

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


def detect_intents(question: str) -> list[str]:
    lowered = question.lower()
    return [intent for intent, words in _INTENT_WORDS.items() if any(w in lowered for w in words)]


def key_fact(text: str, intents: Sequence[str]) -> str | None:
    """The first phrase of an asked-for kind in `text` (e.g. "三年" for "多久")."""
    for intent in intents:
        match = _FACT_PATTERNS[intent].search(text)
        if match:
            return match.group(0).strip()
    return None


_CLAUSE = re.compile(r"[^，；。：:,;]+")
_PREFIXES = re.compile(r"^(?:延长|最多推荐|认定|高于|不低于|不超过|以上|[>≥≤<])\s*")


def key_facts(text: str, intents: Sequence[str]) -> list[str]:
    """Every distinct phrase of the first asked-for kind found in `text`, in order."""
    for intent in intents:
        # Facts with the same value are one fact ("三年" and "延长三年": the answer is 三年).
        by_value: dict[str, str] = {}
        for match in _FACT_PATTERNS[intent].finditer(text):
            phrase = match.group(0).strip()
            by_value.setdefault(_PREFIXES.sub("", phrase), phrase)
        if by_value:
            return list(by_value.values())
    return []


def lead_clauses(text: str, facts: Sequence[str], limit: int = 2) -> list[str]:
    """The clauses of `text` that hold the facts, so that "1家" and "10家" keep their subjects
    ("小巨人企业不少于1家" / "专精特新中小企业……合计不少于10家")."""
    clauses: list[str] = []
    for match in _CLAUSE.finditer(text):
        clause = match.group(0).strip()
        if any(fact in clause for fact in facts) and clause not in clauses:
            clauses.append(clause)
    return clauses[:limit]


def english_fact(fact: str) -> str:
    """Render a Chinese key fact in English, keeping the Chinese in brackets."""
    if fact in _WHO_EN:
        return f"{_WHO_EN[fact]} ({fact})"
    years = re.fullmatch(rf"(延长)?({_CN_NUM}+|\d+)个?(年|个工作日)", fact)
    if years:
        number = cn_to_int(years.group(2))
        unit = "years" if years.group(3) == "年" else "working days"
        prefix = "extended by " if years.group(1) else ""
        return f"{prefix}{number} {unit} ({fact})" if number is not None else fact
    date = re.fullmatch(r"(?:(\d{4})年)?(\d{1,2})月(\d{1,2})日(前)?", fact)
    if date:
        months = ["January", "February", "March", "April", "May", "June", "July", "August",
                  "September", "October", "November", "December"]
        month = int(date.group(2))
        if 1 <= month <= 12:
            text = f"{months[month - 1]} {int(date.group(3))}"
            if date.group(1):
                text += f", {date.group(1)}"
            return ("by " if date.group(4) else "") + text + f" ({fact})"
    amount = re.fullmatch(r"(\d+(?:\.\d+)?)\s*亿元", fact)
    if amount:
        billions = float(amount.group(1)) / 10
        return f"{billions:g} billion yuan ({fact})"
    return fact


@dataclass(frozen=True)
class Composer:
    """Turns ranked units into an answer. `score_sentence` rates how well a sentence matches
    the question (the service passes an idf-weighted overlap)."""

    score_sentence: Callable[[str], float]

    def quote(self, unit: Unit, intents: Sequence[str]) -> str:
        text = unit.text.strip()
        if len(text) <= WHOLE_TEXT_CHARS:
            return text
        sentences = split_sentences(text)
        if len(sentences) <= 1:
            return text

        def rank(index: int) -> tuple[float, int]:
            sentence = sentences[index]
            bonus = 0.5 if key_fact(sentence, intents) else 0.0
            return (self.score_sentence(sentence) + bonus, -index)

        best = max(range(len(sentences)), key=rank)
        chosen = [best]
        if len(sentences[best]) < SHORT_SENTENCE_CHARS and best + 1 < len(sentences):
            chosen.append(best + 1)
        return "".join(sentences[i] for i in chosen)

    def compose(
        self,
        question: str,
        lang: str,
        ranked: Sequence[tuple[Unit, float]],
        english_leads: dict[str, str],
    ) -> tuple[str, list[Citation]]:
        intents = detect_intents(question)
        citations: list[Citation] = []
        for unit, _score in ranked:
            citations.append(
                Citation(
                    doc=unit.target.doc,
                    ref=unit.target.ref,
                    quote=self.quote(unit, intents),
                    label=display_label(unit),
                    item=unit.target.item,
                )
            )
        top_unit = ranked[0][0]
        top = citations[0]
        facts = key_facts(top.quote, intents) or key_facts(top_unit.text, intents)
        # One fact leads as is ("三年"); several of a kind lead with their clauses, else the
        # bare numbers would lose what they count.
        fact = facts[0] if len(facts) == 1 else None
        clauses = lead_clauses(top.quote, facts) if len(facts) > 1 else []
        secondary = top_unit.doc_kind == "facts"
        display = display_label(top_unit)
        others = [display_label(unit) for unit, _ in ranked[1:]]
        lines: list[str] = []
        if lang == "en":
            lead = english_leads.get(top_unit.target.key)
            if fact:
                lines.append(f"Short answer: {english_fact(fact)}.")
            if lead:
                lines.append(lead)
            if not fact and not lead:
                lines.append(f"The most relevant source is {display}.")
            lines.append(f"Source: {display} — “{top.quote}”")
            if secondary:
                lines.append(SECONDARY_NOTE_EN)
            if others:
                lines.append("See also: " + "; ".join(others))
        else:
            if fact:
                lines.append(f"答：{fact}。")
            elif clauses:
                lines.append("答：" + "；".join(clauses) + "。")
            lines.append(f"依据{display}：“{top.quote}”")
            if secondary:
                lines.append(SECONDARY_NOTE_ZH)
            if others:
                lines.append("另见：" + "；".join(others))
        return "\n".join(lines), citations


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
