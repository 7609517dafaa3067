"""From a frame to an answer: typed answerers first, retrieval as the fallback, every part of a
multi-part question answered, yes/no questions led by a yes or a no.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from knowledge.kb import KnowledgeBase
from knowledge.refs import cn_to_int
from retrieval.answer import Citation
from retrieval.answerers import Answerers, Part
from retrieval.chunks import Target, Unit
from retrieval.frame import CLUSTER_WORD, Frame, Framer
from retrieval.process_answerers import INCIDENT as _INCIDENT
from retrieval.replies import SECONDARY_NOTE_EN, SECONDARY_NOTE_ZH, source_line
from retrieval.text import cjk_bigrams

# What marks a question about the yearly recommendation rounds (not the annual report).
_ROUND_WORDS = re.compile(r"推荐|名额|推几个|报几个|quota|recommend", re.IGNORECASE)
_LIST_OF_CRITERIA = re.compile(
    r"认定标准|标准|认定条件|criteri|standard|dimension|aspects?\b.{0,30}recogni|recogni\w*\b.{0,30}"
    r"(?:aspects?|look at|assess|judge)"
)
_FRAUD = re.compile(r"造假|作假|弄虚作假|虚假|假材料|fake|false|fraud", re.IGNORECASE)
_WHO = re.compile(r"谁|主体|哪个部门|哪一级|who|which authority")
# The criteria themselves named (not any scheme's 认定条件: 农业产业强镇的认定条件).
_NAMES_THE_CRITERIA = re.compile(r"集群|认定标准|criteri|standard|cluster")
_LIST_OF_CULTIVATION = re.compile(r"培育|第六条|article 6|cultivation")

# Yes/no leads from what the knowledge states about a matter (not from phrasings): the gate's
# disqualifying conditions, the three-year term, the county-level applicant, one county.
_REVOKE = re.compile(r"撤销|取消|摘牌|revok|withdraw|lose", re.IGNORECASE)
_PERMANENT = re.compile(r"终身|永久|一直有效|永远|自动续|自动延|permanent|forever|automatic")
_COMPANY_ITSELF = re.compile(
    r"企业自己|企业可以|企业能|公司自己|龙头企业|企业直接|a company|an enterprise"
)
_CROSS_COUNTY = re.compile(
    r"跨[了越]?(?:两个|多个|几个)?(?:县|区县|县区|地市|市)|(?:两|多|几)个县|隔壁[^，。？]{0,3}县|"
    r"相邻[^，。？]{0,3}县|邻县|[A-Z甲乙]县.{0,12}[A-Z甲乙]县|"
    r"(?:two|three|several|multiple|many|more than one)\s+(?:\w+\s+)?counties|cross-county"
)
# The steps of the procedure asked for (not any "要做什么").
_STEPS = re.compile(
    r"流程|程序|步骤|怎么申报|如何申报|怎么认定|如何认定|怎么走|怎么评|如何评|怎么报|"
    r"process|procedure|steps|apply|recogni[sz]ed|what happens (?:after|next)|next step",
    re.IGNORECASE,
)
# A document's number asked for ("文号是多少").
_NUMBER_ASKED = re.compile(r"文号|字号|几号文|document number|reference number", re.IGNORECASE)
SECONDARY_PREFIX = "公开报道"  # the label of every fact sheet (public reporting)
# Parts of one county (towns, parks) said to lie in one county: the boundary condition holds.
_WITHIN_ONE_COUNTY = re.compile(
    r"(?:乡镇|镇|街道|村|园区|开发区|towns?|townships?|parks?).{0,20}"
    r"(?:同一个?县|一个县|一县|本县|同县|same county|one county)|"
    r"(?:同一个?县|一个县|本县|same county|one county).{0,20}"
    r"(?:乡镇|镇|街道|村|园区|开发区|towns?|townships?|parks?)"
)
# The cluster itself is what is to be defined (not 集群式供应链管理).
_CLUSTER_DEFINED = re.compile(
    r"集群[^式，,。？?]{0,6}(?:定义|意思|指什么|是指|界定|范围)|"
    r"what is an? (?:sme )?(?:\w+ )?cluster|cluster(?:s)? (?:is|are) defined|definition of an? "
)
_WITHIN_ZH = (
    "可以。集群须定位在一个县级行政区划范围内；跨乡镇（街道、园区）但在同一个县内的，符合这一条件。"
)
_WITHIN_EN = "Yes: the cluster must lie within one county-level division, which it does."


class Responder:
    def __init__(self, kb: KnowledgeBase, framer: Framer, units: dict[str, Unit]) -> None:
        self.kb = kb
        self.framer = framer
        self.answerers = Answerers(kb, framer)
        self.units = units

    # -- typed answers ----------------------------------------------------------------------

    def typed(self, frame: Frame, lang: str) -> Part | None:
        """The answer computed from the frame, or None (retrieval then answers)."""
        a = self.answerers
        if frame.indicators and not a.names_only_thresholds(frame):
            return a.eligibility(frame, lang)
        boundary = self.county_boundary(frame, lang)
        if boundary is not None:
            return boundary
        if frame.has("list"):
            listed = self.list_answer(frame, lang)
            if listed is not None:
                return listed
        if frame.province_deadline_asked() and frame.province:
            cited = self.kb.facts.provincial_deadline(
                frame.province, frame.years[0] if frame.years else None
            )
            if cited is not None:
                r = cited.record
                lead = (
                    f"{r.province}'s {r.year} {r.level} closed on {r.deadline}."
                    if lang == "en"
                    else f"{r.province}{r.year}年度{r.level}于{r.deadline.year}年"
                    f"{r.deadline.month}月{r.deadline.day}日截止。"
                )
                return Part([], [a._fact_citation(cited)], lead)
        if frame.internal_deadline_asked():
            internal = a.internal_deadlines(frame, lang)
            if internal is not None:
                return internal
        revoked = a.revocation(frame, lang)
        if revoked is not None:
            return revoked
        process = self.process(frame, lang)
        if process is not None:
            return process
        if (
            frame.has("validity")
            and not frame.years
            and frame.batch_year is None
            and frame.province is None
            and not frame.has("comparison", "threshold", "eligibility_check", "revocation")
        ):
            lasting = a.term(frame, lang)
            if lasting is not None:
                return lasting
        if frame.has("frequency") and not frame.years:
            yearly = a.frequency(frame, lang)
            if yearly is not None:
                return yearly
        if frame.years or frame.batch_year is not None:
            part = a.rounds(frame, lang)
            if part is not None:
                return part
        elif (
            _ROUND_WORDS.search(frame.question)
            and frame.has("quota", "deadline", "count")
            and "县" not in frame.question  # a county's date is its province's, not MIIT's
        ):
            return a.all_rounds(frame, lang)
        gate = a.gate(frame, lang) if frame.has("threshold", "list", "open") else None
        if gate is not None:
            return gate
        whole = a.dimension(frame, lang)
        if whole is not None:
            return whole
        if frame.has("threshold", "comparison", "eligibility_check"):
            answer = a.thresholds(frame, lang) or a.province_edition(frame, lang)
            low = frame.question.lower()
            if (
                answer is None
                and frame.province is None
                and _LIST_OF_CRITERIA.search(low)
                and _NAMES_THE_CRITERIA.search(low)
            ):  # "What are the criteria for recognition?": the gate and the dimensions
                answer = self.list_answer(frame, lang)
            return answer
        return None

    def process(self, frame: Frame, lang: str) -> Part | None:
        """The procedure, its parties, the yearly report, the review and the measures' own
        document facts: each only when asked for and nothing more specific is."""
        a = self.answerers
        if frame.has("procedure") and _STEPS.search(frame.question) and not frame.has(
            "deadline", "quota", "validity", "threshold", "annual_report", "date", "who_applies"
        ):
            steps = a.procedure(frame, lang)
            if steps is not None:
                return steps
        if frame.has("definition") and _CLUSTER_DEFINED.search(frame.question.lower()) and not (
            set(frame.intents) - {"definition", "open", "who_applies", "comparison"}
        ):
            defined = self.definition(lang)
            if defined is not None:
                return defined
        voluntary = a.voluntary(frame, lang)
        if voluntary is not None:
            return voluntary
        if frame.has("review_content"):
            return a.review_content(frame, lang)
        if frame.has("annual_report") and not frame.has(
            "quota", "threshold", "eligibility_check", "validity"
        ):
            return a.annual_report(frame, lang)
        step = a.step_of(frame, lang)
        if step is not None:
            return step
        asks_who = frame.has("who_applies") and (
            not frame.has("materials") or _WHO.search(frame.question.lower()) is not None
        )
        if asks_who and not frame.has("deadline", "quota", "date", "threshold"):
            who = a.who_applies(frame, lang)
            if who is not None:
                return who
        if frame.has("support") and not frame.has("threshold", "list", "procedure"):
            helped = a.support(frame, lang)
            if helped is not None:
                return helped
        if (
            not frame.years
            and frame.has("materials")
            and not asks_who
            and not _FRAUD.search(frame.question)  # "申报材料造假会怎样": the rule on fraud
            and not frame.has("deadline", "date", "annual_report")
        ):
            listed = a.materials(frame, lang)
            if listed is not None:
                return listed
        if (
            frame.has("document")
            and (frame.has("date") or _NUMBER_ASKED.search(frame.question))
            and not frame.has("who_applies")
            and not _ROUND_WORDS.search(frame.question)
            and all(year == 2022 for year in frame.years)
            and not frame.has("validity", "annual_report", "threshold")
        ):
            issued = a.document(frame, lang)
            if issued is not None:
                return issued
        return None

    def definition(self, lang: str) -> Part | None:
        """What a cluster is (第二条): one county-level division, SMEs as the body."""
        citation = self.answerers._cite("第二条")
        if citation is None:
            return None
        lead = (
            "a cluster is an SME industrial cluster located within one county-level division "
            "(not a city or province), led by SMEs, with a focused leading industry (Article 2)."
            if lang == "en"
            else "集群是定位在县级区划范围内（按县级行政区划，不是按地市）、以中小企业为主体、"
            "主导产业聚焦的中小企业产业集群（第二条）。"
        )
        return Part([source_line(citation.label, citation.quote, lang)], [citation], lead)

    def settles(self, frame: Frame) -> bool:
        """The question is one the knowledge settles outright, whatever its other words: a
        cluster across counties or within one ("企业分散在本县四个镇，算一个集群能报吗")."""
        q = frame.question.lower()
        return bool(
            CLUSTER_WORD.search(q) and (_CROSS_COUNTY.search(q) or _WITHIN_ONE_COUNTY.search(q))
        )

    def county_boundary(self, frame: Frame, lang: str) -> Part | None:
        """Across counties or within one: the condition of 第二条 and the gate, with its verdict
        (a province's own scheme is not asked about here)."""
        q = frame.question.lower()
        across, within = _CROSS_COUNTY.search(q), _WITHIN_ONE_COUNTY.search(q)
        # A province named as background ("我是浙江某县的") does not make it a provincial
        # question; a provincial cluster's own rule (省级) is not recorded here.
        if not (across or within) or "省级" in frame.question:
            return None
        definition = self.answerers._cite("第二条")
        national = self.framer.editions.get(self.framer.national)
        if definition is None or national is None:
            return None
        citations = [
            definition,
            self.answerers._criteria_citation(national, "gate", national.gate.text),
        ]
        if across:
            lead = (
                "No. A cluster must lie within one county-level division (Article 2 and the "
                "gate of the criteria)."
                if lang == "en"
                else "不能。集群须定位在一个县级行政区划范围内（第二条；认定标准·基本条件）。"
            )
        else:
            lead = _WITHIN_EN if lang == "en" else _WITHIN_ZH
        # "跨两个县" also describes roads and rivers: only when retrieval, too, finds the domain.
        evidence = not self.settles(frame)  # with 集群 named, the pattern is the evidence
        if lang == "en":  # an English yes/no leads with its "No." / "Yes:" itself
            return Part([lead], citations, None, needs_evidence=evidence)
        return Part([], citations, lead, needs_evidence=evidence)

    def list_answer(self, frame: Frame, lang: str) -> Part | None:
        low = frame.question.lower()
        if _LIST_OF_CULTIVATION.search(low):
            return self.article_items("第六条", lang)
        if _LIST_OF_CRITERIA.search(low):
            edition = self.framer.editions.get(frame.edition) or self.framer.editions.get(
                self.framer.national
            )
            if edition is None:
                return None
            names = [edition.gate.name_en if lang == "en" else edition.gate.name] + [
                f"{cn_to_int(d.number)}. {d.name_en}" if lang == "en" else f"{d.number}、{d.name}"
                for d in edition.dimensions
            ]
            citations = [
                self.answerers._criteria_citation(edition, "gate", edition.gate.text),
                self.answerers._criteria_citation(edition, "一", edition.dimensions[0].text),
            ]
            head = (
                f"{edition.name(lang)}: the gate and eight dimensions:"
                if lang == "en"
                else f"{edition.short_name}认定标准包括基本条件和八个方面："
            )
            return Part(names, citations, head)
        return None

    def item_by_topic(self, ref: str, question: str) -> Unit | None:
        """The one item of an article the question is about by its words ("第六条里关于绿色
        低碳转型怎么要求" -> 第六条（四）), or None when no item stands out."""
        measures = self.kb.measures
        asked = cjk_bigrams(question) - cjk_bigrams(ref)
        scored = sorted(
            (
                (len(asked & cjk_bigrams(f"{item.heading}{item.text}")), item.item)
                for item in self.kb.items_of(measures.id, ref)
            ),
            reverse=True,
        )
        if not scored or scored[0][0] < 2 or (len(scored) > 1 and scored[1][0] == scored[0][0]):
            return None
        return self.units.get(Target(measures.id, ref, scored[0][1]).key)

    def article_items(self, ref: str, lang: str) -> Part | None:
        measures = self.kb.measures
        try:
            lead_article = self.kb.article(measures.id, ref)
        except KeyError:
            return None
        items = self.kb.items_of(measures.id, ref)
        if not items:
            return None
        lines = [f"{item.item}{item.heading}" for item in items]
        quote = lead_article.text + "".join(f"{i.item}{i.heading}；" for i in items)
        citation = Citation(measures.id, ref, quote.rstrip("；") + "。", lead_article.label)
        lead = (
            f"{lead_article.label} lists {len(items)} areas:"
            if lang == "en"
            else f"{lead_article.label}列出{len(items)}个方面："
        )
        return Part(lines, [citation], lead)

    # -- yes / no ---------------------------------------------------------------------------

    def yesno_lead(self, frame: Frame, unit: Unit, lang: str) -> str | None:
        """A yes or a no from what the cited unit states, when the matter is one the knowledge
        settles; None when it cannot be told honestly."""
        q = frame.question.lower()
        key = unit.target.key
        no = "No." if lang == "en" else "不能。"
        if ("gate" in key or "revocation" in key) and _INCIDENT.search(q) and _REVOKE.search(q):
            return (
                "Yes: public reporting says such problems lead to the recognition being revoked."
                if lang == "en"
                else "会。据公开报道，集群内企业发生较大及以上事故、重大网络或数据安全事件，或存在"
                "偷漏税、违法违规、严重失信等重大问题的，撤销该集群的认定。"
            )
        if ("gate" in key or "revocation" in key) and _INCIDENT.search(q):
            verdict = "会影响" if "影响" in q else "不能"
            return (
                ("Yes, it does." if "affect" in q else no)
                if lang == "en"
                else f"{verdict}。按基本条件，近三年集群内企业有较大及以上事故或偷漏税、违法违规、"
                "严重失信等重大问题的，不具备认定资格。"
            )
        if _CROSS_COUNTY.search(q) and ("gate" in key or "第二条" in key):
            return no if lang == "en" else "不能。集群须定位在一个县级行政区划范围内。"
        if _WITHIN_ONE_COUNTY.search(q) and ("gate" in key or "第二条" in key):
            return _WITHIN_EN if lang == "en" else _WITHIN_ZH
        if _PERMANENT.search(q) and ("第十五条" in key or "batches" in key or "renewal" in key):
            return (
                "No."
                if lang == "en"
                else "不是（不会）。有效期为三年，期满须经复核，通过后延长三年。"
            )
        if _COMPANY_ITSELF.search(q) and "who-applies" in key:
            return (
                "No."
                if lang == "en"
                else "不能。申报主体是集群所在地的县级中小企业主管部门，不是某一家企业。"
            )
        words = [w for w in re.findall(r"[\u4e00-\u9fff]{2,}", q) if len(w) >= 2]
        if words and all(w in unit.text for w in words[:1]) and "必须" in q:
            return "Yes." if lang == "en" else "是。"
        return None


def with_sources(part: Part, lang: str, label: Callable[[Citation], str]) -> str:
    """A typed part's text with the sources it rests on."""
    text = part.text(lang)
    if part.citations and label(part.citations[0]).startswith(SECONDARY_PREFIX):
        text += "\n" + (SECONDARY_NOTE_EN if lang == "en" else SECONDARY_NOTE_ZH)
    if part.citations:
        sources = (
            "; ".join(label(c) for c in part.citations)
            if lang == "en"
            else "；".join(label(c) for c in part.citations)
        )
        text += f"\nSources: {sources}" if lang == "en" else f"\n依据：{sources}"
    return text
