"""`smebot kb dump|show|check` (bot/commands/kb.py); `kb dump --json` is a CONTRACTS.md shape."""

from __future__ import annotations

import json

import pytest

from bot.cli import main
from knowledge.errors import KnowledgeDataError
from knowledge.kb import default_knowledge_base

ARTICLE_KEYS = {"ref", "chapter", "item", "text"}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["kb", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_dump_json_has_the_contract_shape(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "dump", "--json")
    assert code == 0
    payload = json.loads(out)
    assert list(payload) == ["documents"]
    documents = payload["documents"]
    first = documents[0]
    assert first["doc"] == "measures-2022"
    assert first["title"] == "促进中小企业特色产业集群发展暂行办法"
    assert first["missing"] == [
        "第七条",
        "第八条",
        "第九条",
        "第十二条",
        "第十三条",
        "第十七条",
        "第十八条",
    ]
    for document in documents:
        assert {"doc", "title", "articles", "missing"} <= set(document)
        assert isinstance(document["articles"], list) and document["articles"]
        for article in document["articles"]:
            assert set(article) >= ARTICLE_KEYS
            assert isinstance(article["ref"], str) and article["ref"]
            assert isinstance(article["text"], str) and article["text"]
            assert article["chapter"] is None or isinstance(article["chapter"], str)
            assert article["item"] is None or isinstance(article["item"], str)
    refs = [(a["ref"], a["item"]) for a in first["articles"]]
    assert refs[0] == ("第一条", None) and refs[-1] == ("第十九条", None)
    assert ("第六条", "（四）") in refs
    assert first["articles"][0]["chapter"] == "第一章 总则"
    # Chinese stays readable: no \\u escapes.
    assert "暂行办法" in out and "\\u" not in out
    for document in documents:
        if document["doc"].startswith("criteria-"):
            assert {"gate", "一", "八"} <= {a["ref"] for a in document["articles"]}


def test_dump_json_matches_the_knowledge_base(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "dump", "--json")
    payload = json.loads(out)
    kb = default_knowledge_base()
    assert [d["doc"] for d in payload["documents"]] == [d.id for d in kb.documents]
    assert sum(len(d["articles"]) for d in payload["documents"]) == sum(
        len(d.articles) for d in kb.documents
    )


def test_dump_summary_is_readable(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "dump")
    assert code == 0
    assert "measures-2022  促进中小企业特色产业集群发展暂行办法" in out
    assert "原文缺失：第七条、第八条、第九条、第十二条、第十三条、第十七条、第十八条" in out
    assert "《暂行办法》第十五条：集群有效期为三年。" in out
    with pytest.raises(json.JSONDecodeError):
        json.loads(out)


def test_show_article(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "show", "第十五条")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "《暂行办法》第十五条"
    assert "第四章 动态管理" in lines[1]
    assert lines[2].startswith("集群有效期为三年。有效期满后")


def test_show_item_with_restored_heading(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "show", "第6条(4)")
    assert code == 0
    assert out.splitlines()[:4] == [
        "《暂行办法》第六条（四）",
        "促进中小企业特色产业集群发展暂行办法 · 第二章 培育要求",
        "（四）加快集群绿色低碳转型",
        "优化集群能源消费结构，推广清洁能源应用，开展节能改造和绿色低碳技术改造，"
        "强化资源综合利用与污染防治，完善绿色制造体系。",
    ]


def test_show_article_six_lists_its_items(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "show", "第六条")
    assert "各级中小企业主管部门重点围绕以下方面开展集群培育工作：" in out
    for marker in (
        "（一）提升集群主导产业优势。",
        "（三）推进集群数字化升级。",
        "（六）提升集群治理",
    ):
        assert marker in out


def test_show_missing_article(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "show", "第七条")
    assert code == 0
    assert out.startswith("《暂行办法》第七条\n")
    assert "缺失" in out and "第二章 培育要求" in out and "不作补写" in out
    assert "政策支持" in out and "条号未经核实" in out


def test_show_missing_procedure_article_points_to_reporting(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out, _ = run(capsys, "show", "第十二条")
    assert "第三章 认定程序" in out and "who-applies" in out and "provincial-step" in out


def test_show_fact_is_marked_as_not_an_article(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "show", "annual-report")
    assert out.startswith("公开报道\n") and "4月30日" in out
    assert "不是《暂行办法》的条文" in out


def test_show_unknown_ref_is_a_clean_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "show", "第二十条")
    assert code == 2
    assert out == ""
    assert "找不到条文“第二十条”" in err and "Traceback" not in err


def test_show_json(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "show", "第六条", "--json")
    payload = json.loads(out)
    assert payload["doc"] == "measures-2022" and payload["ref"] == "第六条"
    assert [item["item"] for item in payload["items"]][-1] == "（六）"
    _, out, _ = run(capsys, "show", "第十七条", "--json")
    missing = json.loads(out)
    assert missing["missing"] is True and missing["see_also"][0]["ref"] == "revocation"


def test_show_takes_doc_and_ref_as_two_words(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "show", "notice-2022-119", "body")
    assert code == 0 and "现将《促进中小企业特色产业集群发展暂行办法》印发给你们" in out


def test_check_prints_the_content_hash(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check")
    assert code == 0
    assert default_knowledge_base().content_hash() in out


def test_broken_data_is_a_clean_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> None:
        raise KnowledgeDataError("measures-2022.yaml", "chapters[0].title", "unknown chapter")

    monkeypatch.setattr("knowledge.kb.default_knowledge_base", broken)
    code, out, err = run(capsys, "dump", "--json")
    assert code == 2 and out == ""
    assert "measures-2022.yaml: chapters[0].title: unknown chapter" in err


def test_show_criteria_dimension(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "show", "认定标准·一")
    assert code == 0
    assert out.splitlines()[0] == "认定标准·一"
    assert out.splitlines()[1] == default_knowledge_base().document("criteria-national-2022").title
