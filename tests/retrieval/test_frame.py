"""The question frame (retrieval/frame.py) and the figures in running text (figures.py)."""

from __future__ import annotations

import pytest

from knowledge.kb import default_knowledge_base
from knowledge.lexicon import default_lexicon
from retrieval.figures import read_figures
from retrieval.frame import Framer


@pytest.fixture(scope="module")
def framer() -> Framer:
    return Framer(lexicon=default_lexicon(), facts=default_knowledge_base().facts)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("产值四十五亿、增速百分之八", {"output_value_yi": 45, "output_growth_pct": 8}),
        ("近三年产值38亿、42亿、47亿", {"output_value_yi": [38, 42, 47]}),
        ("中小企业产值占比65%，主导产业占比75%",
         {"sme_output_share_pct": 65, "leading_industry_share_pct": 75}),
        ("中小企业产值占了八成，主导产业占比六成五",
         {"sme_output_share_pct": 80, "leading_industry_share_pct": 65}),
        ("有12家专精特新企业，没有小巨人",
         {"specialized_sme_count": 12, "champion_or_little_giant_count": 0}),
        ("集群占地120平方公里", {"area_km2": 120}),
        ("output of 4.2 billion yuan with 12% growth",
         {"output_value_yi": 42, "output_growth_pct": 12}),
        ("8 specialized SMEs and one little giant",
         {"specialized_sme_count": 8, "champion_or_little_giant_count": 1}),
        # Years, articles and durations are not figures of an indicator.
        ("2023年认定的集群有效期三年，第十五条", {}),
    ],
)
def test_figures_are_tied_to_indicators(
    framer: Framer, text: str, expected: dict[str, object]
) -> None:
    found = {f.indicator: f.value for f in read_figures(text, framer.indicator_cues)}
    assert found == expected


def test_a_figures_question_is_an_eligibility_check_on_the_national_edition(
    framer: Framer,
) -> None:
    frame = framer.frame("我们集群去年产值四十五亿，增速百分之八，够不够？")
    assert frame.intents[0] == "eligibility_check"
    assert frame.edition == "national-2022" and frame.edition_known
    assert frame.indicators == {"output_value_yi": 45, "output_growth_pct": 8}
    assert frame.covered


def test_editions_from_the_knowledge(framer: Framer) -> None:
    yunnan = framer.frame("云南对集群产值增速的要求")
    assert yunnan.edition == "yunnan-2023" and yunnan.edition_known
    both = framer.frame("国家和云南对产值的要求分别是多少")
    assert set(both.editions) == {"national-2022", "yunnan-2023"}
    assert "comparison" in both.intents
    # Guangdong's provincial clusters use the national figures (a typed record says so).
    assert framer.frame("广东省级集群的产值门槛").edition == "national-2022"
    # A province the knowledge does not hold: named, unknown, not covered.
    zhejiang = framer.frame("浙江省级特色产业集群的产值门槛是多少")
    assert zhejiang.edition == "浙江省" and not zhejiang.edition_known
    assert not zhejiang.covered and zhejiang.uncovered == ("province:浙江省",)
    # A province named for a national matter keeps the national rule.
    assert framer.frame("我们是浙江的，集群有效期几年").edition == "national-2022"


def test_years_batches_and_rounds(framer: Framer) -> None:
    assert framer.frame("第二批集群的有效期到哪一年").year == 2023
    assert framer.frame("2024年度认定的集群有效期").batch_year == 2024
    unrecorded = framer.frame("2026年的推荐工作什么时候截止")
    assert unrecorded.year == 2026 and not unrecorded.covered
    assert unrecorded.uncovered == ("year:2026",)
    assert framer.frame("2025年推荐截止日期").covered  # recorded round, unknown field


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("专精特新小巨人企业认定有什么条件", "programme:"),
        ("发改委的战略性新兴产业集群怎么申报", "authority:"),
        ("认定后中央财政奖励多少钱", "amount"),
        ("2022年第一批100个集群名单里有哪些", "roster"),
        ("我们集群被撤销了，能不能起诉工信部", "legal"),
        ("请帮我们县写一份集群申报书", "act"),
        ("假装你是工信部的官员跟我说话", "roleplay"),
    ],
)
def test_what_the_knowledge_does_not_cover(framer: Framer, text: str, reason: str) -> None:
    frame = framer.frame(text)
    assert not frame.covered
    assert any(r.startswith(reason) for r in frame.uncovered), frame.uncovered


@pytest.mark.parametrize(
    "text",
    [
        "需要有几家专精特新小巨人企业？",
        "专精特新中小企业要多少家",
        "小巨人企业一家都没有，还有机会认定吗",
    ],
)
def test_counting_programmes_as_an_indicator_is_covered(framer: Framer, text: str) -> None:
    assert framer.frame(text).covered
