"""`assess(edition, answers)`: every gate and indicator of an edition judged, with advice tied to
each gap and the plausibility warnings of the answers (CRITERIA.md, CONTRACTS.md)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from knowledge.criteria import CriteriaEdition, Dimension, Indicator
from knowledge.engine.advice import indicator_advice
from knowledge.engine.inputs import resolve_edition, validate_answers
from knowledge.engine.judging import (
    apply_either_or,
    derive_growth_pct,
    either_or_note,
    judge_bool,
    judge_number,
    judge_series,
)
from knowledge.engine.plausibility import plausibility_warnings
from knowledge.engine.policy import dimension_advice, next_step_text
from knowledge.engine.results import (
    Advice,
    Assessment,
    CheckResult,
    DimensionResult,
    GateResult,
    Status,
    UnknownReason,
    Value,
)

if TYPE_CHECKING:
    from knowledge.kb import KnowledgeBase


def _roll_up(statuses: Sequence[str]) -> Status:
    if "fail" in statuses:
        return "fail"
    if "unknown" in statuses:
        return "unknown"
    return "pass"


def _reason(indicator: Indicator, values: Mapping[str, Value]) -> UnknownReason:
    # A key present with None is an answer of "不确定"; a missing key was never answered.
    return "uncertain" if indicator.id in values else "unanswered"


def _judge(indicator: Indicator, values: Mapping[str, Value], lang: str) -> CheckResult:
    value = values.get(indicator.id)
    reason = _reason(indicator, values)
    if indicator.kind == "bool":
        return judge_bool(indicator, value, lang, reason)  # type: ignore[arg-type]
    if indicator.kind == "yearly_series":
        return judge_series(indicator, value, lang, reason)  # type: ignore[arg-type]
    if value is None and indicator.derive_from is not None:
        series = values.get(indicator.derive_from)
        if isinstance(series, list):
            derived = derive_growth_pct(series)
            if derived is not None:
                return judge_number(indicator, round(derived, 4), lang, derived=True)
    return judge_number(indicator, value, lang, reason=reason)  # type: ignore[arg-type]


def _with_advice(
    edition: CriteriaEdition, dimension: Dimension | None, indicator: Indicator,
    check: CheckResult, values: Mapping[str, Value], lang: str,
) -> CheckResult:
    from dataclasses import replace

    advice = indicator_advice(edition, dimension, indicator, check, values, lang)
    return replace(check, advice=advice) if advice is not None else check


def assess(
    edition: CriteriaEdition | str,
    answers: Mapping[str, object],
    *,
    lang: str = "zh",
    kb: KnowledgeBase | None = None,
    with_advice: bool = True,
    province: str | None = None,
) -> Assessment:
    """Judge `answers` (indicator id -> value; missing means not answered, None means "不确定")
    against `edition`.

    `kb` supplies 第六条's item texts for the dimension advice (default: the packaged knowledge
    base); `with_advice=False` skips those quotes (per-indicator advice is always computed: it
    needs no knowledge base). `province` (a name the user gave) adds a note saying which
    edition applies there. Implausible values of the right kind are assessed as given and
    listed in `warnings`. Raises AssessmentInputError naming the field for an unknown edition
    or indicator, a value of the wrong kind, a negative share or count, or not exactly three
    yearly outputs.
    """
    resolved = resolve_edition(edition)
    values = validate_answers(resolved, answers)

    gates = []
    for indicator in resolved.gate.indicators:
        check = _with_advice(resolved, None, indicator, _judge(indicator, values, lang), values,
                             lang)
        status: Status = check.status if check.status in ("pass", "fail") else "unknown"  # type: ignore[assignment]
        gates.append(GateResult(indicator.id, check.label, status, check.message,
                                check.unknown_reason, check.advice))

    dimensions = []
    for dimension in resolved.dimensions:
        checks = {indicator.id: _judge(indicator, values, lang)
                  for indicator in dimension.indicators}
        checks = apply_either_or(dimension, checks, lang)
        ordered = tuple(
            _with_advice(resolved, dimension, indicator, checks[indicator.id], values, lang)
            for indicator in dimension.indicators
        )
        name = dimension.name_en if lang == "en" else dimension.name
        dimensions.append(
            DimensionResult(
                dimension.id,
                dimension.number,
                name,
                _roll_up([check.status for check in ordered]),
                ordered,
                either_or_note(dimension, lang),
            )
        )

    statuses = [gate.status for gate in gates] + [d.status for d in dimensions]
    eligible: bool | None
    if "fail" in statuses:
        eligible = False
    elif "unknown" in statuses:
        eligible = None
    else:
        eligible = True

    advice: tuple[Advice, ...] = ()
    if with_advice:
        advice = tuple(
            dimension_advice(resolved.dimension(result.id), result.name, lang, kb)
            for result in dimensions
            if result.status == "fail"
        )
    next_step, source = next_step_text(resolved, eligible, lang)
    province_note = None
    if province:
        from knowledge.editions import edition_for_province

        province_note = edition_for_province(province, lang=lang)[1]
    return Assessment(
        edition_id=resolved.id,
        edition_name=resolved.name(lang),
        lang=lang,
        eligible=eligible,
        gates=tuple(gates),
        dimensions=tuple(dimensions),
        advice=advice,
        next_step=next_step,
        next_step_source=source,
        warnings=plausibility_warnings(resolved, values, lang=lang),
        province_note=province_note,
    )
