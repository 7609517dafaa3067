"""Judging one indicator against its threshold, in words: the value, the threshold and the gap
("产值年均增速 8.2%，需高于 10%，差 1.8 个百分点"), and the either/or rule of dimension 二."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from knowledge.criteria import Dimension, Indicator, english_quantity, format_number
from knowledge.engine.results import CheckResult, CheckStatus, UnknownReason

_WORDS_ZH = {">=": "需不低于", ">": "需高于", "<=": "需不超过"}
_WORDS_EN = {">=": "must be at least", ">": "must be above", "<=": "must not exceed"}
_MET_ZH = {">=": "不低于", ">": "高于", "<=": "不超过"}
_MET_EN = {">=": "at least", ">": "above", "<=": "within"}


def quantity(indicator: Indicator, number: float, lang: str) -> str:
    if lang == "en":
        return english_quantity(number, indicator.unit_en or indicator.unit or "")
    return f"{format_number(number)}{indicator.unit or ''}"


def gap_amount(indicator: Indicator, amount: float, lang: str) -> str:
    text = format_number(amount)
    if indicator.unit == "%":
        return f"{text} percentage points" if lang == "en" else f"{text} 个百分点"
    if lang == "en":
        return english_quantity(amount, indicator.unit_en or indicator.unit or "")
    return f"{text} {indicator.unit or ''}".rstrip()


def label_of(indicator: Indicator, lang: str) -> str:
    return indicator.label_en if lang == "en" else indicator.label


def compare(comparison: str, value: float, threshold: float) -> bool:
    # Rounding to 6 decimals keeps derived figures (e.g. (48.4/40)^½ − 1 = 10%) from failing or
    # passing a boundary on floating-point noise.
    value = round(value, 6)
    if comparison == ">=":
        return value >= threshold
    if comparison == ">":
        return value > threshold
    return value <= threshold


def _shortfall(indicator: Indicator, value: float, lang: str, prefix: str) -> str:
    """ "产值年均增速 8.2%，需高于 10%，差 1.8 个百分点" (and the English form)."""
    assert indicator.comparison is not None and indicator.threshold is not None
    threshold = indicator.threshold
    shown = quantity(indicator, value, lang)
    limit = quantity(indicator, threshold, lang)
    amount = abs(threshold - value)
    if lang == "en":
        word = "should generally not exceed" if indicator.soft else _WORDS_EN[indicator.comparison]
        if indicator.comparison == "<=":
            return f"{prefix} {shown}, {word} {limit}: {gap_amount(indicator, amount, lang)} over"
        if indicator.comparison == ">" and math.isclose(value, threshold):
            return f"{prefix} {shown}, {word} {limit} (equal is not enough)"
        return f"{prefix} {shown}, {word} {limit}: {gap_amount(indicator, amount, lang)} short"
    word = "一般不超过" if indicator.soft else _WORDS_ZH[indicator.comparison]
    if indicator.comparison == "<=":
        return f"{prefix} {shown}，{word} {limit}，超出 {gap_amount(indicator, amount, lang)}"
    if indicator.comparison == ">" and math.isclose(value, threshold):
        return f"{prefix} {shown}，{word} {limit}（恰好等于不算达标）"
    return f"{prefix} {shown}，{word} {limit}，差 {gap_amount(indicator, amount, lang)}"


def _met(indicator: Indicator, value: float, lang: str, prefix: str) -> str:
    assert indicator.comparison is not None and indicator.threshold is not None
    shown = quantity(indicator, value, lang)
    limit = quantity(indicator, indicator.threshold, lang)
    if lang == "en":
        return f"{prefix} {shown}, {_MET_EN[indicator.comparison]} {limit}: met"
    return f"{prefix} {shown}，{_MET_ZH[indicator.comparison]} {limit}，达标"


def not_answered(label: str, lang: str, reason: UnknownReason) -> str:
    """ "未回答：…" or "不确定：…": an item answered as not sure is named as such."""
    if reason == "uncertain":
        return f"Not sure: {label}" if lang == "en" else f"不确定：{label}"
    return f"Not answered: {label}" if lang == "en" else f"未回答：{label}"


def judge_bool(
    indicator: Indicator, value: bool | None, lang: str, reason: UnknownReason = "unanswered"
) -> CheckResult:
    label = label_of(indicator, lang)
    if value is None:
        message = not_answered(label, lang, reason)
        return CheckResult(indicator.id, label, "unknown", None, None, None, False, message,
                           unknown_reason=reason, lang=lang)
    status: CheckStatus
    if value:
        status = "pass"
        message = f"Yes: {label}" if lang == "en" else f"满足：{label}"
        gap = None
    else:
        status = "fail" if indicator.required else "info"
        message = f"Not met: {label}" if lang == "en" else f"未满足：{label}"
        gap = message if status == "fail" else None
    return CheckResult(indicator.id, label, status, value, None, gap, False, message, lang=lang)


def judge_number(
    indicator: Indicator,
    value: int | float | None,
    lang: str,
    *,
    derived: bool = False,
    reason: UnknownReason = "unanswered",
) -> CheckResult:
    label = label_of(indicator, lang)
    note = ""
    if derived:
        note = " (derived from the three yearly outputs)" if lang == "en" else "（按三年产值推算）"
    threshold = indicator.threshold_text
    if value is None and indicator.info:
        # Nothing to judge it by, so leaving it out must not make the dimension unknown.
        message = not_answered(label, lang, reason) + (
            " (recorded only; it does not affect the verdict)"
            if lang == "en"
            else "（本版只作记录，不影响结论）"
        )
        return CheckResult(indicator.id, label, "info", None, None, None, derived, message,
                           lang=lang)
    if value is None:
        message = not_answered(label, lang, reason)
        return CheckResult(indicator.id, label, "unknown", None, threshold, None, derived, message,
                           unknown_reason=reason, lang=lang)
    if indicator.info or indicator.comparison is None or indicator.threshold is None:
        shown = quantity(indicator, value, lang)
        message = (
            f"{label} {shown}: recorded; this edition bundles no figure to judge it by"
            if lang == "en"
            else f"{label} {shown}：已记录，本版标准未附具体数值，不作判断"
        )
        return CheckResult(indicator.id, label, "info", value, None, None, derived, message,
                           lang=lang)
    if compare(indicator.comparison, value, indicator.threshold):
        message = _met(indicator, value, lang, label) + note
        return CheckResult(indicator.id, label, "pass", value, threshold, None, derived, message,
                           lang=lang)
    gap = _shortfall(indicator, value, lang, label) + note
    status: CheckStatus = "warn" if indicator.soft else "fail"
    return CheckResult(indicator.id, label, status, value, threshold, gap, derived, gap,
                       lang=lang)


def judge_series(
    indicator: Indicator,
    values: list[int | float] | None,
    lang: str,
    reason: UnknownReason = "unanswered",
) -> CheckResult:
    label = label_of(indicator, lang)
    threshold = indicator.threshold_text
    if values is None:
        message = not_answered(label, lang, reason)
        return CheckResult(indicator.id, label, "unknown", None, threshold, None, False, message,
                           unknown_reason=reason, lang=lang)
    assert indicator.comparison is not None and indicator.threshold is not None
    gaps: list[str] = []
    for index, value in enumerate(values, start=1):
        if not compare(indicator.comparison, value, indicator.threshold):
            prefix = f"{label}, year {index}," if lang == "en" else f"{label}第 {index} 年"
            gaps.append(_shortfall(indicator, value, lang, prefix))
    if not gaps:
        shown = ", ".join(quantity(indicator, value, lang) for value in values)
        limit = quantity(indicator, indicator.threshold, lang)
        message = (
            f"{label} {shown}: each year at least {limit}, met"
            if lang == "en"
            else f"{label} {shown}：每年不低于 {limit}，达标"
        )
        return CheckResult(indicator.id, label, "pass", values, threshold, None, False, message,
                           lang=lang)
    gap = "; ".join(gaps) if lang == "en" else "；".join(gaps)
    return CheckResult(indicator.id, label, "fail", values, threshold, gap, False, gap, lang=lang)


def derive_growth_pct(values: Sequence[float]) -> float | None:
    """Compound annual growth over the two intervals of three yearly outputs, in %.

    (v3 / v1)^(1/2) − 1; None when the first year is zero (no growth rate can be formed).
    """
    first, last = float(values[0]), float(values[-1])
    if first <= 0 or last < 0:
        return None
    intervals = len(values) - 1
    return round(((last / first) ** (1 / intervals) - 1) * 100, 6)


def either_or_note(dimension: Dimension, lang: str) -> str | None:
    """ "「A」与「B」二者满足其一即可" for a dimension with an either/or pair, else None."""
    for indicator in dimension.indicators:
        if indicator.either_or is None:
            continue
        partner = next(i for i in dimension.indicators if i.id == indicator.either_or)
        if lang == "en":
            return (f"Either “{indicator.label_en}” or “{partner.label_en}” suffices: "
                    "meeting one of the two is enough.")
        return f"“{indicator.label}”与“{partner.label}”二者满足其一即可。"
    return None


def apply_either_or(
    dimension: Dimension, checks: dict[str, CheckResult], lang: str
) -> dict[str, CheckResult]:
    """Two indicators where satisfying one is enough (≥1 champion OR ≥N specialised SMEs).

    Each member's reported status becomes the group's status (pass if either passes, else
    unknown if either is unknown, else fail), so a dimension's roll-up over its checks stays the
    plain rule of CRITERIA.md. The message says why a member's own figure did not decide.
    """
    result = dict(checks)
    done: set[str] = set()
    for indicator in dimension.indicators:
        partner_id = indicator.either_or
        if partner_id is None or indicator.id in done:
            continue
        members = (checks[indicator.id], checks[partner_id])
        done.update({indicator.id, partner_id})
        statuses = {member.status for member in members}
        group: CheckStatus = (
            "pass" if "pass" in statuses else "unknown" if "unknown" in statuses else "fail"
        )
        for member, other in (members, members[::-1]):
            if member.status == group:
                if group == "fail":
                    suffix = (
                        " (either condition suffices; neither is met)"
                        if lang == "en"
                        else "（二者满足其一即可，目前均未满足）"
                    )
                    result[member.id] = _replace(member, message=member.message + suffix)
                continue
            if group == "pass":
                message = (
                    f"{member.message}; but “{other.label}” is met, and either one suffices"
                    if lang == "en"
                    else f"{member.message}；但“{other.label}”已满足，二者满足其一即可"
                )
                result[member.id] = _replace(member, status="pass", gap=None, message=message)
            else:  # group unknown: this member failed, the other is not answered yet
                message = (
                    f"{member.message}; “{other.label}” is not answered yet and either one suffices"
                    if lang == "en"
                    else f"{member.message}；“{other.label}”尚未回答，二者满足其一即可"
                )
                result[member.id] = _replace(member, status="unknown", message=message)
    return result


def _replace(check: CheckResult, **changes: Any) -> CheckResult:
    return replace(check, **changes)
