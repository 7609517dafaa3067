"""Answerers for figures and thresholds: figures in a question are judged by
`knowledge.engine.assess` for the edition asked (national by default, and the answer says which);
a threshold question gets the requirement of each indicator asked for, cited."""

from __future__ import annotations

import re
from collections.abc import Sequence

from knowledge.criteria import CriteriaEdition, Indicator, describe_indicator, requirement_text
from knowledge.engine import assess
from retrieval.answer import Citation
from retrieval.answer_parts import AnswererBase, Part
from retrieval.frame import Frame, _has_any

_FIGURE_ASKED = re.compile(r"占比|比重|比例|%|百分|多少|几|share|percent|how much|how many")
_SHARE_ASKED = re.compile(r"占比|比重|比例|百分之|%|percentage|share|percent")
_MONEY_ASKED = re.compile(r"亿|万元|billion|million|yuan|value")
# The asker's own figures ("我们主导产业占比70%", "our share is 70%"), not a need ("我们需要…").
_OWN = re.compile(
    r"(?:我们|咱们)(?!需要|要|得|必须|是否|能否)|我县|本县|我市|本集群|\bour\b|"
    r"\bwe (?:have|had|got|are|were)\b"
)
_LIMIT_NAMED = re.compile(
    r"门槛|上限|下限|限制|要求|标准|硬性|软性|至少要|最少要|limit|requirement|threshold|cap|"
    r"hard|soft|at least|need|required"
)
# What "一般不超过" means (CRITERIA.md): a warning when exceeded, not a failure.
_SOFT_NOTE = {
    "zh": "“一般不超过”是软性要求：超出会提示，不直接判为不合格。",
    "en": "“Usually at most” is a soft limit: exceeding it draws a warning, not a failure.",
}


class CriteriaAnswerers(AnswererBase):
    # -- figures and thresholds ---------------------------------------------------------------

    def _dimension_of(self, edition: CriteriaEdition, indicator_id: str) -> str:
        for dimension in edition.dimensions:
            if any(i.id == indicator_id for i in dimension.indicators):
                return dimension.number
        return "gate"

    def eligibility(self, frame: Frame, lang: str) -> Part | None:
        if not frame.indicators:
            return None
        editions = [e for e in frame.editions if e in self.framer.editions]
        if frame.edition in self.framer.editions and frame.edition not in editions:
            editions.insert(0, frame.edition)
        if not editions:
            return None
        lines: list[str] = []
        citations: list[Citation] = []
        verdicts: list[bool | None] = []
        for edition_id in editions[:2]:
            edition = self.framer.editions[edition_id]
            answers, single_output = _engine_answers(frame.indicators)
            result = assess(edition, answers, lang=lang, kb=self.kb, with_advice=False)
            checks = {c.id: c for d in result.dimensions for c in d.checks}
            head = (
                f"By the {edition.name('en')} criteria"
                + (
                    " (national by default)"
                    if len(editions) == 1 and frame.province is None
                    else ""
                )
                + ":"
                if lang == "en"
                else f"按{edition.short_name}认定标准"
                + (
                    "（未指明省份时按全国标准）"
                    if frame.province is None and len(editions) == 1
                    else ""
                )
                + "："
            )
            lines.append(head)
            for indicator_id, value in frame.indicators.items():
                check = checks.get(indicator_id)
                indicator = edition.indicator(indicator_id)
                if check is None:
                    continue
                if indicator_id == "output_value_yi" and single_output:
                    message, ok = _single_output(indicator, float(value), lang)
                else:
                    message = check.message
                    ok = {"pass": True, "info": True, "warn": True, "fail": False}.get(
                        check.status
                    )
                    if check.status == "warn":
                        message += (
                            " (a soft limit: exceeding it is flagged, not failed)"
                            if lang == "en"
                            else "（“一般不超过”是软性要求：超出会提示，不直接判为不合格）"
                        )
                verdicts.append(ok)
                lines.append(f"- {message}")
                ref = self._dimension_of(edition, indicator_id)
                quote = describe_indicator(indicator)
                if not any(c.ref == ref and c.doc == f"criteria-{edition.id}" for c in citations):
                    citations.append(self._criteria_citation(edition, ref, quote))
                if single_output and indicator_id == "output_value_yi":
                    lines.append(
                        "  (only one year was given; the criteria ask for each of the last "
                        "three years)"
                        if lang == "en"
                        else "  （你只给了一个年度的数值；标准要求近三年每年都达到）"
                    )
            for check in checks.values():
                if check.derived and check.id not in frame.indicators and not single_output:
                    # Worked out from the three yearly outputs given, so it is as much a fact of
                    # the figures as they are: 45, 48, 52 grow 7.5 % a year, short of 10 %.
                    lines.append(("- Also: " if lang == "en" else "- 另：") + check.message)
                    verdicts.append(
                        {"pass": True, "info": True, "warn": True, "fail": False}.get(check.status)
                    )
            either = _either_or_note(edition, frame.indicators, lang)
            if either:
                lines.append(either)
        rest = (
            "Other conditions (the gate, dimensions 三–八) are not judged from these figures; "
            "/assess runs the full self-assessment."
            if lang == "en"
            else "其他条件（基本条件、第三至第八方面等）无法从这几个数字判断；"
            "可用 /assess 做完整自评。"
        )
        lines.append(rest)
        soft = any("soft limit" in line or "软性要求" in line for line in lines)
        if False in verdicts:
            lead = "no, not on every figure." if lang == "en" else "不够，有指标未达标（见下）。"
        elif None in verdicts:
            lead = (
                "not decided yet: another figure decides (see below)."
                if lang == "en"
                else "还不能确定，取决于下面尚未给出的指标。"
            )
        elif soft:
            lead = (
                "no hard requirement missed; a soft limit is exceeded (see below)."
                if lang == "en"
                else "不会直接判为不合格：没有硬性指标未达标，但超出了软性要求（见下）。"
            )
        else:
            lead = "yes, for the figures given." if lang == "en" else "就你给出的数字，达标。"
        return Part(lines, citations, lead)

    def names_only_thresholds(self, frame: Frame) -> bool:
        """The figures in the question are the criteria's own limits, named as such ("Is the
        100 km² limit a hard requirement?"), not the asker's values to be judged."""
        national = self.framer.editions.get(self.framer.national)
        if national is None or not frame.indicators or not _LIMIT_NAMED.search(
            frame.question.lower()
        ):
            return False
        low = frame.question.lower()
        if _has_any(low, self.framer.vocab.intents.get("eligibility_check", ())) or _OWN.search(
            low
        ):
            return False  # "刚好70%，算达标吗", "我们都是70%": the asker's figures, to be judged
        limits = {i.id: i.threshold for i in national.indicators()}
        return all(limits.get(key) == value for key, value in frame.indicators.items())

    def thresholds(self, frame: Frame, lang: str) -> Part | None:
        asked = self._asked_indicators(frame)
        if not asked:
            return None
        editions = [e for e in frame.editions if e in self.framer.editions] or [frame.edition]
        editions = [e for e in editions if e in self.framer.editions]
        if not editions:
            return None
        lines: list[str] = []
        citations: list[Citation] = []
        leads: list[str] = []
        for edition_id in editions[:2]:
            edition = self.framer.editions[edition_id]
            parts: list[str] = []
            for indicator_id in asked:
                try:
                    indicator = edition.indicator(indicator_id)
                except KeyError:
                    continue
                need = requirement_text(indicator, lang)
                label = indicator.label_en if lang == "en" else indicator.label
                if need is None:
                    need = "no figure in this edition" if lang == "en" else "本版未附具体数值"
                parts.append(f"{label} {need}" if lang == "en" else f"{label}{need}")
                if indicator.soft and _SOFT_NOTE[lang] not in lines:
                    lines.append(_SOFT_NOTE[lang])
                ref = self._dimension_of(edition, indicator_id)
                if not any(c.ref == ref and c.doc == f"criteria-{edition.id}" for c in citations):
                    citations.append(
                        self._criteria_citation(edition, ref, describe_indicator(indicator))
                    )
            for line, indicator_id in self._conditions_named(edition, frame, lang):
                parts.append(line)
                ref = self._dimension_of(edition, indicator_id)
                if not any(c.ref == ref and c.doc == f"criteria-{edition.id}" for c in citations):
                    dimension = next(d for d in edition.dimensions if d.number == ref)
                    citations.append(self._criteria_citation(edition, ref, dimension.text))
            if not parts:
                continue
            name = edition.name(lang)
            leads.append(
                f"{name}: " + "; ".join(parts) if lang == "en" else f"{name}：" + "；".join(parts)
            )
            either = _either_or_note(edition, dict.fromkeys(asked), lang)
            if either:
                lines.append(either)
        if not leads:
            return None
        if frame.province is not None:
            adopted = self.facts.provincial_edition(frame.province)
            if adopted is not None and adopted.record.edition in editions:  # type: ignore[union-attr]
                note = getattr(adopted.record, "note", None)
                if note:  # "广东省级集群沿用国家认定标准的数值"
                    lines.append(note + "。" if lang != "en" else
                                 f"{frame.province}'s provincial clusters use these figures.")
                    citations.append(self._fact_citation(adopted))
        if len(editions) == 1 and frame.province is None:
            lines.append(
                "(National criteria; name a province for its own edition.)"
                if lang == "en"
                else "（以上为全国标准；问省级集群请说明省份。）"
            )
        return Part(
            lines,
            citations,
            (" | " if lang == "en" else "。").join(leads) + ("" if lang == "en" else "。"),
        )

    def _conditions_named(
        self, edition: CriteriaEdition, frame: Frame, lang: str
    ) -> list[tuple[str, str]]:
        """Yes/no conditions of the edition whose label names what the question names ("对主导
        产业有什么要求": the leading industry must be the county's pillar industry, too), unless
        the question asks for a figure (占比, 多少)."""
        low = frame.question.lower()
        if _FIGURE_ASKED.search(low):
            return []
        named = [
            cue
            for indicator_id in self._asked_indicators(frame)
            for cue in _has_any(low, self.framer.indicator_cues.get(indicator_id, ()))
            if len(cue) >= 3
        ]
        out: list[tuple[str, str]] = []
        for indicator in edition.indicators():
            if indicator.kind == "bool" and any(cue in indicator.label for cue in named):
                label = indicator.label_en if lang == "en" else indicator.label
                line = f"{label} (required)" if lang == "en" else f"{label}（须满足）"
                out.append((line, indicator.id))
        return out

    def _asked_indicators(self, frame: Frame) -> list[str]:
        low = frame.question.lower()
        spans: list[tuple[int, int, str]] = []
        for indicator_id, cues in self.framer.indicator_cues.items():
            for cue in _has_any(low, cues):
                at = low.find(cue)
                spans.append((at, at + len(cue), indicator_id))
        kept: list[str] = []
        for start, end, indicator_id in spans:
            inside = any(
                s <= start and end <= e and (e - s) > (end - start) and other != indicator_id
                for s, e, other in spans
            )
            if not inside and indicator_id not in kept:
                kept.append(indicator_id)
        if len(kept) > 1 and _SHARE_ASKED.search(low) and not _MONEY_ASKED.search(low):
            # "What percentage of output comes from SMEs": a share, not the output itself.
            kept = [i for i in kept if i != "output_value_yi"]
        national = self.framer.editions.get(self.framer.national)
        order = [i.id for i in national.indicators()] if national else []
        return sorted(kept, key=lambda i: order.index(i) if i in order else 99)


def _engine_answers(indicators: dict[str, object]) -> tuple[dict[str, object], bool]:
    """The engine wants three yearly outputs; one given figure is judged on its own."""
    answers = dict(indicators)
    single = "output_value_yi" in answers and not isinstance(answers["output_value_yi"], list)
    if single:
        value = answers["output_value_yi"]
        answers["output_value_yi"] = [value, value, value]
    return answers, single


def _single_output(indicator: Indicator, value: float, lang: str) -> tuple[str, bool]:
    from knowledge.criteria import format_number

    threshold = float(indicator.threshold or 0)
    ok = value >= threshold
    if lang == "en":
        text = (
            f"{indicator.label_en} {format_number(value)} × 100M yuan, each year at least "
            f"{format_number(threshold)}: "
            + ("met" if ok else f"{format_number(threshold - value)} short")
        )
    else:
        text = (
            f"{indicator.label} {format_number(value)}亿元，"
            f"每年不低于 {format_number(threshold)}亿元，"
            + ("达标" if ok else f"差 {format_number(threshold - value)} 亿元")
        )
    return text, ok


def _either_or_note(edition: CriteriaEdition, given: dict[str, object], lang: str) -> str | None:
    for indicator in edition.indicators():
        if indicator.either_or and (indicator.id in given or indicator.either_or in given):
            other = edition.indicator(indicator.either_or)
            first, second = requirement_text(indicator, lang), requirement_text(other, lang)
            return (
                f"({indicator.label_en} {first}, or {other.label_en} {second}: either one "
                "suffices.)"
                if lang == "en"
                else f"（{indicator.label}{first}，或{other.label}{second}，两项满足其一即可。）"
            )
    return None


def pick_indicators(frame: Frame, ids: Sequence[str]) -> dict[str, object]:
    return {k: v for k, v in frame.indicators.items() if k in ids}
