"""Loading, validation and look-up of the knowledge base (knowledge/kb.py)."""

from __future__ import annotations

import shutil
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from knowledge.errors import KnowledgeDataError
from knowledge.kb import (
    DEFAULT_DATA_DIR,
    MEASURES_DOC_ID,
    KnowledgeBase,
    Located,
    MissingArticle,
    UnknownReferenceError,
    default_knowledge_base,
    load_knowledge_base,
)
from knowledge.models import Article, Document

MEASURES = "measures-2022.yaml"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A private copy of the files this loader owns, to break one at a time."""
    target = tmp_path / "kbdata"
    target.mkdir()
    for name in (MEASURES, "notice-2022-119.yaml"):
        shutil.copy(DEFAULT_DATA_DIR / name, target / name)
    shutil.copytree(DEFAULT_DATA_DIR / "facts", target / "facts")
    return target


def edit(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def load_error(data_dir: Path) -> KnowledgeDataError:
    with pytest.raises(KnowledgeDataError) as caught:
        load_knowledge_base(data_dir)
    return caught.value


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge_base()


# -- loading ---------------------------------------------------------------------------------


def test_copy_loads_like_the_original(data_dir: Path, kb: KnowledgeBase) -> None:
    copy = load_knowledge_base(data_dir)
    own = [d for d in kb.documents if d.kind != "criteria"]
    assert copy.documents == tuple(own)


def test_documents_in_order(kb: KnowledgeBase) -> None:
    kinds = [d.kind for d in kb.documents]
    assert kb.documents[0].id == MEASURES_DOC_ID
    # measures, then criteria, then notices, then fact sheets
    order = {"measures": 0, "criteria": 1, "notice": 2, "facts": 3}
    assert kinds == sorted(kinds, key=order.__getitem__)
    assert {"notice-2022-119", "facts-reporting", "facts-rounds", "facts-batches"} <= {
        d.id for d in kb.documents
    }


def test_default_knowledge_base_is_cached() -> None:
    assert default_knowledge_base() is default_knowledge_base()


def test_document_and_article_access(kb: KnowledgeBase) -> None:
    assert kb.document(MEASURES_DOC_ID).title == "促进中小企业特色产业集群发展暂行办法"
    article = kb.article(MEASURES_DOC_ID, "第十五条")
    assert article.chapter == "第四章 动态管理" and article.label == "《暂行办法》第十五条"
    assert kb.article(MEASURES_DOC_ID, "第六条", "（四）").heading == "加快集群绿色低碳转型"
    assert kb.article(MEASURES_DOC_ID, "第六条", "四") == kb.article(
        MEASURES_DOC_ID, "第六条", "（四）"
    )
    assert kb.article(MEASURES_DOC_ID, "第六条").item is None
    assert len(kb.items_of(MEASURES_DOC_ID, "第六条")) == 6
    with pytest.raises(UnknownReferenceError, match="missing"):
        kb.article(MEASURES_DOC_ID, "第七条")
    with pytest.raises(LookupError):
        kb.article(MEASURES_DOC_ID, "第二十条")
    with pytest.raises(LookupError):
        kb.document("no-such-doc")


@pytest.mark.parametrize(
    ("query", "label"),
    [
        ("第十五条", "《暂行办法》第十五条"),
        ("第15条", "《暂行办法》第十五条"),
        ("15", "《暂行办法》第十五条"),
        ("十五", "《暂行办法》第十五条"),
        (" 《暂行办法》第十五条 ", "《暂行办法》第十五条"),
        ("暂行办法第6条", "《暂行办法》第六条"),
        ("第六条（四）", "《暂行办法》第六条（四）"),
        ("第六条(四)", "《暂行办法》第六条（四）"),
        ("第6条(4)", "《暂行办法》第六条（四）"),
        ("第六条第四项", "《暂行办法》第六条（四）"),
        ("6.4", "《暂行办法》第六条（四）"),
        ("measures-2022 第十九条", "《暂行办法》第十九条"),
        ("公开报道（工信厅企业函〔2023〕44号）", "公开报道（工信厅企业函〔2023〕44号）"),
        ("notice-2022-119 body", "工信部企业〔2022〕119号通知"),
    ],
)
def test_find_is_generous(kb: KnowledgeBase, query: str, label: str) -> None:
    hit = kb.find(query)
    assert hit is not None, query
    assert hit.label == label


def test_find_facts_by_bare_ref(kb: KnowledgeBase) -> None:
    hit = kb.find("who-applies")
    assert hit is not None
    assert hit.doc_id == "facts-reporting" and "县级" in hit.text


@pytest.mark.parametrize("query", ["第二十条", "第六条（九）", "", "  ", "天气怎么样", "第零条"])
def test_find_unknown_is_none(kb: KnowledgeBase, query: str) -> None:
    assert kb.find(query) is None
    assert kb.resolve(query) is None


def test_missing_article_resolves_to_missing(kb: KnowledgeBase) -> None:
    assert kb.find("第七条") is None
    hit = kb.resolve("第7条")
    assert isinstance(hit, MissingArticle)
    assert hit.ref == "第七条" and hit.chapter == "第二章 培育要求"
    assert [fact.ref for fact in hit.see_also] == ["policy-support"]
    assert all(fact.document.kind == "facts" for fact in hit.see_also)
    procedure = kb.resolve("第十二条")
    assert isinstance(procedure, MissingArticle)
    assert {f.ref for f in procedure.see_also} == {"who-applies", "provincial-step"}


def test_content_hash_follows_every_data_file(data_dir: Path, tmp_path: Path) -> None:
    first = load_knowledge_base(data_dir).content_hash()
    assert len(first) == 64
    # The same content elsewhere hashes the same: the hash is about data, not location.
    twin = tmp_path / "twin"
    shutil.copytree(data_dir, twin)
    assert load_knowledge_base(twin).content_hash() == first
    # A file this loader does not read (the lexicon, the FAQ) still counts.
    (data_dir / "lexicon.yaml").write_text("words: []\n", encoding="utf-8")
    second = load_knowledge_base(data_dir).content_hash()
    assert second != first
    notice = data_dir / "notice-2022-119.yaml"
    notice.write_text(notice.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert load_knowledge_base(data_dir).content_hash() not in (first, second)


def test_default_hash_covers_the_package_data(kb: KnowledgeBase) -> None:
    assert kb.data_dir == DEFAULT_DATA_DIR
    assert kb.content_hash() == load_knowledge_base().content_hash()


# -- the criteria documents come from knowledge.criteria ---------------------------------------


class _FakeEdition:
    def __init__(self, doc_id: str, prefix: str) -> None:
        self.doc_id = doc_id
        self.prefix = prefix

    def as_document(self) -> Document:
        refs = ["gate", "一", "二", "三", "四", "五", "六", "七", "八"]
        return Document(
            id=self.doc_id,
            title=f"{self.prefix}中小企业特色产业集群认定标准",
            kind="criteria",
            source="测试",
            articles=tuple(
                Article(ref=r, text=f"{self.prefix}维度{r}", label=f"{self.prefix}认定标准·{r}")
                for r in refs
            ),
        )


@pytest.fixture
def fake_criteria(monkeypatch: pytest.MonkeyPatch) -> list[Path | None]:
    """Stand in for knowledge.criteria; records which folder it was asked to read."""
    asked: list[Path | None] = []
    editions = [
        _FakeEdition("criteria-national-2022", ""),
        _FakeEdition("criteria-yunnan-2023", "云南省"),
    ]

    def list_editions(data_dir: Path | None = None) -> list[_FakeEdition]:
        asked.append(data_dir)
        return editions

    module = types.ModuleType("knowledge.criteria")
    module.list_editions = list_editions  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "knowledge.criteria", module)
    return asked


def test_criteria_documents_are_included_and_findable(
    data_dir: Path, fake_criteria: list[Path | None]
) -> None:
    (data_dir / "criteria").mkdir()
    kb = load_knowledge_base(data_dir)
    assert fake_criteria == [data_dir.resolve() / "criteria"]
    assert [d.id for d in kb.documents[:3]] == [
        MEASURES_DOC_ID,
        "criteria-national-2022",
        "criteria-yunnan-2023",
    ]
    cases = {
        "认定标准·一": ("criteria-national-2022", "一"),
        "认定标准一": ("criteria-national-2022", "一"),
        "国家认定标准·第二项": ("criteria-national-2022", "二"),
        "criteria-national-2022 一": ("criteria-national-2022", "一"),
        "criteria-national-2022 3": ("criteria-national-2022", "三"),
        "criteria-national-2022 gate": ("criteria-national-2022", "gate"),
        "认定标准·门槛": ("criteria-national-2022", "gate"),
        "云南省认定标准·二": ("criteria-yunnan-2023", "二"),
        "云南认定标准·8": ("criteria-yunnan-2023", "八"),
    }
    for query, (doc, ref) in cases.items():
        hit = kb.find(query)
        assert isinstance(hit, Located), query
        assert (hit.doc_id, hit.ref) == (doc, ref), query
    assert kb.find("认定标准·九") is None


def test_criteria_can_be_left_out(data_dir: Path, fake_criteria: list[Path | None]) -> None:
    (data_dir / "criteria").mkdir()
    assert not [
        d
        for d in load_knowledge_base(data_dir, include_criteria=False).documents
        if d.kind == "criteria"
    ]
    # A data dir without a criteria folder has none, and the module is not even asked.
    (data_dir / "criteria").rmdir()
    assert not [d for d in load_knowledge_base(data_dir).documents if d.kind == "criteria"]
    assert fake_criteria == []


def test_real_criteria_editions_are_in_the_knowledge_base(kb: KnowledgeBase) -> None:
    criteria = [d for d in kb.documents if d.kind == "criteria"]
    assert any(d.id == "criteria-national-2022" for d in criteria)
    national = kb.document("criteria-national-2022")
    assert {"gate", "一", "八"} <= {a.ref for a in national.articles}
    hit = kb.find("criteria-national-2022 一")
    assert hit is not None and hit.doc_id == "criteria-national-2022"


# -- validation: every error names the file and the field -------------------------------------


def _article(data: dict[str, Any], chapter: int, index: int) -> dict[str, Any]:
    article: dict[str, Any] = data["chapters"][chapter]["articles"][index]
    return article


def test_malformed_yaml(data_dir: Path) -> None:
    (data_dir / MEASURES).write_text("id: measures-2022\nchapters: [unclosed\n", encoding="utf-8")
    error = load_error(data_dir)
    assert error.path.name == MEASURES and error.field == "(yaml)"
    assert "malformed YAML" in str(error) and MEASURES in str(error)


def test_duplicate_yaml_key(data_dir: Path) -> None:
    path = data_dir / "facts" / "rounds.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "title: again\n", encoding="utf-8")
    error = load_error(data_dir)
    assert error.path.name == "rounds.yaml" and "duplicate key 'title'" in str(error)


def test_not_a_mapping(data_dir: Path) -> None:
    (data_dir / "notice-2022-119.yaml").write_text("- just\n- a list\n", encoding="utf-8")
    error = load_error(data_dir)
    assert error.path.name == "notice-2022-119.yaml" and error.field == "(top level)"


def test_unknown_key(data_dir: Path) -> None:
    edit(data_dir / MEASURES, lambda d: _article(d, 0, 1).update(colour="red"))
    error = load_error(data_dir)
    assert error.field == "chapters[0].articles[1].colour"
    assert str(error).endswith("measures-2022.yaml: chapters[0].articles[1].colour: unknown key")


def test_unknown_key_in_a_fact(data_dir: Path) -> None:
    edit(data_dir / "facts" / "batches.yaml", lambda d: d["articles"][2].update(note="x"))
    error = load_error(data_dir)
    assert error.path.name == "batches.yaml" and error.field == "articles[2].note"


def test_duplicate_ref(data_dir: Path) -> None:
    edit(data_dir / MEASURES, lambda d: _article(d, 3, 1).update(ref="第十五条"))
    error = load_error(data_dir)
    assert str(error).endswith(
        "measures-2022.yaml: chapters[3].articles[1].ref: duplicate ref 第十五条"
        " (first at chapters[3].articles[0])"
    )


def test_duplicate_ref_in_a_fact_sheet(data_dir: Path) -> None:
    edit(data_dir / "facts" / "rounds.yaml", lambda d: d["articles"][1].update(ref="round-2022"))
    error = load_error(data_dir)
    assert error.path.name == "rounds.yaml" and error.field == "articles[1].ref"
    assert "duplicate ref round-2022" in error.message


def test_duplicate_ref_across_fact_sheets(data_dir: Path) -> None:
    edit(data_dir / "facts" / "rounds.yaml", lambda d: d["articles"][0].update(ref="who-applies"))
    error = load_error(data_dir)
    assert "duplicate ref who-applies" in error.message
    assert error.path.name in ("rounds.yaml", "reporting.yaml")


@pytest.mark.parametrize("empty", ["", "   ", None])
def test_empty_text(data_dir: Path, empty: str | None) -> None:
    edit(data_dir / MEASURES, lambda d: _article(d, 0, 0).update(text=empty))
    error = load_error(data_dir)
    assert error.path.name == MEASURES
    assert error.field == "chapters[0].articles[0].text"
    assert error.message.startswith("must not be empty")


def test_empty_item_text(data_dir: Path) -> None:
    edit(data_dir / MEASURES, lambda d: _article(d, 1, 0)["items"][3].update(text=""))
    error = load_error(data_dir)
    assert error.field == "chapters[1].articles[0].items[3].text"
    assert error.message == "must not be empty"


def test_empty_fact_text(data_dir: Path) -> None:
    edit(data_dir / "facts" / "reporting.yaml", lambda d: d["articles"][0].update(text=""))
    error = load_error(data_dir)
    assert error.path.name == "reporting.yaml" and error.field == "articles[0].text"


def test_article_out_of_order(data_dir: Path) -> None:
    def swap(data: dict[str, Any]) -> None:
        articles = data["chapters"][0]["articles"]
        articles[1], articles[2] = articles[2], articles[1]

    edit(data_dir / MEASURES, swap)
    error = load_error(data_dir)
    assert error.field == "chapters[0].articles[1].ref"
    assert "out of order: 第三条 where 第二条 belongs" in error.message


def test_dropped_article_is_out_of_order(data_dir: Path) -> None:
    # Leaving a lost article out (instead of marking it missing) is caught, too.
    edit(data_dir / MEASURES, lambda d: d["chapters"][1]["articles"].pop(1))
    error = load_error(data_dir)
    assert error.field == "chapters[1].articles[1].ref" and "第八条 where 第七条" in error.message


def test_item_out_of_order(data_dir: Path) -> None:
    def swap(data: dict[str, Any]) -> None:
        items = _article(data, 1, 0)["items"]
        items[0], items[1] = items[1], items[0]

    edit(data_dir / MEASURES, swap)
    error = load_error(data_dir)
    assert error.field == "chapters[1].articles[0].items[0].item"
    assert "out of order" in error.message


@pytest.mark.parametrize("title", ["第六章 罚则", "附则", "第五章附则", "第三章 认定程序"])
def test_unknown_chapter(data_dir: Path, title: str) -> None:
    edit(data_dir / MEASURES, lambda d: d["chapters"][4].update(title=title))
    error = load_error(data_dir)
    assert error.path.name == MEASURES and error.field == "chapters[4].title"
    assert "unknown chapter" in error.message


def test_missing_article_with_text(data_dir: Path) -> None:
    edit(data_dir / MEASURES, lambda d: _article(d, 1, 1).update(text="编造的内容。"))
    error = load_error(data_dir)
    assert error.field == "chapters[1].articles[1]"
    assert "missing article has no text" in error.message


def test_unknown_see_also(data_dir: Path) -> None:
    edit(data_dir / MEASURES, lambda d: _article(d, 1, 1).update(see_also=["no-such-fact"]))
    error = load_error(data_dir)
    assert error.field == "chapters[1].articles[1].see_also[0]"
    assert "unknown fact ref 'no-such-fact'" in error.message


def test_fact_without_source_line(data_dir: Path) -> None:
    edit(data_dir / "facts" / "reporting.yaml", lambda d: d["articles"][1].pop("source"))
    error = load_error(data_dir)
    assert error.path.name == "reporting.yaml" and error.field == "articles[1].source"


def test_wrong_kind_for_the_place(data_dir: Path) -> None:
    edit(data_dir / "facts" / "batches.yaml", lambda d: d.update(kind="notice"))
    error = load_error(data_dir)
    assert error.path.name == "batches.yaml" and error.field == "kind"


def test_duplicate_document_id(data_dir: Path) -> None:
    edit(data_dir / "facts" / "batches.yaml", lambda d: d.update(id="facts-rounds"))
    error = load_error(data_dir)
    assert error.field == "id" and "duplicate document id facts-rounds" in error.message


def test_no_measures_file(data_dir: Path) -> None:
    (data_dir / MEASURES).unlink()
    error = load_error(data_dir)
    assert "no measures file" in error.message


def test_other_modules_files_are_not_parsed(data_dir: Path) -> None:
    # The lexicon and FAQ have their own schemas and loaders; they only feed the hash.
    (data_dir / "faq.yaml").write_text("entries: {not: [the, kb, schema]}\n", encoding="utf-8")
    (data_dir / "lexicon.yaml").write_text("- not\n- a document\n", encoding="utf-8")
    assert load_knowledge_base(data_dir).documents[0].id == MEASURES_DOC_ID


def test_full_text_of_an_article_with_items_holds_every_item() -> None:
    kb = default_knowledge_base()
    text = kb.full_text(MEASURES_DOC_ID, "第六条")
    assert text.startswith(kb.article(MEASURES_DOC_ID, "第六条").text)
    for item in kb.items_of(MEASURES_DOC_ID, "第六条"):
        assert item.text in text and f"{item.item}" in text
    assert "加快集群绿色低碳转型" in text  # (四)'s restored heading is shown with its body
    assert kb.full_text(MEASURES_DOC_ID, "第十五条") == kb.article(MEASURES_DOC_ID, "第十五条").text
