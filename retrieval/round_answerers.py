"""Answerers for rounds, batches and validity windows, from the typed records; a field the
record lacks is said to be unrecorded, never filled from another year."""

from __future__ import annotations

from retrieval.answer import Citation
from retrieval.answer_parts import AnswererBase, Part, _en_date, _zh_date
from retrieval.frame import Frame

_NUMBERS = "一二三四五六七八"


class RoundAnswerers(AnswererBase):
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
            return self.unrecorded_batch(frame.batch_year, lang)
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
