"""Answerers for batches and what follows a recognition: a batch's size and list date, its
validity window, the review when it ends, and the three-year term itself (第十五条); a batch the
knowledge does not record is said to be unrecorded, never filled from another batch."""

from __future__ import annotations

import re

from retrieval.answer import Citation
from retrieval.answer_parts import AnswererBase, Part, _en_date, _zh_date
from retrieval.frame import Frame
from retrieval.replies import source_line

_NUMBERS = "一二三四五六七八"
_CN_YEARS = {1: "一", 2: "两", 3: "三", 4: "四", 5: "五"}
_EN_YEARS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}
# "Is it permanent / automatic?": the term answers it with a no.
_FOREVER = re.compile(
    r"终身|永久|一直有效|永远|自动续|自动延|不用复核|permanent|forever|for life|automatic"
)


class BatchAnswerers(AnswererBase):
    def term(self, frame: Frame, lang: str) -> Part | None:
        """How long a recognition lasts (第十五条), with a no for "permanent / automatic"."""
        article = self._cite("第十五条")
        rule = self.facts.validity_rule()
        if article is None or rule is None:
            return None
        record = rule.record
        citations = [article, self._fact_citation(rule)]
        # The article itself is quoted: the rule's own words, in every language.
        quote = source_line(article.label, article.quote, lang)
        denied = frame.yesno and _FOREVER.search(frame.question.lower()) is not None
        years = _CN_YEARS.get(record.years, str(record.years))
        renewal = _CN_YEARS.get(record.renewal_years, str(record.renewal_years))
        batches = self.facts.batches()
        example = batches[0].record if batches else None
        if lang == "en":
            lead = ("No: " if denied else "") + (
                f"{_EN_YEARS.get(record.years, record.years)} years; when they end MIIT reviews "
                "the cluster (mainly its three-year development plan targets), and passing "
                f"extends the recognition by {_EN_YEARS.get(record.renewal_years, 3)} years "
                "(Article 15)."
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

    def validity(self, frame: Frame, lang: str, year: int | None = None) -> Part | None:
        year = year if year is not None else frame.batch_year
        if year is None:
            return None
        first = self.facts.first_round_year()
        if first is not None and year < first:
            return self.unrecorded_batch(year, lang)  # no batch before the first round
        window = self.facts.validity_of(year)
        rule = self.facts.validity_rule()
        if window is None or rule is None:
            return None
        start, end = window
        cited = self.facts.batch(year) or rule
        citations = [self._fact_citation(cited)]
        article = self._cite("第十五条")
        if article is not None:
            citations.append(article)
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
        if self.facts.round(year) is None:  # worked out by the rule, not a recorded batch
            lead += (
                f" The {year} round is not recorded here: this is the rule of Article 15 applied "
                "to a batch of that year, if there is one."
                if lang == "en"
                else f"（本项目未收录{year}年度推荐工作，以上按第十五条的规则推算，"
                "以实际认定批次为准。）"
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
        first = self.facts.first_round_year()
        if first is not None and year < first:
            return self.unrecorded_batch(year, lang)  # no batch before the first round
        cited = cited or self.facts.renewal_review(year)
        window = self.facts.validity_of(year)
        if window is None:
            return None
        end = window[1]
        citations: list[Citation] = []
        article = self._cite("第十五条")
        if article is not None:
            citations.append(article)
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
