"""Answerers for rounds, batches and validity windows, from the typed records; a field the
record lacks is said to be unrecorded, never filled from another year."""

from __future__ import annotations

import re

from retrieval.answer import Citation
from retrieval.answer_parts import Part, _en_date, _zh_date
from retrieval.batch_answerers import BatchAnswerers
from retrieval.frame import Frame
from retrieval.text import cjk_bigrams

# Words that make a year's question one about its recommendation round (the call), not its batch.
_ROUND_CUES = ("推荐", "名额", "报送", "上报", "报几个", "推几个", "quota", "recommend")
# A round's own rules: what the card does not say, and how a rule answers a yes/no.
_CARD_SENTENCE = re.compile(r"最多推荐|前报送|依据工信厅|截止日期")
_SAME_AS = re.compile(r"其余要求与(20\d\d)年度相同")
_HAS_ASKED = re.compile(r"有没有|有无|有.{0,10}[吗么]")
_RULE_LIMITS = re.compile(r"只|不得|不能|不予|不可|取消")
_RULE_ALLOWS = re.compile(r"可适当|可以|允许|放宽")
_MORE_ASKED = re.compile(r"两|多|几|都|也|another|two|more|several")
# Bigrams every round question shares: they say nothing about which rule is asked.
_ROUND_BIGRAMS = frozenset(
    ("推荐", "集群", "申报", "年度", "时候", "可以", "能否", "没有", "有没", "什么", "一个",
     "两个", "能推", "的时", "工作", "个集", "个省", "每个", "省能", "多少", "几个")
)


_NOTICE_CUES = ("文号", "通知", "notice", "document")


# "2022年度推荐工作有什么要求": the round as a whole, with the rules every round shares.
_ROUND_AS_A_WHOLE = re.compile(
    r"(?:推荐|申报)(?:工作|通知)?.{0,6}(?:要求|规定|注意|内容|安排|有哪些|有什么)|"
    r"(?:requirements?|rules?)\b.{0,30}\b(?:round|recommendation)",
)

_ONE_FIELD = re.compile(
    r"名额|几个|多少|截止|哪天|几号|什么时候|文号|quota|how many|deadline|when|notice number"
)


def _round_fields(frame: Frame, low: str) -> set[str]:
    """Which fields of a round record the question asks for (empty: none of them)."""
    fields: set[str] = set()
    if frame.has("deadline", "date") or "截止" in low:
        fields.add("deadline")
    if frame.has("quota") or "名额" in low or (
        frame.has("count") and any(w in low for w in _ROUND_CUES)
    ):
        fields.add("quota")
    if any(w in low for w in _NOTICE_CUES):
        fields.add("notice")
    return fields


class RoundAnswerers(BatchAnswerers):
    # -- rounds, batches, validity ------------------------------------------------------------

    def rounds(self, frame: Frame, lang: str) -> Part | None:
        low = frame.question.lower()
        # A batch is the result (how many were recognised, when the list came out); a round is
        # the call for recommendations (quotas, deadlines). English names the batch outright.
        batch_words = (
            "认定了", "一共认定", "名单", "公布", "多少个集群", "published", "list", "batch",
            "cohort", "recognised", "recognized",
        )
        reviewed = "复核" in low  # the review's answer gives the window too
        if frame.has("validity") and not frame.has("count") and not reviewed and (
            frame.batch_year is not None or (frame.years and not _round_fields(frame, low))
        ):  # "When does the 2023 batch's validity end?", "2024年的集群有效期到哪年"
            return self.validity(frame, lang, frame.batch_year or frame.years[0])
        if frame.batch_year is not None and (
            any(w in low for w in batch_words)
            or (frame.has("count") and not any(w in low for w in _ROUND_CUES))
        ):
            return self.batch(frame, lang)
        if (
            frame.batch_year is None
            and frame.years
            and frame.has("count")
            and "认定" in low
            and not any(w in low for w in _ROUND_CUES)
        ):  # "2023年一共认定了多少个": the batch's size, not the round's quota
            return self.batch(frame, lang, frame.years[0])
        if "复核" in low and (frame.years or frame.batch_year is not None):
            return self.renewal(frame, lang)
        if frame.has("validity") and frame.batch_year is not None:
            return self.validity(frame, lang)
        years = [y for y in frame.years if self.facts.round(y) is not None]
        asks_rule = years and not frame.has("validity", "annual_report", "review_content")
        rule = self._round_rule(years[0], frame, lang) if asks_rule else None
        if rule is not None:
            return rule
        if years and _ROUND_AS_A_WHOLE.search(low) and not _ONE_FIELD.search(low):
            return self._round_whole(years[0], frame, lang)
        if not years or frame.province_deadline_asked() or not _round_fields(frame, low):
            # A year named with a question the round card does not answer ("2023年申报对西部
            # 地区有没有照顾"): retrieval quotes that year's round instead.
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

    def frequency(self, frame: Frame, lang: str) -> Part | None:
        """How often clusters can be put forward: a round a year, the recorded ones listed."""
        rounds = self.facts.rounds()
        if not rounds:
            return None
        years = "、".join(str(c.record.year) for c in rounds)
        yes = ("yes: " if lang == "en" else "是。") if frame.yesno else ""
        lead = yes + (
            "recommendations run in yearly rounds, each opened by a notice of MIIT's General "
            f"Office; recorded rounds: {years.replace('、', ', ')}. Whether and when a round "
            "opens is set by that year's notice."
            if lang == "en"
            else "国家级集群的推荐按年度开展，每年由工业和信息化部办公厅发通知启动；本项目收录了"
            f"{years}年度。当年是否开展、何时截止，以当年通知为准。"
        )
        facts = [self._round_fact(c.record, frame, "", lang, every_field=True) for c in rounds]
        return Part(facts, [self._fact_citation(c) for c in rounds], lead)

    def _round_fact(
        self, record: object, frame: Frame, low: str, lang: str, *, every_field: bool = False
    ) -> str:
        year = record.year  # type: ignore[attr-defined]
        parts: list[str] = []
        fields = (not every_field and _round_fields(frame, low)) or {"deadline", "quota", "notice"}
        wants_deadline = "deadline" in fields
        wants_quota = "quota" in fields
        wants_notice = "notice" in fields
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

    def internal_deadlines(self, frame: Frame, lang: str) -> Part | None:
        """When a province wants its counties' materials: each province sets its own date,
        earlier than the ministry's; the recorded examples are cited, never given as the rule."""
        recorded = self.facts.provincial_deadlines()
        if not recorded:
            return None
        citations: list[Citation] = []
        seen: set[tuple[str, str]] = set()
        for cited in recorded:
            if (cited.doc, cited.ref) not in seen:
                seen.add((cited.doc, cited.ref))
                citations.append(self._fact_citation(cited))
        if lang == "en":
            lead = (
                "each province sets its own internal deadline for its counties, usually "
                "earlier than the date provinces submit to MIIT by; check your province's "
                "notice for the exact date."
            )
        else:
            lead = (
                "各省自行为县（市、区）设定报送推荐材料的内部时限，通常早于省里报送工业和"
                "信息化部的截止日期；具体日期以本省通知为准。"
            )
        lines = [c.quote for c in citations]
        return Part(lines, citations, lead)

    def _rule_sentence(self, year: int, question: str) -> str | None:
        """The sentence of a round's record, beyond its card, that the question is about."""
        cited = self.facts.round(year)
        located = self.kb.find(f"{cited.doc} {cited.ref}") if cited else None
        if located is None:
            return None
        asked = cjk_bigrams(question) - _ROUND_BIGRAMS
        best, shared = None, 1
        for sentence in filter(None, re.split(r"(?<=[。；])", located.text)):
            if _CARD_SENTENCE.search(sentence):
                continue  # the quota and the date: the card answers those
            overlap = len(asked & cjk_bigrams(sentence))
            if overlap > shared:
                best, shared = sentence.strip("；。"), overlap
        return best

    def _round_rule(
        self, year: int, frame: Frame, lang: str, *, seen: frozenset[int] = frozenset()
    ) -> Part | None:
        """A rule of one year's round beyond its quota and date ("同一细分领域只推荐一个集群",
        "对西部地区…可适当放宽") that the question asks about, with a yes or no; a rule only
        another year records is given as context, never as this year's."""
        cited = self.facts.round(year)
        located = self.kb.find(f"{cited.doc} {cited.ref}") if cited else None
        if cited is None or located is None:
            return None
        best = self._rule_sentence(year, frame.question)
        if best is None:
            same = _SAME_AS.search(located.text)  # "其余要求与2023年度相同": that year's rules
            earlier = int(same.group(1)) if same else None
            inherited = (
                self._round_rule(earlier, frame, lang, seen=seen | {year})
                if earlier is not None and earlier not in seen | {year}
                else None
            )
            if inherited is None:
                return None if seen else self._rule_elsewhere(year, frame, lang)
            note = (f"the {year} round kept the other requirements of {earlier}. "
                    if lang == "en" else f"{year}年度其余要求与{earlier}年度相同；")
            lead = inherited.lead or ""
            verdict = next((v for v in ("不能。", "有。", "可以。", "No. ", "Yes. ")
                            if lead.startswith(v)), "")
            return Part([], [self._fact_citation(cited), *inherited.citations],
                        verdict + note + lead.removeprefix(verdict))
        verdict = ""
        if frame.yesno:
            low = frame.question.lower()
            if _RULE_LIMITS.search(best) and _MORE_ASKED.search(low):
                verdict = "No. " if lang == "en" else "不能。"
            elif _RULE_ALLOWS.search(best):
                verdict = ("Yes. " if lang == "en"
                           else "有。" if _HAS_ASKED.search(low) else "可以。")
        citation = self._fact_citation(cited)
        lead = (
            f"{verdict}the {year} round's notice says (in Chinese): {best}"
            if lang == "en"
            else f"{verdict}{year}年度推荐工作规定：{best}。"
        )
        return Part([], [citation], lead)

    def _rule_elsewhere(self, year: int, frame: Frame, lang: str) -> Part | None:
        """The asked rule appears only in another year's record: not recorded for this year,
        the other year's as labelled context."""
        for other in self.facts.rounds():
            other_year = other.record.year
            sentence = self._rule_sentence(other_year, frame.question) if other_year != year \
                else None
            if sentence is None:
                continue
            lead = (
                f"the {year} round's record here does not mention this; for context only (not "
                f"the {year} rule), the {other_year} round said: {sentence}. See the {year} notice."
                if lang == "en"
                else f"本项目收录的{year}年度推荐工作信息未提及这一点，请以当年通知为准。仅作背景"
                f"（不是{year}年度的规定）：{other_year}年度推荐工作规定：{sentence}。"
            )
            this = self.facts.round(year)
            citations = [self._fact_citation(c) for c in (this, other) if c is not None]
            return Part([], citations, lead)
        return None

    def _round_whole(self, year: int, frame: Frame, lang: str) -> Part | None:
        cited = self.facts.round(year)
        assert cited is not None
        citations = [self._fact_citation(cited)]
        shared = self.kb.find(f"{cited.doc} round-rules")
        if shared is not None:
            citations.append(self._located_citation(shared))
        # The quotes are Chinese: an English reader gets the record's figures as the lead.
        lead = (
            self._round_fact(cited.record, frame, "", lang, every_field=True)
            if lang == "en" else None
        )
        return Part([c.quote for c in citations], citations, lead)
