"""Answerers per intent: computed from the criteria engine and the typed facts, and cited.

Each answerer takes a `Frame` and returns a `Part` (plain text + citations) or None when it does
not apply, leaving the question to the next answerer and finally to retrieval. Figures in a
question are judged by `knowledge.engine.assess` for the edition asked (national by default,
and the answer says which); rounds, batches and validity windows come from typed records, and a
field the record lacks is said to be unrecorded, never filled from another year.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from knowledge.criteria import CriteriaEdition, Indicator, describe_indicator, requirement_text
from knowledge.engine import assess
from knowledge.facts import Cited
from knowledge.kb import KnowledgeBase
from retrieval.answer import Citation
from retrieval.frame import Frame, Framer, _has_any

_NUMBERS = "一二三四五六七八"


@dataclass
class Part:
    """One answered part of a question."""

    lines: list[str]
    citations: list[Citation] = field(default_factory=list)
    lead: str | None = None  # the short answer ("答：…" / "Short answer: …")

    def text(self, lang: str) -> str:
        head = []
        if self.lead:
            head.append(("Short answer: " if lang == "en" else "答：") + self.lead)
        return "\n".join([*head, *self.lines])


def _zh_date(value: date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def _en_date(value: date) -> str:
    return value.strftime("%B %-d, %Y")


class Answerers:
    def __init__(self, kb: KnowledgeBase, framer: Framer) -> None:
        self.kb = kb
        self.framer = framer
        self.facts = kb.facts

    # -- citations ---------------------------------------------------------------------------

    def _criteria_citation(self, edition: CriteriaEdition, ref: str, quote: str) -> Citation:
        return Citation(
            doc=f"criteria-{edition.id}", ref=ref, quote=quote, label=edition.label(ref)
        )

    def _fact_citation(self, cited: Cited, quote: str | None = None) -> Citation:
        located = self.kb.find(f"{cited.doc} {cited.ref}")
        assert located is not None, cited
        heading = located.heading or ""
        label = located.label if heading in located.label else f"{located.label}·{heading}"
        return Citation(doc=cited.doc, ref=cited.ref, quote=quote or located.text, label=label)

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
                    # Worked out, not asked: shown for information, not part of the verdict.
                    lines.append(("- Also: " if lang == "en" else "- 另：") + check.message)
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
                ref = self._dimension_of(edition, indicator_id)
                if not any(c.ref == ref and c.doc == f"criteria-{edition.id}" for c in citations):
                    citations.append(
                        self._criteria_citation(edition, ref, describe_indicator(indicator))
                    )
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
        national = self.framer.editions.get(self.framer.national)
        order = [i.id for i in national.indicators()] if national else []
        return sorted(kept, key=lambda i: order.index(i) if i in order else 99)

    # -- rounds, batches, validity ------------------------------------------------------------

    def rounds(self, frame: Frame, lang: str) -> Part | None:
        low = frame.question.lower()
        batch_words = ("认定了", "一共认定", "名单", "公布", "多少个集群", "published", "list")
        if frame.batch_year is not None and any(w in low for w in batch_words):
            return self.batch(frame, lang)
        if frame.has("validity") and frame.batch_year is not None:
            return self.validity(frame, lang)
        if "复核" in low and frame.years:
            return self.renewal(frame, lang)
        years = [y for y in frame.years if self.facts.round(y) is not None]
        if not years or frame.province_deadline_asked():
            return None
        lines: list[str] = []
        citations: list[Citation] = []
        leads: list[str] = []
        for year in years[:3]:
            cited = self.facts.round(year)
            assert cited is not None
            record = cited.record
            fact = self._round_fact(record, frame, low, lang)
            leads.append(fact)
            citations.append(self._fact_citation(cited))
        sep = "; " if lang == "en" else "；"
        lead = sep.join(leads) + ("" if lang == "en" else "。")
        if frame.yesno and len(leads) > 1:
            same = len({fact.split("：" if lang != "en" else ": ", 1)[-1] for fact in leads}) == 1
            verdict = (
                ("the same. " if same else "not the same. ")
                if lang == "en"
                else ("一样。" if same else "不一样。")
            )
            lead = verdict + lead
        return Part(lines, citations, lead)

    def all_rounds(self, frame: Frame, lang: str) -> Part | None:
        """A round question without a year: the figures differ by year, so every recorded
        round is listed (never one year's figure as if it were the rule)."""
        low = frame.question.lower()
        rounds = self.facts.rounds()
        if not rounds:
            return None
        facts = [self._round_fact(c.record, frame, low, lang) for c in rounds]
        head = (
            "it differs by year; recorded rounds:"
            if lang == "en"
            else "各年度不同，已收录的年度如下："
        )
        return Part(facts, [self._fact_citation(c) for c in rounds], head)

    def _round_fact(self, record: object, frame: Frame, low: str, lang: str) -> str:
        year = record.year  # type: ignore[attr-defined]
        parts: list[str] = []
        wants_deadline = frame.has("deadline", "date") or "截止" in low
        wants_quota = frame.has("quota", "count") or "名额" in low
        wants_notice = any(w in low for w in ("文号", "通知", "notice", "document"))
        if not (wants_deadline or wants_quota or wants_notice):
            wants_deadline = wants_quota = wants_notice = True
        notice = record.notice  # type: ignore[attr-defined]
        if wants_notice:
            parts.append(
                (f"notice {notice}" if notice else "notice number not recorded")
                if lang == "en"
                else (f"通知文号为{notice}" if notice else "本项目未收录该年度通知的文号")
            )
        if wants_quota:
            qp, qs = record.quota_province, record.quota_separate  # type: ignore[attr-defined]
            parts.append(
                f"at most {qp} per province, {qs} per separately listed city / the XPCC"
                if lang == "en"
                else f"每个省、自治区、直辖市最多推荐{qp}个，"
                f"每个计划单列市和新疆生产建设兵团最多推荐{qs}个"
            )
        if wants_deadline:
            deadline = record.deadline  # type: ignore[attr-defined]
            if deadline is not None:
                parts.append(
                    f"provinces submit to MIIT by {_en_date(deadline)}"
                    if lang == "en"
                    else f"省级主管部门须在{_zh_date(deadline)}前报送工业和信息化部"
                )
            else:
                where = notice or ("that year's notice" if lang == "en" else "当年通知")
                parts.append(
                    f"the deadline is not recorded here; see {where}"
                    if lang == "en"
                    else f"本项目未收录报送截止日期，请以{where}原文为准"
                )
        head = f"{year} round: " if lang == "en" else f"{year}年度："
        return head + ("; ".join(parts) if lang == "en" else "，".join(parts))

    def batch(self, frame: Frame, lang: str) -> Part | None:
        assert frame.batch_year is not None
        cited = self.facts.batch(frame.batch_year)
        if cited is None:
            return None
        record = cited.record
        if lang == "en":
            lead = (
                f"the {record.year} batch: {record.count} clusters, list published "
                f"{_en_date(record.list_published)}, valid {record.valid_from.year}–"
                f"{record.valid_until.year}."
            )
        else:
            lead = (
                f"{record.year}年度（第{_NUMBERS[record.ordinal - 1]}批）"
                f"共认定{record.count}个集群，"
                f"名单于{_zh_date(record.list_published)}公布，有效期为"
                f"{_zh_date(record.valid_from)}至{_zh_date(record.valid_until)}。"
            )
        return Part([], [self._fact_citation(cited)], lead)

    def validity(self, frame: Frame, lang: str) -> Part | None:
        year = frame.batch_year
        if year is None:
            return None
        window = self.facts.validity_of(year)
        rule = self.facts.validity_rule()
        if window is None or rule is None:
            return None
        start, end = window
        cited = self.facts.batch(year) or rule
        citations = [self._fact_citation(cited)]
        measures = self.kb.find("第十五条")
        if measures is not None:
            citations.append(Citation(measures.doc_id, measures.ref, measures.text, measures.label))
        if lang == "en":
            lead = (
                f"a cluster of the {year} batch is valid from {_en_date(start)} to "
                f"{_en_date(end)} (three years, Article 15); passing the review extends it "
                "by three years."
            )
        else:
            lead = (
                f"{year}年度认定的集群，有效期为{_zh_date(start)}至{_zh_date(end)}（三年，"
                "《暂行办法》第十五条）；期满复核通过的，有效期延长三年。"
            )
        return Part([], citations, lead)

    def renewal(self, frame: Frame, lang: str) -> Part | None:
        for year in frame.years:
            cited = self.facts.renewal_review(year)
            if cited is None:
                continue
            with_round = cited.record.launched_with_round
            round_cited = self.facts.round(with_round) if with_round else None
            notice = round_cited.record.notice if round_cited else None
            if lang == "en":
                lead = (
                    f"the review of the {year} batch was launched together with the "
                    f"{with_round} round" + (f" ({notice})." if notice else ".")
                )
            else:
                lead = f"{year}年度集群的复核与{with_round}年度推荐工作一同启动" + (
                    f"（{notice}）。" if notice else "。"
                )
            citations = [self._fact_citation(cited)]
            if round_cited is not None:
                citations.append(self._fact_citation(round_cited))
            return Part([], citations, lead)
        return None


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
