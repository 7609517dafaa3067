"""Small deterministic stand-ins for the knowledge base and the answerer.

Handler tests that are about the *bot* (rendering, buttons, feedback, middlewares) use these so
they do not depend on retrieval quality; the e2e tests use the real answerer (see fixtures.py).
They speak the same interfaces: `KnowledgeBase.article/document` and `Answerer.ask`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from retrieval.answer import Answer, Citation

MEASURES_TITLE = "促进中小企业特色产业集群发展暂行办法"

ARTICLE_15 = (
    "集群有效期为三年。有效期满后，由工业和信息化部组织开展复核工作，并考核集群三年发展规划"
    "目标完成情况，复核通过的有效期延长三年。"
)
ARTICLE_16 = (
    "省级中小企业主管部门加强对集群发展规划执行情况、目标进展、工作经验、问题与改进措施等进行"
    "持续跟踪，并组织集群于每年4月30日前填报集群上一年度有关工作开展情况，报送至工业和信息化部。"
)


@dataclass(frozen=True)
class FakeArticle:
    ref: str
    text: str
    label: str
    chapter: str | None = None
    item: str | None = None
    heading: str | None = None


@dataclass(frozen=True)
class FakeDocument:
    id: str
    title: str
    articles: tuple[FakeArticle, ...] = ()


@dataclass
class FakeKnowledgeBase:
    """Two articles of the measures plus one very long article (to test splitting)."""

    documents: list[FakeDocument] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.documents:
            long_text = "\n\n".join(
                f"第{n}段：" + "集群应当持续提升主导产业优势，加强协同创新。" * 40
                for n in range(1, 9)
            )
            self.documents = [
                FakeDocument(
                    "measures-2022",
                    MEASURES_TITLE,
                    (
                        FakeArticle("第十五条", ARTICLE_15, "《暂行办法》第十五条",
                                    chapter="第四章 动态管理"),
                        FakeArticle("第十六条", ARTICLE_16, "《暂行办法》第十六条",
                                    chapter="第四章 动态管理"),
                        FakeArticle("第六条", long_text, "《暂行办法》第六条",
                                    chapter="第二章 培育要求"),
                    ),
                )
            ]

    def document(self, doc_id: str) -> FakeDocument:
        for document in self.documents:
            if document.id == doc_id:
                return document
        raise KeyError(doc_id)

    def article(self, doc_id: str, ref: str, item: str | None = None) -> FakeArticle | None:
        for article in self.document(doc_id).articles:
            if article.ref == ref and (item is None or article.item == item):
                return article
        return None

    def full_text(self, doc_id: str, ref: str, item: str | None = None) -> str:
        article = self.article(doc_id, ref, item)
        if article is None:
            raise KeyError(ref)  # as the real one: a LookupError the handler turns into text
        return article.text


class FakeAnswerer:
    """Keyword rules -> fixed answers. `calls` records (question, lang)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str | None]] = []

    def ask(self, question: str, lang: str | None = None) -> Answer:
        self.calls.append((question, lang))
        lang = lang or "zh"
        if "有效期" in question or "valid" in question.lower():
            return Answer(
                question=question,
                in_scope=True,
                answer="集群有效期为三年。期满后由工业和信息化部组织复核，通过的延长三年。",
                citations=[Citation("measures-2022", "第十五条", ARTICLE_15[:9],
                                    "《暂行办法》第十五条")],
                score=0.9,
                lang=lang,
            )
        if "年报" in question or "报送" in question or "report" in question.lower():
            return Answer(
                question=question,
                in_scope=True,
                answer="每年4月30日前填报上一年度工作开展情况。",
                citations=[
                    Citation("measures-2022", "第十六条", "每年4月30日前填报",
                             "《暂行办法》第十六条"),
                    Citation("measures-2022", "第六条", "持续提升主导产业优势",
                             "《暂行办法》第六条"),
                ],
                score=0.8,
                lang=lang,
            )
        if "长答案" in question:
            body = "\n\n".join(f"第{n}点：" + "要点说明，<注意> & 细节。" * 60 for n in range(12))
            return Answer(question=question, in_scope=True, answer=body,
                          citations=[Citation("measures-2022", "第十五条", "集群有效期为三年",
                                              "《暂行办法》第十五条")], score=0.7, lang=lang)
        return Answer(
            question=question,
            in_scope=False,
            answer="这个问题超出了我掌握的政策范围。可以问我集群申报、认定、复核的规定，"
            "或用 /assess 自评估、/remind 设置提醒。",
            citations=[],
            score=0.1,
            lang=lang,
        )
