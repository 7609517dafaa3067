"""Implausible values of the right kind: flagged with the reading the bot would take, assessed
as given (CONTRACTS.md "warnings")."""

from __future__ import annotations

import pytest

from knowledge.engine import (
    AssessmentInputError,
    PlausibilityWarning,
    assess,
    check_plausibility,
)


def test_yuan_sized_output_suggests_yi() -> None:
    warning = check_plausibility(
        "national-2022", "output_value_yi", [4_500_000_000, 4_800_000_000, 5_200_000_000], {}
    )
    assert isinstance(warning, PlausibilityWarning)
    assert warning.indicator == "output_value_yi" and warning.kind == "yuan"
    assert warning.suggested == [45, 48, 52]
    assert "元" in warning.message and "45, 48, 52 亿元" in warning.message
    assert warning.question() == "您是指 45, 48, 52 亿元吗？"
    english = check_plausibility(
        "national-2022", "output_value_yi", [4.5e9, 4.8e9, 5.2e9], {}, lang="en"
    )
    assert english is not None and "yuan" in english.message
    assert english.question("en") == "Did you mean 45, 48, 52 × 100M yuan?"


def test_wan_yuan_sized_output_suggests_yi() -> None:
    warning = check_plausibility("national-2022", "output_value_yi", [450_000, 480_000, 52], {})
    assert warning is not None and warning.kind == "wan_yuan"
    # Only the figures typed in the smaller unit are converted; 52 was plausible as typed.
    assert warning.suggested == [45, 48, 52]


@pytest.mark.parametrize("value", [[40, 10_000, 52], [0, 1, 2], [9_999.5, 40, 41]])
def test_plausible_outputs_pass(value: list[float]) -> None:
    assert check_plausibility("national-2022", "output_value_yi", value, {}) is None


def test_share_as_a_fraction_suggests_percent() -> None:
    warning = check_plausibility("national-2022", "sme_output_share_pct", 0.72, {})
    assert warning is not None and warning.kind == "fraction"
    assert warning.suggested == 72 and warning.suggested_text == "72%"
    assert warning.question() == "您是指 72%吗？"


def test_share_above_100_has_no_reading_to_suggest() -> None:
    warning = check_plausibility("yunnan-2023", "leading_industry_share_pct", 130, {})
    assert warning is not None and warning.kind == "share_over_100"
    assert warning.suggested is None and "100%" in warning.message
    assert warning.question() == warning.message  # nothing to confirm: the chat re-asks


@pytest.mark.parametrize("value", [0, 1, 72, 100])
def test_plausible_shares_pass(value: float) -> None:
    assert check_plausibility("national-2022", "sme_output_share_pct", value, {}) is None


def test_growth_contradicting_the_outputs_suggests_the_derived_rate() -> None:
    answers = {"output_value_yi": [45, 48, 52]}
    warning = check_plausibility("national-2022", "output_growth_pct", 2.8, answers)
    assert warning is not None and warning.kind == "growth_contradiction"
    assert warning.suggested == 7.5  # (52 / 45) ** 0.5 - 1 = 7.497 %
    assert "7.5%" in warning.message and "2.8%" in warning.message
    # Within one point of the derived rate, a typed rate is fine (rounding, base years).
    assert check_plausibility("national-2022", "output_growth_pct", 8.4, answers) is None
    assert check_plausibility("national-2022", "output_growth_pct", 6.5, answers) is None
    # The ratio is the same whatever unit the outputs were typed in.
    yuan = {"output_value_yi": [4.5e9, 4.8e9, 5.2e9]}
    assert check_plausibility("national-2022", "output_growth_pct", 2.8, yuan) is not None
    # No outputs: nothing to contradict.
    assert check_plausibility("national-2022", "output_growth_pct", 2.8, {}) is None


def test_yes_no_and_unknown_values_are_never_flagged() -> None:
    assert check_plausibility("national-2022", "pillar_industry", True, {}) is None
    assert check_plausibility("national-2022", "sme_output_share_pct", None, {}) is None


def test_assess_lists_warnings_and_judges_values_as_given() -> None:
    answers = {
        "output_value_yi": [4_500_000_000, 4_800_000_000, 5_200_000_000],
        "sme_output_share_pct": 0.72,
        "output_growth_pct": 2.8,
        "leading_industry_share_pct": 130,
    }
    result = assess("national-2022", answers)
    assert [w.indicator for w in result.warnings] == [
        "output_value_yi", "sme_output_share_pct", "leading_industry_share_pct",
        "output_growth_pct",
    ]
    payload = result.to_json()
    assert payload["warnings"][1] == {
        "indicator": "sme_output_share_pct", "value": 0.72,
        "message": result.warnings[1].message, "suggested": 72,
    }
    checks = {c["id"]: c for c in payload["dimensions"][0]["checks"]}
    assert checks["sme_output_share_pct"]["status"] == "fail"  # 0.72 % as given
    assert checks["leading_industry_share_pct"]["status"] == "pass"  # 130 % as given
    assert checks["output_value_yi"]["status"] == "pass"


def test_a_negative_share_is_still_an_error() -> None:
    with pytest.raises(AssessmentInputError) as info:
        assess("national-2022", {"sme_output_share_pct": -1})
    assert info.value.field == "sme_output_share_pct"


def test_english_warning() -> None:
    result = assess("national-2022", {"sme_output_share_pct": 0.72}, lang="en")
    assert "fraction" in result.warnings[0].message and "72%" in result.warnings[0].message
