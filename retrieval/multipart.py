"""Questions of several parts ("有效期几年？到期了怎么办？"): each part answered on its own, with
the topic, year and province of the parts before it, then joined into one cited answer."""

from __future__ import annotations

import re
from collections.abc import Sequence

from retrieval.answer import Citation
from retrieval.config import RetrievalConfig
from retrieval.frame import Frame, Framer
from retrieval.gate import DomainGate

_SPLIT = re.compile(
    r"[？?；;！!]|以及|另外|还有就是|同时想问|"
    r",\s*and\s+(?=(?:what|who|when|how|which|where|is|are|can|does|do|will)\b)",
    re.IGNORECASE,
)
_CJK = re.compile(r"[\u4e00-\u9fff]")
# Words that make a fragment a question of its own.
_ASKS = re.compile(
    r"[吗呢么嘛哪几谁]|什么|怎|如何|多少|多久|多长|是否|能否|可否|请问|有没有|能不能|可不可以|"
    r"是不是|会不会|要不要|够不够|列出|说明|介绍|讲讲|\b(?:what|how|when|which|who|why|whom|"
    r"is|are|can|does|do|did|will|should|could|may|must|list|tell|explain)\b",
    re.IGNORECASE,
)
_LISTED = re.compile(r"\n(?:\d+\. |- |（[一二三四五六]）)")
# Intents that say how, not what, a part asks.
_GENERIC_INTENTS = frozenset({"open", "date", "count", "comparison", "deadline", "list"})
# A part that only continues the one before it ("如果跨了两个乡镇呢") is not a question of its own.
_CONTINUATION = re.compile(r"^(?:如果|那|那么|要是|假如|若|原文|具体|详细|请给出原文)")


def split_parts(text: str) -> list[str]:
    """The parts of a multi-part question; a fragment too short to stand alone ("云南呢"), or
    one that asks nothing ("从县里到工信部", background after the question), stays with the
    part before it."""
    pieces = [p.strip(" ，,。") for p in _SPLIT.split(text)]
    parts: list[str] = []
    for piece in pieces:
        if not piece:
            continue
        asks = _ASKS.search(piece) is not None
        substantial = len(_CJK.findall(piece)) >= 4 or len(piece.split()) >= (3 if asks else 4)
        if parts and (not substantial or not asks or _CONTINUATION.match(piece)):
            parts[-1] = f"{parts[-1]}，{piece}"
        else:
            parts.append(piece)
    return parts


def merge(parts: Sequence[tuple[str, list[Citation]]]) -> tuple[str, list[Citation]]:
    """Several answered parts as one numbered answer with every citation once."""
    if len(parts) == 1:
        return parts[0]
    citations: list[Citation] = []
    seen: set[tuple[str, str, str | None]] = set()
    lines: list[str] = []
    for number, (text, cited) in enumerate(parts, start=1):
        lines.append(f"{number}. {text}")
        for citation in cited:
            key = (citation.doc, citation.ref, citation.item)
            if key not in seen:
                seen.add(key)
                citations.append(citation)
    return "\n".join(lines), citations


def join_leads(
    parts: Sequence[tuple[str, list[Citation]]], lang: str
) -> tuple[str, list[Citation]] | None:
    """Parts answered from one unit, each with its own short answer: one answer whose lead
    gives every part's fact in order, then the shared quote once. None when the leads agree."""
    prefix = "Short answer: " if lang == "en" else "答："
    leads: list[str] = []
    for text, _cited in parts:
        first = text.split("\n", 1)[0]
        if not first.startswith(prefix) or first.rstrip().endswith(("：", ":")):
            return None  # no short answer, or one that heads a list
        lead = first.removeprefix(prefix).rstrip("。.")
        if lead not in leads:
            leads.append(lead)
    if len(leads) < 2:
        return None
    rest = parts[0][0].split("\n", 1)[1] if "\n" in parts[0][0] else ""
    sep = "; " if lang == "en" else "；"
    lead = prefix + sep.join(f"({n}) {lead}" for n, lead in enumerate(leads, start=1))
    citations: list[Citation] = []
    seen: set[tuple[str, str, str | None]] = set()
    for _text, cited in parts:
        for citation in cited:
            if (citation.doc, citation.ref, citation.item) not in seen:
                seen.add((citation.doc, citation.ref, citation.item))
                citations.append(citation)
    return f"{lead}{'.' if lang == 'en' else '。'}\n{rest}".rstrip(), citations


class MultiPart:
    """A base of `retrieval.service.Answerer`; the attributes are set by its `__init__`."""

    config: RetrievalConfig
    gate: DomainGate
    framer: Framer

    def _answer_part(
        self, text: str, frame: Frame, lang: str, *, judged: bool = False
    ) -> tuple[str, list[Citation], float] | None:
        raise NotImplementedError

    def answer_parts(
        self, text: str, frame: Frame, lang: str
    ) -> tuple[str, list[Citation]] | None:
        """The joined answer of a question of several parts; None for a one-part question or
        when fewer than two parts are answered (the whole question is then answered as one)."""
        parts = split_parts(text)
        if len(parts) < 2:
            return None
        answered: list[tuple[str, list[Citation]]] = []
        previous = ""
        for part in parts:
            topical, previous = self._with_topic(part, previous), part
            borrowed = topical != part  # the part named no topic of its own ("哪一项有问题")
            part = self._with_scope(topical, frame, lang)
            sub = self.framer.frame(part, lang)
            # The whole question has passed the gate: a part needs no evidence of its own.
            result = self._answer_part(part, sub, lang, judged=True) if sub.covered else None
            if result is None or not result[1]:
                continue
            if borrowed and result[2] < 1.0 and answered:
                continue  # a quote found for a borrowed topic adds nothing to the parts before
            answered.append((result[0], result[1]))
        # Parts answered from one and the same unit are one question asked twice over,
        # unless each part takes its own fact from it ("公示几天？谁是申报主体？").
        firsts = {(c[0].doc, c[0].ref, c[0].item) for _t, c in answered}
        if len(answered) < 2:
            return None
        if len(firsts) > 1:
            return merge(answered)
        joined = join_leads(answered, lang)
        if joined is not None:
            return joined
        # One unit first in each, but a part answered with a list (the steps): every part shown.
        listed = any(_LISTED.search(text) for text, _cited in answered)
        return merge(answered) if listed and len({t for t, _c in answered}) > 1 else None

    def _with_topic(self, part: str, previous: str) -> str:
        """A later part that names no topic of its own ("截止日期是什么时候" after "集群要交年度
        报告吗") is about the previous part's topic: its strongest domain words go first."""
        if not previous:
            return part
        # A part whose own cue words say what it asks ("每年的工作情况什么时候报") has a topic.
        if set(self.framer.frame(part).intents) - _GENERIC_INTENTS:
            return part
        cfg = self.config.gate
        own = self.gate.judge(part)
        if any(known and weight >= cfg.topic_lift for _w, weight, known in own.words):
            return part
        before = sorted(
            ((weight, word) for word, weight, known in self.gate.judge(previous).words if known),
            reverse=True,
        )
        topic = [word for weight, word in before[:2] if weight >= cfg.topic_lift]
        return f"{''.join(topic)} {part}" if topic else part

    def _with_scope(self, part: str, whole: Frame, lang: str) -> str:
        """A part that names no year or province of its own ("截止日期是哪天" after "2023年每个省
        能推荐几个") is about the ones the whole question names."""
        own = self.framer.frame(part, lang)
        prefix = ""
        if not own.years and own.batch_year is None:
            if whole.batch_year is not None:
                prefix += (f"{whole.batch_year} batch " if lang == "en"
                           else f"{whole.batch_year}年度认定的集群")
            elif len(whole.years) == 1:
                prefix += f"{whole.years[0]} " if lang == "en" else f"{whole.years[0]}年"
        national = re.search(r"国家|全国|national", part, re.IGNORECASE) is not None
        if own.province is None and whole.province is not None and not national:
            prefix = whole.province + ("省级" if "省级" in whole.question else "") + prefix
        return f"{prefix}{part}" if prefix and lang != "en" else (
            f"{prefix} {part}" if prefix else part)
