"""The measures as data against the damaged seed scrape and the structure in FACTS.md.

The seed is split into sentences here, independently of the data file: notice text, the
signature, the title, chapter headings, article numbers and item markers are structure, not
sentences; what is left must appear in the measures exactly once, unaltered, and nothing else.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from knowledge.kb import MEASURES_DOC_ID, KnowledgeBase, load_knowledge_base
from knowledge.models import Document
from knowledge.refs import article_ref, cn_to_int, int_to_cn, parse_measures_ref

HERE = Path(__file__).resolve().parent
SEED = HERE / "seed_000_9f22d71a7b72a358.txt"
SHARED_SEED = HERE.parents[2] / "shared" / "seeds" / "000_9f22d71a7b72a358.txt"

# FACTS.md §1: chapter -> article numbers; 第六条's item headings; what the scrape lacks.
CHAPTERS: dict[str, range] = {
    "第一章 总则": range(1, 6),
    "第二章 培育要求": range(6, 11),
    "第三章 认定程序": range(11, 15),
    "第四章 动态管理": range(15, 19),
    "第五章 附则": range(19, 20),
}
ITEM_HEADINGS = (
    "提升集群主导产业优势",
    "激发集群创新活力",
    "推进集群数字化升级",
    "加快集群绿色低碳转型",
    "深化集群开放合作",
    "提升集群治理和服务能力",
)
MISSING = ("第七条", "第八条", "第九条", "第十二条", "第十三条", "第十七条", "第十八条")

NOTICE_HEADER = (
    "工业和信息化部关于印发《促进中小企业特色产业集群发展暂行办法》的通知"
    "发布日期:2022-09-13工信部企业〔2022〕119号"
)
NOTICE_ADDRESSEES = "各省、自治区、直辖市及计划单列市、新疆生产建设兵团中小企业主管部门："
NOTICE_BODY = "现将《促进中小企业特色产业集群发展暂行办法》印发给你们，请认真遵照执行。"
SIGNATURE = "工业和信息化部2022年9月13日"


def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


def seed_sentences() -> list[str]:
    """The seed's measures sentences, each once, in first-seen order."""
    text = seed_text().replace("<BR>", "")
    text = re.sub(r"\s+", "", text)
    boundary = "|"
    text = text.replace(NOTICE_HEADER, boundary)
    text = text.replace(NOTICE_ADDRESSEES + NOTICE_BODY, boundary)
    text = text.replace(SIGNATURE, boundary)
    text = re.sub(r"促进中小企业特色产业集群发展暂行办法(?=第一章)", boundary, text)
    text = re.sub(r"附件：.*$", boundary, text)  # the attachment's file name ends the scrape
    for chapter in CHAPTERS:
        text = text.replace(chapter.replace(" ", ""), boundary)
    text = re.sub(r"第[一二三四五六七八九十]+条", boundary, text)
    text = re.sub(r"（[一二三四五六七八九十]）", boundary, text)
    text = re.sub(r"(?<=[。！？])", boundary, text)
    seen: dict[str, None] = {}
    for part in text.split(boundary):
        if part:
            seen.setdefault(part, None)
    return list(seen)


def text_sentences(text: str) -> list[str]:
    return [part for part in re.split(r"(?<=[。！？：])", text) if part]


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge_base()


@pytest.fixture(scope="module")
def measures(kb: KnowledgeBase) -> Document:
    return kb.document(MEASURES_DOC_ID)


def test_bundled_seed_matches_shared_copy() -> None:
    if not SHARED_SEED.exists():
        pytest.skip("the shared folder is not beside the repository")
    assert SEED.read_bytes() == SHARED_SEED.read_bytes()


def test_seed_splitter_finds_the_sentences() -> None:
    # Guards the oracle itself: the scrape has 27 distinct measures sentences, and no notice,
    # signature or attachment text leaks into them.
    sentences = seed_sentences()
    assert len(sentences) == 27
    joined = "".join(sentences)
    for junk in ("印发给你们", "发布日期", ".wps", "119号", "第一章", "第四条"):
        assert junk not in joined


def test_every_seed_sentence_appears_exactly_once(measures: Document) -> None:
    texts = [article.text for article in measures.articles]
    for sentence in seed_sentences():
        count = sum(text.count(sentence) for text in texts)
        assert count == 1, f"{sentence!r} appears {count} times"


def test_no_article_text_comes_from_outside_the_seed(measures: Document) -> None:
    allowed = set(seed_sentences())
    for article in measures.articles:
        for sentence in text_sentences(article.text):
            assert sentence in allowed, f"{article.label}: {sentence!r} is not a seed sentence"


def test_seed_sentences_are_all_used_and_nothing_more(measures: Document) -> None:
    # Same multiset both ways: the measures are a rearrangement of the seed's sentences.
    used = [s for article in measures.articles for s in text_sentences(article.text)]
    assert sorted(used) == sorted(seed_sentences())


def test_each_article_opens_as_the_seed_shows_it(kb: KnowledgeBase) -> None:
    # Wherever the seed has an article number or item marker, the sentence right after it is
    # how that article (item) begins: a passage glued to the wrong article would break this.
    text = re.sub(r"\s+", "", seed_text())
    markers = re.finditer(r"(第[一二三四五六七八九十]+条)|（([一二三四五六])）", text)
    checked = 0
    for match in markers:
        opening = re.match(r"[^。：]*[。：]", text[match.end() :])
        assert opening is not None
        if match.group(1):
            article = kb.article(MEASURES_DOC_ID, match.group(1))
        else:
            article = kb.article(MEASURES_DOC_ID, "第六条", f"（{match.group(2)}）")
        assert article.text.startswith(opening.group(0)), (match.group(0), opening.group(0))
        checked += 1
    assert checked >= 20


def test_articles_sit_in_their_chapters_in_order(measures: Document) -> None:
    chapter_of = {n: title for title, numbers in CHAPTERS.items() for n in numbers}
    numbers: list[int] = []
    for article in measures.articles:
        parsed = parse_measures_ref(article.ref)
        assert parsed is not None and parsed.item is None
        assert article.chapter == chapter_of[parsed.article], article.label
        if article.item is None:
            numbers.append(parsed.article)
    assert numbers == sorted(numbers)
    present = {article_ref(n) for n in numbers}
    assert present | set(MISSING) == {article_ref(n) for n in range(1, 20)}
    assert not present & set(MISSING)


def test_missing_articles_are_recorded_not_invented(measures: Document, kb: KnowledgeBase) -> None:
    assert measures.missing == MISSING
    assert not {a.ref for a in measures.articles} & set(MISSING)
    for ref in MISSING:
        missing = kb.missing(MEASURES_DOC_ID, ref)
        assert missing is not None
        assert missing.chapter == next(t for t, r in CHAPTERS.items() if cn_to_int(ref[1:-1]) in r)


def test_article_six_has_a_lead_and_six_items_in_order(measures: Document) -> None:
    entries = [a for a in measures.articles if a.ref == "第六条"]
    assert entries[0].item is None
    assert entries[0].text == "各级中小企业主管部门重点围绕以下方面开展集群培育工作："
    items = entries[1:]
    assert [a.item for a in items] == [f"（{int_to_cn(n)}）" for n in range(1, 7)]
    assert tuple(a.heading for a in items) == ITEM_HEADINGS
    assert [a.label for a in items] == [f"《暂行办法》第六条{a.item}" for a in items]
    for article in items:
        if article.item == "（四）":
            # The heading was lost in the scrape: restored as heading only, never as text.
            assert article.heading not in article.text
            assert article.text.startswith("优化集群能源消费结构")
        else:
            assert article.text.startswith(f"{article.heading}。")


def test_passages_the_brief_calls_out_are_placed_right(kb: KnowledgeBase) -> None:
    art4 = kb.article(MEASURES_DOC_ID, "第四条").text
    assert art4.startswith("工业和信息化部负责集群促进工作")
    assert art4.index("工业和信息化部负责") < art4.index("（以下统称省级中小企业主管部门）")
    item3 = kb.article(MEASURES_DOC_ID, "第六条", "（三）").text
    assert item3.index("加强集群新型信息基础设施建设") < item3.index(
        "引导集群企业运用中小企业数字化"
    )
    assert kb.article(MEASURES_DOC_ID, "第五条").text.endswith("引导和支持地方培育一批省级集群。")
    assert kb.article(MEASURES_DOC_ID, "第十五条").text.startswith("集群有效期为三年。")
    assert kb.article(MEASURES_DOC_ID, "第十九条").chapter == "第五章 附则"


def test_labels_and_titles(measures: Document) -> None:
    assert measures.title == "促进中小企业特色产业集群发展暂行办法"
    assert measures.kind == "measures"
    for article in measures.articles:
        assert article.label == f"《暂行办法》{article.ref}{article.item or ''}"


def test_notice_holds_the_notice_sentences(kb: KnowledgeBase) -> None:
    notice = kb.document("notice-2022-119")
    assert notice.kind == "notice"
    texts = {a.ref: a.text for a in notice.articles}
    assert texts["addressees"] == NOTICE_ADDRESSEES
    assert texts["body"] == NOTICE_BODY
    assert texts["number"] == "工信部企业〔2022〕119号"
    assert re.sub(r"\s+", "", texts["signature"]) == SIGNATURE
    assert "中小企业特色产业集群认定标准（2022年版）" in texts["attachment"]
    assert any(".wps" in note for note in notice.notes)  # the scrape's file name, as a note
    measures_text = "".join(a.text for a in kb.document(MEASURES_DOC_ID).articles)
    for sentence in (NOTICE_BODY, "印发给你们", ".wps", "附件"):
        assert sentence not in measures_text


@pytest.mark.parametrize(
    ("number", "text"), [(1, "一"), (10, "十"), (15, "十五"), (20, "二十"), (99, "九十九")]
)
def test_chinese_numerals_round_trip(number: int, text: str) -> None:
    assert int_to_cn(number) == text
    assert cn_to_int(text) == number
