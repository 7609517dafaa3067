"""Answerers for the procedure and duties around a recognition: the steps from county to
MIIT (a province's own where recorded), the yearly report (第十六条) and what the review at the
end of the validity checks (第十五条)."""

from __future__ import annotations

import re
from datetime import date

from knowledge.facts import Cited
from retrieval.answer import Citation
from retrieval.answer_parts import AnswererBase, Part, _en_date
from retrieval.frame import Frame
from retrieval.key_facts import fact_matches

_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
_IN_FORCE = re.compile(r"施行|实施|生效|effective|in force|into effect", re.IGNORECASE)
_NUMBER = re.compile(r"文号|字号|number", re.IGNORECASE)
# What a party does, and the parties of the procedure's steps (step order -> how people name it).
_DOES = re.compile(r"做什么|干什么|干嘛|负责什么|负责哪些|怎么处理|要做哪些|what does|what do|role")
_IN_PROCEDURE = re.compile(r"申报|材料|推荐|收到|审|application|recommend|review")
_ACTORS = {
    1: re.compile(r"县里|县级|区县|县(?:市|区)|county"),
    2: re.compile(r"省里|省级|省厅|省工信|province|provincial"),
    3: re.compile(r"工信部|部里|工业和信息化部|ministry|miit"),
}
# Who recognises (认定, 公布) as against who applies (申报, 报).
_RECOGNISES = re.compile(r"认定|确定|审批|批准|公布|评定|recogni[sz]|approv|decide")
_APPLIES = re.compile(r"申报|申请|报送|提交|apply|submit|file")
# Problems that bar or revoke a recognition (the gate; public reporting on revocation).
INCIDENT = re.compile(
    r"事故|偷税|漏税|偷漏税|违法|失信|处罚|罚款|安全事件|数据安全|网络安全|incident|accident|"
    r"tax evasion|violation|fraud"
)
# After recognition: a problem then revokes, before it bars.
_AFTER = re.compile(r"认定后|认定以后|认定之后|评上后|评上以后|已认定|已经认定|已经评上|"
                    r"after\b.{0,30}recogni|once\b.{0,30}recogni|recogni[sz]ed cluster")
# Whether applying is voluntary or compulsory (第十一条: 申报自愿).
_MANDATORY = re.compile(
    r"强制|必须(?:申报|参加|报)|一定要(?:申报|报|参加)|不报行不行|可以不报|能不能不报|"
    r"mandatory|compulsory|obliged|have to apply|must apply"
)
_VOLUNTARY = re.compile(rf"自愿|voluntar|{_MANDATORY.pattern}")
# Who organises or receives something (报给谁, 交给谁), not who applies.
_RECIPIENT = re.compile(r"组织|报给|交给|送给|报送给|提交给|to whom|organi[sz]e")
_AUTOMATIC = re.compile(r"自动续|自动延|自动顺延|自动有效|automatic")
# The asker is a company ("我们公司能不能自己申报"), not the county authority.
_COMPANY = re.compile(r"企业|公司|厂|老板|company|enterprise|firm|business")


class ProcessAnswerers(AnswererBase):
    def procedure(self, frame: Frame, lang: str) -> Part | None:
        """The steps of recognition, in order, each with its source; a province whose own
        procedure is recorded gets that one (never the national steps as its answer)."""
        if frame.province is not None:
            own = self.facts.provincial_procedure(frame.province)
            if own is None:
                return None  # the coverage check has said what is not recorded
            citation = self._fact_citation(own)
            lead = (
                f"{frame.province}'s own procedure (public reporting): {citation.quote}"
                if lang == "en"
                else f"{citation.quote.rstrip('。')}（{frame.province}省级集群，据公开报道）。"
            )
            return Part([], [citation], lead, needs_evidence=True)
        steps = self.facts.application_steps()
        if not steps:
            return None
        lines: list[str] = []
        citations: list[Citation] = []
        for number, cited in enumerate(steps, start=1):
            step = cited.record
            actor = step.actor_en if lang == "en" else step.actor  # type: ignore[union-attr]
            action = step.action_en if lang == "en" else step.action  # type: ignore[union-attr]
            citation = self._step_citation(cited)
            if citation not in citations:
                citations.append(citation)
            sep = ": " if lang == "en" else "："
            lines.append(f"{number}. {actor}{sep}{action}（{citation.label}）"
                         if lang != "en" else f"{number}. {actor}{sep}{action} ({citation.label})")
        missing = [ref for ref in ("第十二条", "第十三条") if ref in self.kb.measures.missing]
        if missing:
            lines.append(
                "Articles 12 and 13 of the measures are missing from the source text; steps 1–2 "
                "follow public reporting."
                if lang == "en"
                else f"说明：《暂行办法》{'、'.join(missing)}在本项目所据文本中缺失，"
                "第1、2步据公开报道整理，条号未经核实。"
            )
        lead = (
            f"{len(steps)} steps, from the county to MIIT:"
            if lang == "en"
            else f"从县里到工业和信息化部，共{len(steps)}步："
        )
        return Part(lines, citations, lead, needs_evidence=True)

    def step_of(self, frame: Frame, lang: str) -> Part | None:
        """What one party does in the procedure ("省里收到申报材料以后做什么"): its step."""
        low = frame.question.lower()
        if frame.province is not None or not (_DOES.search(low) and _IN_PROCEDURE.search(low)):
            return None
        # The party named first is the one acting ("省级主管部门收到县里的申报以后…").
        named = sorted(
            (match.start(), order)
            for order, pattern in _ACTORS.items()
            if (match := pattern.search(low)) is not None
        )
        if not named:
            return None
        order = named[0][1]
        step = next((c for c in self.facts.application_steps() if c.record.order == order),
                    None)  # type: ignore[union-attr]
        if step is None:
            return None
        record = step.record
        citation = self._step_citation(step)
        lead = (
            f"{record.actor_en} {record.action_en}."  # type: ignore[union-attr]
            if lang == "en"
            else f"{record.actor}{record.action}。"  # type: ignore[union-attr]
        )
        return Part([], [citation], lead, needs_evidence=True)

    def _step_citation(self, step: Cited) -> Citation:
        """A step's source: its article of the measures where it has one (第十四条), else the
        public reporting it comes from."""
        article = step.record.article  # type: ignore[union-attr]
        cited = self._cite(article) if article else None
        return cited if cited is not None else self._fact_citation(step)

    def who_applies(self, frame: Frame, lang: str) -> Part | None:
        """Who files the application: a province's own rule where recorded, else the county
        SME authority, never a company; a yes/no about a company applying itself gets a no."""
        if frame.province is not None:
            own = self.facts.provincial_procedure(frame.province)
            if own is None:
                return None
            citation = self._fact_citation(own)
            who = fact_matches(citation.quote, "who")
            lead = f"{who[0]}（{frame.province}）。" if who and lang != "en" else None
            return Part([citation.quote], [citation], lead, needs_evidence=True)
        steps = self.facts.application_steps()
        if not steps:
            return None
        low = frame.question.lower()
        if _RECOGNISES.search(low) and not _APPLIES.search(low):
            return self._recogniser(lang)
        if _RECIPIENT.search(low) and not _APPLIES.search(low):
            return None  # "由谁组织、报给谁" (of the yearly report): not the applicant
        first = steps[0]
        citation = self._fact_citation(first)
        company = _COMPANY.search(low) is not None
        if lang == "en":
            lead = (
                ("No. " if company and frame.yesno else "")
                + f"the applicant is {first.record.actor_en}, not a single company; it "  # type: ignore[union-attr]
                f"{first.record.action_en}."  # type: ignore[union-attr]
            )
        else:
            lead = (
                ("不能。" if company and frame.yesno else "")
                + f"申报主体是集群所在地的{first.record.actor}，不是某一家企业；由其"  # type: ignore[union-attr]
                f"{first.record.action}。"  # type: ignore[union-attr]
            )
            if company:
                lead += "企业可以向所在县（市、区）的中小企业主管部门反映意愿、提供材料。"
        return Part([], [citation], lead, needs_evidence=True)

    def _recogniser(self, lang: str) -> Part | None:
        """Who recognises a cluster: MIIT (第四条), after the provinces' recommendation, by
        review, public notice and publication (第十四条)."""
        citations = [c for c in (self._cite("第四条"), self._cite("第十四条")) if c is not None]
        if not citations:
            return None
        lead = (
            "MIIT recognises the clusters: it reviews the applications the provinces recommend "
            "(with spot checks), publishes the list for public comment and then announces it "
            "(Articles 4 and 14)."
            if lang == "en"
            else "由工业和信息化部认定：对省级中小企业主管部门推荐的集群进行复审（含实地抽查），"
            "择优形成名单，经公示无异议的确定为“中小企业特色产业集群”并在其门户网站公布"
            "（第四条、第十四条）。申报由县级中小企业主管部门提出，省级主管部门初审推荐。"
        )
        return Part([], citations, lead, needs_evidence=True)

    def support(self, frame: Frame, lang: str) -> Part | None:
        """What support a recognised cluster gets: the public reporting on policy support; no
        amount is recorded (the coverage check answers amounts)."""
        found = self.kb.find("facts-reporting policy-support")
        if found is None:
            return None
        citation = self._located_citation(found)
        lead = (
            "public reporting says SME authorities at every level support clusters with fiscal, "
            "financial, industrial, innovation, land and talent policies; no amounts are recorded "
            "here."
            if lang == "en"
            else "据公开报道，各级中小企业主管部门从财政、金融、产业、创新、土地、人才等方面支持"
            "集群发展（具体资金数额本项目未收录，以各地政策文件为准）。"
        )
        return Part([citation.quote], [citation], lead, needs_evidence=True)

    def materials(self, frame: Frame, lang: str) -> Part | None:
        """What is filed: the form and evidence (public reporting); the full list is not
        recorded, and the answer says where it is."""
        steps = self.facts.application_steps()
        if not steps or frame.province is not None:
            return None
        citation = self._fact_citation(steps[0])
        lead = (
            "the county authority files the application form (申报表) with supporting evidence; "
            "the full list of materials is not recorded here: see that year's recommendation "
            "notice and its form."
            if lang == "en"
            else "据公开报道，由县级中小企业主管部门填写《中小企业特色产业集群申报表》并附证明"
            "材料，报送省级中小企业主管部门。完整的材料清单本项目未收录，请以当年推荐通知及其"
            "附件（申报表）为准。"
        )
        return Part([], [citation], lead, needs_evidence=True)

    def document(self, frame: Frame, lang: str) -> Part | None:
        """The measures' own identity: the notice that issued them, its date, and when they
        took effect (第十九条)."""
        by_number = self._cite("notice-2022-119 number")
        by_date = self._cite("notice-2022-119 date")
        in_force = self._cite("第十九条")
        if by_number is None or by_date is None or in_force is None:
            return None
        # The source of what is asked comes first: the article for "施行", the notice's number
        # for "文号", its date otherwise.
        if _IN_FORCE.search(frame.question):
            citations = [in_force, by_date, by_number]
        elif _NUMBER.search(frame.question):
            citations = [by_number, by_date, in_force]
        else:
            citations = [by_date, by_number, in_force]
        when = _DATE.search(by_date.quote)
        since = _DATE.search(in_force.quote)
        number = by_number.quote
        lead = (
            f"MIIT issued the measures with notice {number}"
            + (f" dated {_en(when)}" if when else "")
            + (f"; they took effect on {_en(since)} (Article 19)." if since else ".")
            if lang == "en"
            else f"《促进中小企业特色产业集群发展暂行办法》由工业和信息化部以{number}通知印发"
            + (f"，发布日期{when.group(0)}" if when else "")
            + (f"，自{since.group(0)}起实施（第十九条）。" if since else "。")
        )
        return Part([], citations, lead, needs_evidence=True)

    def revocation(self, frame: Frame, lang: str) -> Part | None:
        """What revokes a recognition (public reporting): asked outright ("集群被撤销的情形"),
        or as a problem after recognition ("认定后出了较大安全事故会怎样")."""
        low = frame.question.lower()
        after = INCIDENT.search(low) is not None and _AFTER.search(low) is not None
        if not (frame.has("revocation") or after) or frame.province is not None:
            return None
        found = self.kb.find("facts-reporting revocation")
        if found is None:
            return None
        citation = self._located_citation(found)
        yes = frame.yesno and after
        lead = (
            ("Yes: " if yes else "")
            + "public reporting says the recognition is revoked when the cluster's firms have a "
            "serious (较大及以上) safety, quality or pollution accident, a major cybersecurity or "
            "data-security incident, or tax evasion, law violations or serious breach of trust."
            if lang == "en"
            else ("会。" if yes else "")
            + "据公开报道，集群内企业发生较大及以上安全、质量或环境污染事故，发生重大及以上网络"
            "安全或数据安全事件，或存在偷税漏税、违法违规、严重失信等重大问题的，撤销该集群的认定。"
        )
        return Part([], [citation], lead, needs_evidence=True)

    def voluntary(self, frame: Frame, lang: str) -> Part | None:
        """Whether applying is voluntary (第十一条): a yes, or a no to "is it compulsory"."""
        low = frame.question.lower()
        citation = self._cite("第十一条")
        if not (frame.yesno and _VOLUNTARY.search(low)) or citation is None:
            return None
        mandatory = _MANDATORY.search(low) is not None
        if lang == "en":
            lead = ("No: " if mandatory else "Yes: ") + (
                "applying is voluntary; recognition follows voluntary application, openness and "
                "transparency (Article 11)."
            )
        else:
            lead = ("不是强制的。" if mandatory else "是。") + "集群认定坚持申报自愿（第十一条）。"
        return Part([], [citation], lead, needs_evidence=True)

    def review_content(self, frame: Frame, lang: str) -> Part | None:
        """What the review at the end of the validity checks (第十五条)."""
        article = self._cite("第十五条")
        cited = self.facts.renewal_reviews()
        if article is None:
            return None
        citations = [article]
        if cited:
            citations.append(self._fact_citation(cited[0]))
        lead = (
            "the review mainly checks how far the cluster has met the targets of its three-year "
            "development plan; MIIT runs it when the three-year validity ends, and passing "
            "extends the recognition by three years (Article 15)."
            if lang == "en"
            else "复核重点考核集群三年发展规划目标的完成情况；由工业和信息化部在三年有效期满后"
            "组织，复核通过的有效期延长三年（《暂行办法》第十五条）。"
        )
        if _AUTOMATIC.search(frame.question.lower()):  # "会自动续吗": no, only by review
            lead = ("No, not automatically: " if lang == "en" else "不会自动延续。") + lead
        return Part([], citations, lead, needs_evidence=True)

    def annual_report(self, frame: Frame, lang: str) -> Part | None:
        """The yearly report (第十六条): by April 30, on the previous year, organised by the
        province, sent to MIIT; a year named beyond the batch year is the year it is due in."""
        cited = self.facts.annual_report()
        article = self._cite("第十六条")
        if cited is None or article is None:
            return None
        record = cited.record
        due = [y for y in frame.years if y != frame.batch_year]
        citations = [article, self._fact_citation(cited)]
        if lang == "en":
            when = (f"by April {record.day}, {due[0]} (covering {due[0] - 1})" if len(due) == 1
                    else f"every year by April {record.day} (covering the previous year)")
            lead = (
                f"the cluster files its annual work report {when}; the provincial SME "
                "authority organises it and sends it to MIIT (Article 16)."
            )
        else:
            when = (f"{due[0]}年{record.month}月{record.day}日前填报{due[0] - 1}年度"
                    if len(due) == 1 else f"每年{record.month}月{record.day}日前填报上一年度")
            lead = (
                f"集群须于{when}的工作开展情况，由省级中小企业主管部门组织，报送工业和信息化部"
                "（《暂行办法》第十六条）。"
            )
        return Part([], citations, lead, needs_evidence=True)


def _en(match: re.Match[str]) -> str:
    return _en_date(date(*(int(g) for g in match.groups())))
