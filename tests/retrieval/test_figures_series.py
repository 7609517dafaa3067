"""Figures read from running text: a three-year series sharing one unit, English and Chinese,
and a compound programme name bound to the indicator of its longest cue."""

from __future__ import annotations

import pytest

from knowledge.kb import default_knowledge_base
from knowledge.lexicon import default_lexicon
from knowledge.numbers import parse_number
from retrieval.figures import read_figures
from retrieval.frame import Framer
from retrieval.service import Answerer


@pytest.fixture(scope="module")
def framer() -> Framer:
    return Framer(lexicon=default_lexicon(), facts=default_knowledge_base().facts)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Output in the past three years: 41, 44 and 47 (hundred million yuan).", [41, 44, 47]),
        ("Output was 41, 44, 47 hundred million yuan", [41, 44, 47]),
        ("our output came to 41, 44 and 47 亿元", [41, 44, 47]),
        ("近三年产值41、44、47亿", [41, 44, 47]),
        ("近三年产值四十一、四十四、四十七亿", [41, 44, 47]),
        ("产值依次为41亿、44亿和47亿", [41, 44, 47]),
        # One unit for all three: 万 applies to each, not only to the last.
        ("近三年产值4100、4400、4700万", [0.41, 0.44, 0.47]),
        ("output was 4100, 4400 and 4700 million yuan", [41, 44, 47]),
        # Each with its own unit, joined by an English "and".
        ("output 41亿, 44亿 and 47亿", [41, 44, 47]),
        ("output was RMB 4.1bn, 4.4bn and 4.7bn", [41, 44, 47]),
    ],
)
def test_a_series_sharing_one_unit_is_the_three_years(
    framer: Framer, text: str, expected: list[float]
) -> None:
    found = {f.indicator: f.value for f in read_figures(text, framer.indicator_cues)}
    assert found == {"output_value_yi": expected}


def test_years_before_a_figure_are_not_a_series(framer: Framer) -> None:
    found = {f.indicator: f.value for f in read_figures("2021、2022、2023年产值都是50亿",
                                                         framer.indicator_cues)}
    assert found == {"output_value_yi": 50}


def test_hundred_million_is_yi() -> None:
    assert parse_number("47 hundred million yuan", unit="亿元") == 47
    assert parse_number("3 hundred million", unit="亿元") == 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("有3家专精特新小巨人，专精特新和高企合计7家",
         {"champion_or_little_giant_count": 3, "specialized_sme_count": 7}),
        ("专精特新“小巨人”企业1家，创新型中小企业5家",
         {"champion_or_little_giant_count": 1, "specialized_sme_count": 5}),
    ],
)
def test_the_longest_cue_names_the_indicator(
    framer: Framer, text: str, expected: dict[str, int]
) -> None:
    found = {f.indicator: f.value for f in read_figures(text, framer.indicator_cues)}
    assert found == expected


def test_a_series_derives_growth_and_the_growth_counts_in_the_verdict(
    fake_answerer: Answerer,
) -> None:
    # 44 -> 47 -> 50: every year above 40, but (50/44)^(1/2) - 1 = 6.6 % < 10 %.
    english = fake_answerer.ask("Our output over three years was 44, 47 and 50 亿元. Enough?")
    assert english.frame.indicators == {"output_value_yi": [44, 47, 50]}
    assert english.answer.startswith("Short answer: no")
    chinese = fake_answerer.ask("近三年产值44、47、50亿，能评国家级吗")
    assert chinese.answer.startswith("答：不够")
    assert "6.6" in chinese.answer


def test_a_little_giant_satisfies_the_either_or(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask(
        "我们有3家专精特新小巨人，专精特新和高企加起来才5家，梯度培育这条够吗"
    )
    assert answer.frame.indicators == {
        "champion_or_little_giant_count": 3,
        "specialized_sme_count": 5,
    }
    assert answer.answer.startswith("答：就你给出的数字，达标")


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("How much output does a cluster need?", "40 × 100M yuan"),
        ("How big can a cluster's area be?", "100 km²"),
        ("How much must SMEs contribute to the cluster's output?", "at least 70%"),
    ],
)
def test_an_english_how_much_question_gets_the_threshold(
    fake_answerer: Answerer, question: str, expected: str
) -> None:
    answer = fake_answerer.ask(question)
    assert answer.frame.intents[0] == "threshold"
    assert expected in answer.answer
