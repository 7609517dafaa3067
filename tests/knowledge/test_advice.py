"""A result that says what to do: either/or, unanswered vs 不确定, advice with targets."""

from __future__ import annotations

import pytest

from knowledge.engine import CheckResult, assess


def check(result: object, indicator_id: str) -> CheckResult:
    for dimension in result.dimensions:  # type: ignore[attr-defined]
        for item in dimension.checks:
            if item.id == indicator_id:
                return item
    raise KeyError(indicator_id)


def test_growth_advice_names_next_years_output() -> None:
    # [40, 44, 48] grows 9.54 % a year; for the window (44, 48, X) to grow > 10 %, X > 44 × 1.21.
    result = assess("national-2022", {"output_value_yi": [40, 44, 48]})
    growth = check(result, "output_growth_pct")
    assert growth.status == "fail" and growth.derived
    assert growth.advice is not None and growth.advice.target == 53.24
    assert "明年产值需高于 53.24亿元" in growth.advice.action
    assert "增长 10.92%" in growth.advice.action  # 53.24 / 48 - 1
    assert growth.advice.lever == "《暂行办法》第六条（一）"
    assert "《暂行办法》第六条（一）“提升集群主导产业优势”" in growth.to_json()["advice"]


def test_growth_target_respects_the_output_floor() -> None:
    # 20 × 1.21 = 24.2 would lift the growth, but each year must also reach 40 亿元.
    result = assess("national-2022", {"output_value_yi": [30, 20, 30]})
    growth = check(result, "output_growth_pct")
    assert growth.advice is not None and growth.advice.target == 40
    assert "同时满足每年不低于 40亿元" in growth.advice.action


def test_output_series_advice_counts_the_years_needed() -> None:
    result = assess("national-2022", {"output_value_yi": [35, 42, 38]})
    output = check(result, "output_value_yi")
    assert output.advice is not None and output.advice.target == 40
    assert "明年产值需不低于 40亿元" in output.advice.action
    assert "增加 2 亿元" in output.advice.action and "连续 3 年" in output.advice.action
    only_first = check(assess("national-2022", {"output_value_yi": [35, 42, 45]}),
                       "output_value_yi")
    assert only_first.advice is not None and "连续 1 年" in only_first.advice.action


def test_share_advice_in_the_users_own_output() -> None:
    result = assess("national-2022",
                    {"output_value_yi": [45, 48, 52], "sme_output_share_pct": 65})
    share = check(result, "sme_output_share_pct")
    assert share.advice is not None and share.advice.target == 70
    assert "差 5 个百分点" in share.advice.action
    assert "按最近一年产值 52 亿元计，中小企业产值需不低于 36.4 亿元" in share.advice.action
    assert "目前约 33.8 亿元" in share.advice.action


def test_either_or_is_said_and_advice_offers_both_routes() -> None:
    result = assess("national-2022",
                    {"champion_or_little_giant_count": 0, "specialized_sme_count": 4})
    dimension = result.dimensions[1]
    assert dimension.either_or_note is not None and "二者满足其一即可" in dimension.either_or_note
    champion = check(result, "champion_or_little_giant_count")
    assert champion.advice is not None
    assert "再增加 1 家单项冠军或专精特新“小巨人”企业" in champion.advice.action
    assert "或再增加 6 家专精特新中小企业" in champion.advice.action
    # A dimension without a pair has no note.
    assert result.dimensions[0].either_or_note is None


def test_either_or_pass_carries_no_advice() -> None:
    result = assess("national-2022",
                    {"champion_or_little_giant_count": 2, "specialized_sme_count": 4})
    assert check(result, "specialized_sme_count").status == "pass"
    assert check(result, "specialized_sme_count").advice is None


def test_uncertain_and_unanswered_are_told_apart() -> None:
    result = assess("national-2022", {"pillar_industry": None})
    uncertain, unanswered = check(result, "pillar_industry"), check(result, "leading_position")
    assert (uncertain.status, uncertain.unknown_reason) == ("unknown", "uncertain")
    assert (unanswered.status, unanswered.unknown_reason) == ("unknown", "unanswered")
    assert uncertain.message.startswith("不确定：")
    assert unanswered.message.startswith("未回答：")
    assert uncertain.to_json()["unknown_reason"] == "uncertain"
    assert uncertain.advice is not None and "不确定" in uncertain.advice.action
    # Unknowns get the evidence to gather.
    assert unanswered.advice is not None
    assert unanswered.advice.evidence and unanswered.advice.evidence in unanswered.advice.action
    assert result.gates[0].unknown_reason == "unanswered"
    assert "unknown_reason" not in check(assess("national-2022", {"pillar_industry": True}),
                                         "pillar_industry").to_json()


def test_growth_unknown_asks_for_the_outputs() -> None:
    growth = check(assess("national-2022", {}), "output_growth_pct")
    assert growth.advice is not None and "近三年集群年产值" in growth.advice.action


def test_every_failing_or_unknown_check_has_advice_and_passes_have_none() -> None:
    answers = {"green_transition": False, "area_km2": 150, "output_value_yi": [50, 60, 70],
               "rd_growth_pct": 3}
    for lang in ("zh", "en"):
        result = assess("national-2022", answers, lang=lang)
        for dimension in result.dimensions:
            for item in dimension.checks:
                assert (item.advice is not None) == (item.status in ("fail", "warn", "unknown"))
    area = check(assess("national-2022", answers), "area_km2")
    assert area.status == "warn" and area.advice is not None and "50平方公里" in area.advice.action


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_gate_advice_has_no_article_6_lever(lang: str) -> None:
    result = assess("national-2022", {"within_county": False}, lang=lang)
    gate = result.gates[1]
    assert gate.status == "fail" and gate.advice is not None and gate.advice.lever is None
    assert ("第二条" if lang == "zh" else "Art. 2") in gate.advice.action


def test_english_advice() -> None:
    result = assess("national-2022", {"output_value_yi": [40, 44, 48]}, lang="en")
    growth = check(result, "output_growth_pct")
    assert growth.advice is not None
    assert "next year's output must be above 53.24" in growth.advice.action
    assert "Measures, Art. 6 （一）" in growth.to_json()["advice"]


def test_dimension_index_and_assessed() -> None:
    result = assess("national-2022", {"output_value_yi": [40, 44, 48]})
    assert [d.index for d in result.dimensions] == list(range(1, 9))
    assert result.dimensions[0].assessed and not result.dimensions[2].assessed


def test_province_note() -> None:
    result = assess("national-2022", {}, province="江苏")
    assert result.province_note is not None and "适用国家标准" in result.province_note
    assert assess("national-2022", {}).province_note is None
