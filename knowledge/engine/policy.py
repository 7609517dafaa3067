"""The policy side of a result: which item of the measures' 第六条 is the lever for a dimension
(quoted from the knowledge base), and who applies and how (the next step)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from knowledge.criteria import CriteriaEdition, Dimension
from knowledge.engine.results import Advice

if TYPE_CHECKING:
    from knowledge.kb import KnowledgeBase

MEASURES_DOC = "measures-2022"
ARTICLE_6 = "第六条"
# 第六条's item headings (FACTS.md §1). The seed lost item (四)'s heading, so the knowledge base
# may not carry it; this table lets advice always name the item.
ITEM_HEADINGS: dict[str, str] = {
    "（一）": "提升集群主导产业优势",
    "（二）": "激发集群创新活力",
    "（三）": "推进集群数字化升级",
    "（四）": "加快集群绿色低碳转型",
    "（五）": "深化集群开放合作",
    "（六）": "提升集群治理和服务能力",
}
ITEM_HEADINGS_EN: dict[str, str] = {
    "（一）": "Strengthen the leading industry's advantages",
    "（二）": "Stimulate innovation",
    "（三）": "Advance digital upgrading",
    "（四）": "Speed up the green, low-carbon transition",
    "（五）": "Deepen open cooperation",
    "（六）": "Improve governance and services",
}


def lever(item: str, lang: str = "zh") -> tuple[str, str]:
    """(citation, heading) of 第六条's `item`:
    ("《暂行办法》第六条（一）", "提升集群主导产业优势")."""
    heading = ITEM_HEADINGS_EN[item] if lang == "en" else ITEM_HEADINGS[item]
    label = f"Measures, Art. 6 {item}" if lang == "en" else f"《暂行办法》{ARTICLE_6}{item}"
    return label, heading


def dimension_advice(
    dimension: Dimension, name: str, lang: str, kb: KnowledgeBase | None
) -> Advice:
    item = dimension.advice_item
    label, heading = lever(item, lang)
    return Advice(dimension.id, name, label, heading, item_text(item, kb))


def item_text(item: str, kb: KnowledgeBase | None = None) -> str | None:
    """The text of 第六条's `item` ("（四）") from the knowledge base, or None if unavailable."""
    if kb is None:
        try:
            from knowledge.kb import default_knowledge_base
        except ImportError:  # the knowledge base module is optional for the engine
            return None
        kb = default_knowledge_base()
    try:
        article = kb.article(MEASURES_DOC, ARTICLE_6, item=item)
    except LookupError:  # UnknownReferenceError is a KeyError: the item is not in the source
        return None
    # Some knowledge bases (test doubles) answer None rather than raising.
    text = getattr(article, "text", None)
    return text if isinstance(text, str) and text.strip() else None


def next_step_text(
    edition: CriteriaEdition, eligible: bool | None, lang: str = "zh"
) -> tuple[str, str]:
    """Who applies and how (FACTS.md §2, public reporting), framed by the verdict."""
    if lang == "en":
        lead = {
            True: "",
            None: "Answer the unknown items first (send /assess to assess again; this result "
                  "stays in the history); then note: ",
            False: "Close the gaps above first, then assess again. When ready: ",
        }[eligible]
        body = (
            "applying is voluntary and the applicant is the county-level SME authority where the "
            "cluster lies — not an individual company. It fills in the application form with "
            "supporting evidence and sends it to the provincial SME authority, which reviews it "
            "(with on-site spot checks) and recommends the best clusters to MIIT."
        )
        if edition.level == "provincial":
            body += " For provincial clusters, follow the province's notice of the year."
        if not lead:
            body = body[0].upper() + body[1:]
        return lead + body, "Public reporting on the measures"
    lead = {
        True: "",
        # A finished assessment is kept in the history, not as a draft: say what really works.
        None: "请先补齐“未知”的项目：发送 /assess 重新自评（本次结果可在“历史记录”中查看、对比）。",
        False: "请先对照建议补齐短板，再重新自评。条件具备后：",
    }[eligible]
    body = (
        "申报自愿，申报主体是集群所在地县级行政区划中小企业主管部门（不是单个企业）："
        "由其填写《中小企业特色产业集群申报表》并附证明材料，报送省级中小企业主管部门；"
        "省级主管部门初审（含实地抽查）后择优向工业和信息化部推荐。"
    )
    if edition.level == "provincial":
        body += "省级集群的申报安排以本省当年通知为准。"
    return lead + body, "公开报道"
