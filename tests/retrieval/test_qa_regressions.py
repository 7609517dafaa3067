"""Regression tests for the mechanisms behind QA findings (lead extraction, deadline and year
preferences, typo tolerance, template variables, refusal language). Phrasings here are our own,
not the QA report's."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.lexicon import load_lexicon
from retrieval.answer import Answer
from retrieval.chunks import Target, Unit
from retrieval.compose import (
    Composer,
    batch_year,
    fact_matches,
    instantiate_validity,
    key_facts,
    lead_clauses,
    without_asides,
)
from retrieval.service import Answerer
from retrieval.text import PolicyTokenizer, default_tokenizer

# -- number extraction ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "依据《第十四个五年规划和2035年远景目标纲要》制定本办法。",
        "《“十四五”促进中小企业发展规划》",
        "十四五期间的工作安排",
        "见《暂行办法》第十五条。",
        "第二批集群名单",
    ],
)
def test_names_with_numbers_are_never_quantities(text: str) -> None:
    assert fact_matches(text, "count") == []
    assert fact_matches(text, "duration") == []


def test_real_quantities_beside_a_plan_name_are_found() -> None:
    text = "“十四五”期间，在全国范围内认定200个左右集群。"
    assert key_facts(text, ["count"]) == ["认定200个左右"]
    assert fact_matches("最多推荐25家", "count") == ["最多推荐25家"]
    assert key_facts("集群有效期为三年。复核通过的延长三年。", ["duration"]) == ["三年"]


def test_deadline_beats_the_notice_date_and_the_asked_year_wins() -> None:
    text = "依据某函（2030年9月1日）开展；须在2030年11月30日前报送；另有2031年3月1日前的安排。"
    assert key_facts(text, ["deadline", "date"], ["2030"]) == ["2030年11月30日前"]
    assert key_facts(text, ["date"], ["2031"]) == ["2031年3月1日前"]


def test_examples_are_not_what_a_unit_states() -> None:
    text = "各地另定时限，例如某省要求在2030年5月1日前报送。"
    assert fact_matches(text, "deadline") == ["2030年5月1日前"]
    assert fact_matches(text, "deadline", examples=False) == []


# -- template variables -----------------------------------------------------------------------

RULE = "Y年度认定的集群，有效期从Y+1年1月1日起，到Y+3年12月31日止。"


def test_template_variables_are_never_facts() -> None:
    assert fact_matches(RULE, "date") == []
    assert lead_clauses(RULE, fact_matches(RULE, "date")) == []


def test_a_named_batch_is_worked_out() -> None:
    assert batch_year("第三批集群什么时候到期") == (2024, "第三批")
    assert batch_year("2030年度认定的集群") == (2030, None)
    assert batch_year("集群有效期多久") is None
    worked = instantiate_validity("第三批的有效期到哪年", RULE)
    assert worked is not None and "2025年1月1日至2027年12月31日" in worked
    assert instantiate_validity("有效期多久", RULE) is None


def test_template_sentences_are_not_quoted_when_another_will_do() -> None:
    composer = Composer(lambda sentence: 1.0)
    example = "例如2030年度集群的有效期为2031年1月1日至2033年12月31日。"
    text = RULE + example + "补充说明" * 10 + "。"
    unit = Unit(
        target=Target("facts-x", "r", None),
        doc_title="t",
        doc_kind="facts",
        doc_source="公开报道",
        chapter=None,
        heading=None,
        text=text,
        label="公开报道",
    )
    quote = composer.quote(unit, ["date"])
    assert "Y+1" not in quote and "2031年1月1日" in quote


# -- lead clauses -----------------------------------------------------------------------------


def test_lead_clauses_never_cut_a_bracket() -> None:
    text = "每省最多推荐8个集群，每市最多推荐2个（另有说明，以原文为准）。"
    facts = key_facts(text, ["count"])
    clauses = lead_clauses(without_asides(text, facts), facts)
    assert clauses == ["每省最多推荐8个集群", "每市最多推荐2个"]
    assert all(c.count("（") == c.count("）") for c in clauses)


# -- typo tolerance ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("认定后有效其多长", "有效期"), ("年爆几号前要报", "年报")],
)
def test_one_character_slips_in_domain_terms_are_corrected(typed: str, meant: str) -> None:
    assert meant in default_tokenizer().correct(typed)


@pytest.mark.parametrize(
    "question",
    [
        "十四五期间要认定多少个集群",  # "多少个" is not a slip of "多少年"
        "第二批集群名单",  # numerals are never corrected
        "2030年和2031年的名额",  # "年和" is not a slip of "年报"
        "集群产值年均增长多少",  # real words stay
        "今天天气怎么样",
    ],
)
def test_correct_text_is_left_alone(question: str) -> None:
    assert default_tokenizer().correct(question) == question


def test_gap_synonyms_fire_on_parts_in_order(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.yaml"
    path.write_text(
        "version: 1\nwords: [集群]\nsynonyms:\n  多少个…集群: [200个左右]\n", encoding="utf-8"
    )
    lexicon = load_lexicon(path)
    assert lexicon.expansions("要认定多少个中小企业特色产业集群")
    assert not lexicon.expansions("集群有多少个")
    tokenizer = PolicyTokenizer(lexicon)
    assert "左右" in tokenizer.query("多少个特色产业集群").tokens


# -- through the pipeline ---------------------------------------------------------------------


def _lead(answer: Answer) -> str:
    return answer.answer.splitlines()[0]


def test_a_count_question_about_the_plan_period(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("“十四五”时期全国准备认定几个中小企业特色产业集群？")
    assert answer.in_scope
    assert "200个左右" in _lead(answer)
    assert "十四" not in _lead(answer)
    assert answer.citations[0].ref == "第五条"


def test_a_deadline_question_leads_with_the_rounds_deadline(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("2022年度国家级集群推荐最晚几号报送？")
    assert answer.in_scope
    assert "2022年10月31日" in _lead(answer)
    assert answer.citations[0].ref == "round-2022"
    answer = fake_answerer.ask("2023年的推荐材料截至哪天")
    assert "2023年7月31日" in _lead(answer)


def test_a_threshold_question_leads_with_the_percentage(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("集群产值每年平均增长达到多少才符合条件")
    assert answer.in_scope
    assert "10%" in _lead(answer)
    assert (answer.citations[0].doc, answer.citations[0].ref) == ("criteria-national-2022", "一")


def test_a_unit_pointing_to_an_article_defers_to_it(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("集群这个资格管几年，期满以后怎么弄")
    assert answer.in_scope
    assert answer.citations[0].ref == "第十五条"


def test_a_named_batch_gets_its_own_years(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("第三批认定的集群有效期到哪年为止")
    assert answer.in_scope
    assert "Y+" not in _lead(answer)
    assert "2027年12月31日" in _lead(answer)


def test_a_named_province_comes_first_for_its_figures(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("云南的省级集群对占地面积有要求吗")
    assert answer.citations[0].doc == "criteria-yunnan-2023"


def test_other_programmes_reward_money_is_refused(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("单项冠军企业能拿多少奖励资金")
    assert not answer.in_scope


def test_goals_and_principles_in_plain_words(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("弄集群培育，目标和原则都是些啥")
    assert answer.in_scope
    assert answer.citations[0].ref == "第三条"


def test_typo_in_annual_report_still_answers(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("年爆最晚几号")
    assert answer.in_scope
    assert "4月30日" in _lead(answer)


def test_division_question_quotes_every_party(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("部里和省里分别负责什么")
    top = answer.citations[0]
    assert top.ref == "第四条"
    assert "工业和信息化部负责" in top.quote and "省级中小企业主管部门" in top.quote


def test_quote_does_not_run_into_a_labelled_block(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("全国的集群产值年均增速门槛是多少")
    assert "指标：" not in answer.citations[0].quote


def test_noise_with_chinese_is_refused_in_chinese(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("qwerasdf hjkl 嘿嘿 ？？")
    assert not answer.in_scope
    assert answer.lang == "zh"
    assert "抱歉" in answer.answer


def test_a_question_comparing_years_answers_for_each(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("2023年跟2024年每省推荐名额一样吗")
    assert answer.in_scope
    lead = _lead(answer)
    assert "2023年度：" in lead and "2024年度：" in lead
    assert "6个" in lead and "8个" in lead
    assert {c.ref for c in answer.citations} >= {"round-2023", "round-2024"}
