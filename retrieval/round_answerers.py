"""Answerers for rounds, batches and validity windows, from the typed records; a field the
record lacks is said to be unrecorded, never filled from another year."""

from __future__ import annotations

import re

from retrieval.answer import Citation
from retrieval.answer_parts import AnswererBase, Part, _en_date, _zh_date
from retrieval.frame import Frame

_NUMBERS = "一二三四五六七八"
# Words that make a year's question one about its recommendation round (the call), not its batch.
_ROUND_CUES = ("推荐", "名额", "报送", "上报", "报几个", "推几个", "quota", "recommend")
_CN_YEARS = {1: "一", 2: "两", 3: "三", 4: "四", 5: "五"}
# "Is it permanent / automatic?": the term answers it with a no.
_FOREVER = re.compile(
    r"终身|永久|一直有效|永远|自动续|自动延|不用复核|permanent|forever|for life|automatic"
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


class RoundAnswerers(AnswererBase):
    # -- rounds, batches, validity ------------------------------------------------------------

    def rounds(self, frame: Frame, lang: str) -> Part | None:
        low = frame.question.lower()
        # A batch is the result (how many were recognised, when the list came out); a round is
        # the call for recommendations (quotas, deadlines). English names the batch outright.
        batch_words = (
            "认定了", "一共认定", "名单", "公布", "多少个集群", "published", "list", "batch",
            "cohort", "recognised", "recognized",
        )
        if frame.has("validity") and frame.batch_year is not None and not frame.has("count"):
            return self.validity(frame, lang)  # "When does the 2023 batch's validity end?"
        if frame.batch_year is not None and any(w in low for w in batch_words):
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

    def term(self, frame: Frame, lang: str) -> Part | None:
        """How long a recognition lasts (第十五条), with a no for "permanent / automatic"."""
        measures = self.kb.find("第十五条")
        rule = self.facts.validity_rule()
        if measures is None or rule is None:
            return None
        record = rule.record
        citations = [Citation(measures.doc_id, measures.ref, measures.text, measures.label),
                     self._fact_citation(rule)]
        # The article itself is quoted: the rule's own words, in every language.
        quote = (f"Source: {measures.label} — “{measures.text}”" if lang == "en"
                 else f"依据{measures.label}：“{measures.text}”")
        denied = frame.yesno and _FOREVER.search(frame.question.lower()) is not None
        years = _CN_YEARS.get(record.years, str(record.years))
        renewal = _CN_YEARS.get(record.renewal_years, str(record.renewal_years))
        batches = self.facts.batches()
        example = batches[0].record if batches else None
        if lang == "en":
            lead = ("No: " if denied else "") + (
                f"{record.years} years; when they end MIIT reviews the cluster (mainly its "
                "three-year development plan targets), and passing extends the recognition by "
                f"{record.renewal_years} years (Article 15)."
            )
            if example is not None:
                lead += (f" E.g. the {example.year} batch is valid from "
                         f"{_en_date(example.valid_from)} to {_en_date(example.valid_until)}.")
        else:
            lead = ("不是。有效期为" if denied else "") + (
                f"{years}年。期满后由工业和信息化部组织复核（重点考核三年发展规划目标完成情况），"
                f"复核通过的有效期延长{renewal}年（《暂行办法》第十五条）。"
            )
            if example is not None:
                lead += (f"例如{example.year}年度认定的集群，有效期为{_zh_date(example.valid_from)}"
                         f"至{_zh_date(example.valid_until)}。")
        return Part([quote], citations, lead)

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

    def batch(self, frame: Frame, lang: str, year: int | None = None) -> Part | None:
        year = year if year is not None else frame.batch_year
        assert year is not None
        cited = self.facts.batch(year)
        if cited is None:
            return self.unrecorded_batch(year, lang)
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

    def unrecorded_batch(self, year: int, lang: str) -> Part:
        """A batch whose list the knowledge does not hold: said so, never another batch's date
        or count as the answer; the recorded batches are named as context only."""
        recorded = [c.record for c in self.facts.batches()]
        round_cited = self.facts.round(year)
        citations = [self._fact_citation(round_cited)] if round_cited else []
        if lang == "en":
            lead = (
                f"the {year} batch's list (its date and number of clusters) is not recorded "
                "here; see MIIT's published list."
            )
            lines = [
                "For context only (not the answer): recorded batches: "
                + "; ".join(f"{r.year} ({r.count} clusters)" for r in recorded)
            ] if recorded else []
        else:
            lead = (
                f"本项目未收录{year}年度集群名单（公布日期和认定数量），"
                "请以工业和信息化部公布的名单为准。"
            )
            lines = [
                "仅作背景（不是本问题的答案）：已收录的批次为"
                + "；".join(f"{r.year}年度（{r.count}个集群）" for r in recorded)
                + "。"
            ] if recorded else []
        return Part(lines, citations, lead)

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
        """When a batch's validity ends and its review (第十五条): the window from the batch's
        record or the rule, and the review's launch only where a record says so."""
        year, cited = frame.batch_year, None
        if year is None:
            for named in frame.years:
                cited = self.facts.renewal_review(named) or next(
                    (c for c in self.facts.renewal_reviews()
                     if c.record.launched_with_round == named), None)  # "2025年复核的是哪批"
                if cited is not None:
                    year = cited.record.batch_year
                    break
        if year is None:
            return None
        cited = cited or self.facts.renewal_review(year)
        window = self.facts.validity_of(year)
        if window is None:
            return None
        end = window[1]
        citations: list[Citation] = []
        measures = self.kb.find("第十五条")
        if measures is not None:
            citations.append(Citation(measures.doc_id, measures.ref, measures.text, measures.label))
        rule = self.facts.batch(year) or self.facts.validity_rule()
        if rule is not None:
            citations.append(self._fact_citation(rule))
        if lang == "en":
            lead = (
                f"the {year} batch is valid until {_en_date(end)}; when it expires MIIT "
                "reviews it, mainly the targets of its three-year development plan, and "
                "passing extends it by three years (Article 15)."
            )
        else:
            lead = (
                f"{year}年度认定的集群有效期至{_zh_date(end)}；期满后由工业和信息化部组织复核，"
                "重点考核三年发展规划目标完成情况，复核通过的有效期延长三年（《暂行办法》第十五条）。"
            )
        if cited is None:
            lead += (
                " When that review starts is not recorded here; see MIIT's notice."
                if lang == "en"
                else "该批复核的具体启动时间本项目未收录，请以工业和信息化部通知为准。"
            )
            return Part([], citations, lead)
        with_round = cited.record.launched_with_round
        round_cited = self.facts.round(with_round) if with_round else None
        notice = round_cited.record.notice if round_cited else None
        if with_round:
            lead += (
                f" Its review was launched together with the {with_round} round"
                + (f" ({notice})." if notice else ".")
                if lang == "en"
                else f"该批复核与{with_round}年度推荐工作一同启动"
                + (f"（{notice}）。" if notice else "。")
            )
        # The review's own record answers "when"; the article and the window follow.
        citations.insert(0, self._fact_citation(cited))
        if round_cited is not None:
            citations.insert(1, self._fact_citation(round_cited))
        return Part([], citations, lead)

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
