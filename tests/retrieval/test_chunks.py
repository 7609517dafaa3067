"""Structure-aware chunks: one per citable unit, never cut by length, citations carried along."""

from __future__ import annotations

from collections import Counter

from knowledge.kb import default_knowledge_base
from retrieval.chunks import build_chunks, chunks_digest, units_from_documents
from retrieval.faq import default_faq


def test_one_article_chunk_per_citable_unit() -> None:
    kb = default_knowledge_base()
    units = units_from_documents(kb.documents)
    chunks = build_chunks(units, ())
    expected = sum(len(document.articles) for document in kb.documents)
    assert len(chunks) == expected
    assert len({chunk.id for chunk in chunks}) == expected
    assert all(chunk.kind == "article" for chunk in chunks)


def test_measures_articles_and_items_are_separate_chunks() -> None:
    kb = default_knowledge_base()
    chunks = build_chunks(units_from_documents(kb.documents), ())
    measures = [c for c in chunks if c.target.doc == kb.measures.id]
    refs = Counter(c.target.ref for c in measures)
    assert refs["第十五条"] == 1
    # 第六条: its lead sentence plus one chunk per item (six).
    assert refs["第六条"] == 7
    items = sorted(c.target.item for c in measures if c.target.item)
    assert items == sorted(["（一）", "（二）", "（三）", "（四）", "（五）", "（六）"])
    # Missing articles are not invented as chunks.
    for ref in kb.measures.missing:
        assert refs[ref] == 0


def test_chunks_carry_whole_text_and_parent_headings() -> None:
    kb = default_knowledge_base()
    units = units_from_documents(kb.documents)
    by_key = {unit.target.key: unit for unit in units}
    for chunk in build_chunks(units, ()):
        unit = by_key[chunk.target.key]
        assert unit.text in chunk.text  # never split by a character count
        assert unit.label in chunk.text
        if unit.chapter:
            assert unit.chapter in chunk.text
    item_four = by_key["measures-2022/第六条/（四）"]
    assert item_four.heading_path[-3:] == (
        "第二章 培育要求",
        "第六条（四）",
        "加快集群绿色低碳转型",
    )
    assert by_key["measures-2022/第十五条"].label == "《暂行办法》第十五条"


def test_criteria_dimensions_gate_and_facts_are_units() -> None:
    kb = default_knowledge_base()
    keys = {unit.target.key for unit in units_from_documents(kb.documents)}
    criteria = [d for d in kb.documents if d.kind == "criteria"]
    for document in criteria:
        for ref in ("gate", "一", "二", "三", "四", "五", "六", "七", "八"):
            assert f"{document.id}/{ref}" in keys
    facts = [d for d in kb.documents if d.kind == "facts"]
    assert facts, "supplementary fact sheets are part of the corpus"
    for document in facts:
        for article in document.articles:
            assert f"{document.id}/{article.ref}" in keys


def test_faq_phrasings_point_at_their_unit() -> None:
    kb = default_knowledge_base()
    units = units_from_documents(kb.documents)
    faq = default_faq()
    chunks = build_chunks(units, faq)
    faq_chunks = [c for c in chunks if c.kind == "faq"]
    assert len(faq_chunks) == sum(len(entry.questions) for entry in faq)
    validity = [c for c in faq_chunks if c.target.key == "measures-2022/第十五条"]
    assert len(validity) >= 3
    assert {c.lang for c in faq_chunks} == {"zh", "en"}


def test_digest_changes_with_any_chunk_text() -> None:
    kb = default_knowledge_base()
    units = units_from_documents(kb.documents)
    chunks = build_chunks(units, ())
    assert chunks_digest(chunks) == chunks_digest(list(chunks))
    assert chunks_digest(chunks) != chunks_digest(chunks[:-1])
