"""Answers computed from the frame: figures judged by the engine, lists, rounds, comparisons,
and the honest answers for what the knowledge does not hold."""

from __future__ import annotations

import pytest

from retrieval.service import Answerer


def _refs(answer: object) -> list[str]:
    return [f"{c.doc}/{c.ref}" for c in answer.citations]  # type: ignore[attr-defined]


def test_figures_are_judged_per_indicator_on_the_national_edition(
    fake_answerer: Answerer,
) -> None:
    answer = fake_answerer.ask("我们集群去年产值四十五亿，增速百分之八，够国家标准吗？")
    assert answer.in_scope and answer.answer.startswith("答：不够")
    assert "全国" in answer.answer  # says which edition it judged by
    assert "45亿元" in answer.answer and "达标" in answer.answer  # output met
    assert "差 2 个百分点" in answer.answer  # growth misses by 2 points
    assert _refs(answer) == ["criteria-national-2022/一"]
    assert answer.frame.indicators == {"output_value_yi": 45, "output_growth_pct": 8}


def test_a_province_edition_judges_by_its_own_figures(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("云南的集群产值15亿、增速5%，能评省级吗")
    assert answer.answer.startswith("答：就你给出的数字，达标")
    assert "云南" in answer.answer and _refs(answer) == ["criteria-yunnan-2023/一"]


def test_a_comparison_answers_both_sides(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("国家和云南对产值的要求分别是多少")
    assert "40亿元" in answer.answer and "10亿元" in answer.answer
    assert _refs(answer) == ["criteria-national-2022/一", "criteria-yunnan-2023/一"]


def test_a_list_question_gets_the_items_not_the_lead_in(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("集群培育工作包括哪几个方面")
    for heading in ("提升集群主导产业优势", "加快集群绿色低碳转型", "提升集群治理和服务能力"):
        assert heading in answer.answer
    assert _refs(answer) == ["measures-2022/第六条"]
    assert "（六）" in answer.citations[0].quote


def test_a_rounds_unrecorded_field_is_said_to_be_unrecorded(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("2025年推荐工作报送截止日期是哪天")
    assert answer.in_scope and "未收录" in answer.answer and "77号" in answer.answer
    assert "7月31日" not in answer.answer  # never another year's date
    assert _refs(answer) == ["facts-rounds/round-2025"]


def test_a_batch_years_validity_is_computed(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("2024年度认定的集群有效期从什么时候到什么时候")
    assert "2025年1月1日" in answer.answer and "2027年12月31日" in answer.answer


def test_multi_part_questions_answer_every_part(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("有效期多长？年报几号交？")
    assert "三年" in answer.answer and "4月30日" in answer.answer
    refs = _refs(answer)
    assert "measures-2022/第十五条" in refs and "measures-2022/第十六条" in refs


@pytest.mark.parametrize(
    ("question", "must"),
    [
        ("2026年的推荐工作什么时候截止", "没有收录2026年度"),
        ("浙江省级特色产业集群的产值门槛是多少", "没有收录浙江省"),
        ("认定为特色产业集群后中央财政奖励多少钱", "没有收录任何资金数额"),
        ("专精特新小巨人企业认定有什么条件", "不在本项目收录的范围内"),
        ("我们集群被撤销了，能不能起诉工信部", "不能提供法律意见"),
    ],
)
def test_what_is_not_held_gets_an_honest_answer(
    fake_answerer: Answerer, question: str, must: str
) -> None:
    answer = fake_answerer.ask(question)
    assert not answer.in_scope and answer.citations == []
    assert must in answer.answer
    assert answer.frame is not None and not answer.frame.covered


@pytest.mark.parametrize(
    "question", ["k8s集群节点NotReady怎么排查", "Redis集群模式怎么配置", "比特币今天多少钱"]
)
def test_off_topic_including_computing_clusters_is_declined(
    fake_answerer: Answerer, question: str
) -> None:
    answer = fake_answerer.ask(question)
    assert not answer.in_scope and "/help" in answer.answer


def test_yes_no_questions_lead_with_yes_or_no(fake_answerer: Answerer) -> None:
    assert fake_answerer.ask("集群里有企业前年出过较大安全事故，还能申报吗").answer.startswith(
        "答：不能"
    )
    assert fake_answerer.ask("集群称号是终身的吗").answer.startswith("答：不是")
