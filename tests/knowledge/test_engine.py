"""The criteria engine against CRITERIA.md: every boundary of both editions, statuses, errors."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from knowledge.criteria import load_edition
from knowledge.engine import (
    Assessment,
    AssessmentInputError,
    CheckResult,
    assess,
    derive_growth_pct,
)

BOOLS = [
    "no_major_incidents", "within_county", "pillar_industry", "leading_position",
    "cultivation_ongoing", "chain_coordination", "shared_facilities", "key_link_support",
    "innovation_platforms", "standards_work", "digital_infrastructure", "production_data_linked",
    "green_transition", "international_cooperation", "public_services", "development_plan",
]


def passing(edition: str) -> dict[str, object]:
    """Answers that meet every requirement of `edition` with some margin."""
    answers: dict[str, object] = dict.fromkeys(BOOLS, True)
    answers.update(
        area_km2=50,
        output_value_yi=[50, 60, 70],
        sme_output_share_pct=80,
        leading_industry_share_pct=80,
        output_growth_pct=18,
        champion_or_little_giant_count=2,
        specialized_sme_count=20,
        rd_growth_pct=8,
        iiot_penetration_pct=20,
    )
    return answers


def check(result: Assessment, indicator_id: str) -> CheckResult:
    for dimension in result.dimensions:
        for item in dimension.checks:
            if item.id == indicator_id:
                return item
    raise AssertionError(indicator_id)


def dimension_status(result: Assessment, dimension_id: str) -> str:
    return next(d.status for d in result.dimensions if d.id == dimension_id)


@pytest.mark.parametrize("edition", ["national-2022", "yunnan-2023"])
def test_all_met_is_eligible(edition: str) -> None:
    result = assess(edition, passing(edition), with_advice=False)
    assert result.eligible is True
    assert {d.status for d in result.dimensions} == {"pass"}
    assert [(g.id, g.status) for g in result.gates] == [
        ("no_major_incidents", "pass"), ("within_county", "pass")
    ]


# (edition, indicator, value, expected check status): at, just below and just above each threshold.
BOUNDARIES = [
    # national-2022
    ("national-2022", "area_km2", 100, "pass"),
    ("national-2022", "area_km2", 99.9, "pass"),
    ("national-2022", "area_km2", 100.1, "warn"),
    ("national-2022", "output_value_yi", [40, 40, 40], "pass"),
    ("national-2022", "output_value_yi", [39.9, 60, 70], "fail"),
    ("national-2022", "output_value_yi", [50, 39.9, 70], "fail"),
    ("national-2022", "output_value_yi", [50, 60, 39.9], "fail"),
    ("national-2022", "output_value_yi", [40.1, 40.1, 40.1], "pass"),
    ("national-2022", "sme_output_share_pct", 70, "pass"),
    ("national-2022", "sme_output_share_pct", 69.9, "fail"),
    ("national-2022", "sme_output_share_pct", 70.1, "pass"),
    ("national-2022", "leading_industry_share_pct", 70, "fail"),
    ("national-2022", "leading_industry_share_pct", 69.9, "fail"),
    ("national-2022", "leading_industry_share_pct", 70.1, "pass"),
    ("national-2022", "output_growth_pct", 10, "fail"),
    ("national-2022", "output_growth_pct", 9.9, "fail"),
    ("national-2022", "output_growth_pct", 10.1, "pass"),
    ("national-2022", "rd_growth_pct", -50, "info"),
    ("national-2022", "iiot_penetration_pct", 0, "info"),
    # yunnan-2023
    ("yunnan-2023", "area_km2", 100, "pass"),
    ("yunnan-2023", "area_km2", 100.1, "warn"),
    ("yunnan-2023", "output_value_yi", [10, 10, 10], "pass"),
    ("yunnan-2023", "output_value_yi", [9.9, 20, 30], "fail"),
    ("yunnan-2023", "output_value_yi", [10.1, 10.1, 10.1], "pass"),
    ("yunnan-2023", "sme_output_share_pct", 50, "pass"),
    ("yunnan-2023", "sme_output_share_pct", 49.9, "fail"),
    ("yunnan-2023", "sme_output_share_pct", 50.1, "pass"),
    ("yunnan-2023", "leading_industry_share_pct", 60, "fail"),
    ("yunnan-2023", "leading_industry_share_pct", 59.9, "fail"),
    ("yunnan-2023", "leading_industry_share_pct", 60.1, "pass"),
    ("yunnan-2023", "output_growth_pct", 3, "fail"),
    ("yunnan-2023", "output_growth_pct", 2.9, "fail"),
    ("yunnan-2023", "output_growth_pct", 3.1, "pass"),
    ("yunnan-2023", "rd_growth_pct", 5, "fail"),
    ("yunnan-2023", "rd_growth_pct", 4.9, "fail"),
    ("yunnan-2023", "rd_growth_pct", 5.1, "pass"),
    ("yunnan-2023", "iiot_penetration_pct", 10, "pass"),
    ("yunnan-2023", "iiot_penetration_pct", 9.9, "fail"),
    ("yunnan-2023", "iiot_penetration_pct", 10.1, "pass"),
]


@pytest.mark.parametrize(("edition", "indicator", "value", "expected"), BOUNDARIES)
def test_boundary(edition: str, indicator: str, value: object, expected: str) -> None:
    answers = passing(edition)
    answers[indicator] = value
    result = assess(edition, answers, with_advice=False)
    item = check(result, indicator)
    assert item.status == expected
    # Warn and info never fail a dimension; a fail always does and makes the cluster ineligible.
    assert result.eligible is (expected != "fail")
    if expected in ("fail", "warn"):
        assert item.gap and item.threshold and item.gap == item.message
    else:
        assert item.gap is None


# (edition, champion count, specialised count, champion status, specialised status, dimension)
EITHER_OR = [
    ("national-2022", 1, 0, "pass", "pass", "pass"),
    ("national-2022", 0, 10, "pass", "pass", "pass"),
    ("national-2022", 0, 9, "fail", "fail", "fail"),
    ("national-2022", 0, 11, "pass", "pass", "pass"),
    ("national-2022", 0, None, "unknown", "unknown", "unknown"),
    ("national-2022", None, 9, "unknown", "unknown", "unknown"),
    ("national-2022", None, 10, "pass", "pass", "pass"),
    ("yunnan-2023", 0, 3, "pass", "pass", "pass"),
    ("yunnan-2023", 0, 2, "fail", "fail", "fail"),
    ("yunnan-2023", 1, 2, "pass", "pass", "pass"),
]


@pytest.mark.parametrize(("edition", "champions", "specialised", "c", "s", "dim"), EITHER_OR)
def test_either_or(
    edition: str, champions: int | None, specialised: int | None, c: str, s: str, dim: str
) -> None:
    answers = passing(edition)
    answers["champion_or_little_giant_count"] = champions
    answers["specialized_sme_count"] = specialised
    result = assess(edition, answers, with_advice=False)
    assert check(result, "champion_or_little_giant_count").status == c
    assert check(result, "specialized_sme_count").status == s
    assert dimension_status(result, "quality_sme_cultivation") == dim
    if champions == 0 and dim == "pass":
        assert "其一" in check(result, "champion_or_little_giant_count").message


def test_derived_growth_at_and_above_the_boundary() -> None:
    answers = passing("national-2022")
    del answers["output_growth_pct"]
    answers["output_value_yi"] = [40, 44, 48.4]  # exactly 10% a year: not "高于 10%"
    item = check(assess("national-2022", answers, with_advice=False), "output_growth_pct")
    assert (item.status, item.derived, item.value) == ("fail", True, 10)
    assert "推算" in item.message
    answers["output_value_yi"] = [40, 44, 48.5]
    item = check(assess("national-2022", answers, with_advice=False), "output_growth_pct")
    assert (item.status, item.derived) == ("pass", True)

    yunnan = passing("yunnan-2023")
    del yunnan["output_growth_pct"]
    yunnan["output_value_yi"] = [10, 10.3, 10.609]  # exactly 3%
    derived = check(assess("yunnan-2023", yunnan, with_advice=False), "output_growth_pct")
    assert derived.status == "fail"


def test_answered_growth_wins_over_derived() -> None:
    answers = passing("national-2022")
    answers["output_value_yi"] = [40, 40, 40]
    answers["output_growth_pct"] = 12
    item = check(assess("national-2022", answers, with_advice=False), "output_growth_pct")
    assert (item.status, item.derived, item.value) == ("pass", False, 12)


def test_derive_growth_formula() -> None:
    assert derive_growth_pct([100, 0, 121]) == pytest.approx(10)
    assert derive_growth_pct([0, 10, 20]) is None


def test_gap_in_words_zh_and_en() -> None:
    answers = passing("national-2022")
    answers["output_growth_pct"] = 8.2
    answers["specialized_sme_count"] = 5
    answers["champion_or_little_giant_count"] = 0
    answers["area_km2"] = 120
    result = assess("national-2022", answers, with_advice=False)
    growth = check(result, "output_growth_pct").gap
    assert growth == "产值年均增速 8.2%，需高于 10%，差 1.8 个百分点"
    assert check(result, "specialized_sme_count").gap.startswith(  # type: ignore[union-attr]
        "专精特新中小企业、创新型中小企业和国家级高新技术企业数 5家，需不低于 10家，差 5 家"
    )
    assert check(result, "area_km2").gap == (
        "集群占地面积 120平方公里，一般不超过 100平方公里，超出 20 平方公里"
    )
    english = assess("national-2022", answers, lang="en", with_advice=False)
    assert check(english, "output_growth_pct").gap == (
        "Average annual output growth 8.2%, must be above 10%: 1.8 percentage points short"
    )
    answers["leading_industry_share_pct"] = 70
    equal = assess("national-2022", answers, with_advice=False)
    assert "恰好等于不算达标" in check(equal, "leading_industry_share_pct").gap  # type: ignore[operator]


def test_statuses_and_eligibility() -> None:
    answers = passing("national-2022")
    del answers["standards_work"]
    result = assess("national-2022", answers, with_advice=False)
    assert check(result, "standards_work").status == "unknown"
    assert dimension_status(result, "collaborative_innovation") == "unknown"
    assert result.eligible is None

    answers["green_transition"] = False
    result = assess("national-2022", answers, with_advice=False)
    assert dimension_status(result, "green_development") == "fail"
    assert result.eligible is False  # a fail beats an unknown

    gate_fail = passing("national-2022")
    gate_fail["within_county"] = False
    result = assess("national-2022", gate_fail, with_advice=False)
    assert [g.status for g in result.gates] == ["pass", "fail"]
    assert {d.status for d in result.dimensions} == {"pass"}
    assert result.eligible is False

    gate_unknown = passing("national-2022")
    gate_unknown["no_major_incidents"] = None
    result = assess("national-2022", gate_unknown, with_advice=False)
    assert result.gates[0].status == "unknown" and result.eligible is None

    empty = assess("yunnan-2023", {}, with_advice=False)
    assert empty.eligible is None
    assert {d.status for d in empty.dimensions} == {"unknown"}


def test_info_indicators_never_decide() -> None:
    answers = passing("national-2022")
    del answers["rd_growth_pct"], answers["iiot_penetration_pct"]
    result = assess("national-2022", answers, with_advice=False)
    assert check(result, "rd_growth_pct").status == "info"
    assert check(result, "iiot_penetration_pct").status == "info"
    assert result.eligible is True
    # In Yunnan the same indicators carry figures: unanswered, they are unknown.
    yunnan = passing("yunnan-2023")
    del yunnan["rd_growth_pct"]
    result = assess("yunnan-2023", yunnan, with_advice=False)
    assert check(result, "rd_growth_pct").status == "unknown" and result.eligible is None


def test_json_shape() -> None:
    answers = passing("national-2022")
    answers["leading_industry_share_pct"] = 70
    payload = assess("national-2022", answers).to_json()
    assert set(payload) == {"edition", "eligible", "gates", "dimensions", "warnings"}
    assert payload["warnings"] == []  # always present (CONTRACTS.md)
    assert payload["edition"] == "national-2022" and payload["eligible"] is False
    assert payload["gates"][0] == {"id": "no_major_incidents", "status": "pass"}
    first = payload["dimensions"][0]
    assert set(first) == {"id", "name", "status", "checks"}
    assert (first["id"], first["name"], first["status"]) == (
        "core_competitiveness", "具有较强核心竞争力", "fail"
    )
    share = next(c for c in first["checks"] if c["id"] == "leading_industry_share_pct")
    assert set(share) == {
        "id", "status", "value", "threshold", "gap", "derived", "message", "advice"
    }
    assert "70%" in share["advice"] and "《暂行办法》第六条（一）" in share["advice"]
    assert (share["status"], share["value"], share["threshold"]) == ("fail", 70, "> 70")


# -- errors -------------------------------------------------------------------------------


ERRORS = [
    ("guangxi-2099", {}, "edition"),
    ("national-2022", {"colour": 1}, "colour"),
    ("national-2022", {"area_km2": True}, "area_km2"),
    ("national-2022", {"area_km2": "45"}, "area_km2"),
    ("national-2022", {"pillar_industry": 1}, "pillar_industry"),
    ("national-2022", {"pillar_industry": "yes-ish"}, "pillar_industry"),
    ("national-2022", {"leading_industry_share_pct": -1}, "leading_industry_share_pct"),
    ("national-2022", {"specialized_sme_count": -1}, "specialized_sme_count"),
    ("national-2022", {"specialized_sme_count": 2.5}, "specialized_sme_count"),
    ("national-2022", {"output_value_yi": [40, 50]}, "output_value_yi"),
    ("national-2022", {"output_value_yi": [40, 50, 60, 70]}, "output_value_yi"),
    ("national-2022", {"output_value_yi": 40}, "output_value_yi"),
    ("national-2022", {"output_value_yi": [40, "x", 60]}, "output_value_yi[1]"),
    ("national-2022", {"area_km2": -3}, "area_km2"),
    ("yunnan-2023", {"iiot_penetration_pct": -0.5}, "iiot_penetration_pct"),
]


@pytest.mark.parametrize(("edition", "answers", "field"), ERRORS)
def test_input_errors_name_the_field(edition: str, answers: dict[str, object], field: str) -> None:
    with pytest.raises(AssessmentInputError) as info:
        assess(edition, answers)
    assert info.value.field == field


def test_edition_object_is_accepted() -> None:
    edition = load_edition("yunnan-2023")
    assert assess(edition, passing("yunnan-2023"), with_advice=False).edition_id == "yunnan-2023"


# -- advice and next step -------------------------------------------------------------------


@dataclass
class _Item:
    text: str


class _FakeKb:
    def __init__(self) -> None:
        self.asked: list[tuple[str, str, str | None]] = []

    def article(self, doc_id: str, ref: str, item: str | None = None) -> _Item:
        self.asked.append((doc_id, ref, item))
        if item == "（五）":
            raise KeyError(item)  # an item the source lacks: advice without a quote
        return _Item(text=f"TEXT {item}")


def test_advice_quotes_the_matching_item() -> None:
    answers = passing("national-2022")
    answers["green_transition"] = False
    answers["international_cooperation"] = False
    kb = _FakeKb()
    result = assess("national-2022", answers, kb=kb)  # type: ignore[arg-type]
    assert [a.dimension_id for a in result.advice] == ["green_development", "open_cooperation"]
    green, open_ = result.advice
    assert (green.label, green.heading, green.quote) == (
        "《暂行办法》第六条（四）", "加快集群绿色低碳转型", "TEXT （四）"
    )
    assert open_.quote is None and open_.label == "《暂行办法》第六条（五）"
    assert ("measures-2022", "第六条", "（四）") in kb.asked


def test_advice_from_the_real_knowledge_base() -> None:
    answers = passing("national-2022")
    answers["green_transition"] = False
    (advice,) = assess("national-2022", answers).advice
    assert advice.quote is not None and "清洁能源" in advice.quote


def test_next_step_names_the_county_authority() -> None:
    for eligible_answers in (passing("national-2022"), {}):
        result = assess("national-2022", eligible_answers, with_advice=False)
        assert "县级行政区划中小企业主管部门" in result.next_step
        assert "不是单个企业" in result.next_step
    english = assess("yunnan-2023", {}, lang="en", with_advice=False)
    assert "county-level SME authority" in english.next_step
    assert "province" in english.next_step
