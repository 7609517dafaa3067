"""The questionnaire without the chat: an edition's questions flattened into steps (modelled on
aiogram's examples/quiz_scene.py: a cursor over the questions), and reading a typed answer into
a value — or into what to tell the user instead.

Pure logic over knowledge/: the router asks, this module decides.
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers.assess.texts import t
from knowledge.criteria import CriteriaEdition, Indicator
from knowledge.editions import offered_editions
from knowledge.engine import (
    AssessmentInputError,
    PlausibilityWarning,
    check_plausibility,
    validate_answers,
)
from knowledge.numbers import NumberParseError, parse_number, parse_series

TOTAL_STEPS = 10  # 1 edition + 1 gate + 8 dimensions

_YES = {"是", "是的", "有", "对", "yes", "y", "true", "符合", "满足"}
_NO = {"否", "不是", "没有", "无", "no", "n", "false", "不符合", "不满足"}
_UNSURE = {"不确定", "不知道", "不清楚", "unsure", "not sure", "?", "？"}


@dataclass(frozen=True)
class Question:
    section: int  # 0 the gate, 1–8 the dimensions
    position: int  # 1-based within the section
    count: int  # questions in the section
    indicator: Indicator


def questions(edition: CriteriaEdition) -> list[Question]:
    """The edition's questions in order; the cursor `step` indexes this list and
    step == len(list) is the summary."""
    sections: list[tuple[Indicator, ...]] = [edition.gate.indicators]
    sections.extend(dimension.indicators for dimension in edition.dimensions)
    flat: list[Question] = []
    for index, indicators in enumerate(sections):
        for position, indicator in enumerate(indicators, start=1):
            flat.append(Question(index, position, len(indicators), indicator))
    return flat


def edition_by_id(edition_id: str) -> CriteriaEdition | None:
    for edition in offered_editions():
        if edition.id == edition_id:
            return edition
    return None


def section_title(edition: CriteriaEdition, section: int, lang: str) -> str:
    if section == 0:
        return edition.gate.name_en if lang == "en" else edition.gate.name
    dimension = edition.dimensions[section - 1]
    name = dimension.name_en if lang == "en" else dimension.name
    return f"{section}. {name}" if lang == "en" else f"{dimension.number}、{name}"


class Reask(Exception):
    """A typed answer that cannot be taken: `message` says why (already HTML-safe)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Reading:
    """A typed answer read into a value, with the plausibility warning (if any) to ask back."""

    value: object
    warning: PlausibilityWarning | None = None


def _range_message(indicator: Indicator, lang: str) -> str:
    if indicator.kind == "percent":
        return t("assess.reask.percent", lang)
    if indicator.kind == "count":
        return t("assess.reask.count", lang)
    return t("assess.reask.range", lang)


def read_answer(
    edition: CriteriaEdition,
    indicator: Indicator,
    text: str,
    lang: str,
    answers: dict[str, object] | None = None,
) -> Reading:
    """The value of a typed answer and whether to ask back before storing it; `Reask` with
    what to tell the user when it cannot be read or can be no answer at all (a share above
    100 has no reading to suggest: asked again). `answers` are the draft's answers so far (a
    growth rate is checked against the outputs)."""
    cleaned = text.strip()
    if indicator.kind == "bool":
        lowered = cleaned.lower().rstrip("。.!！")
        if lowered in _YES:
            return Reading(True)
        if lowered in _NO:
            return Reading(False)
        if lowered in _UNSURE:
            return Reading(None)
        raise Reask(t("assess.reask.bool", lang))
    try:
        if indicator.kind == "yearly_series":
            value: object = parse_series(cleaned, count=indicator.years or 3, unit=indicator.unit)
        else:
            value = parse_number(
                cleaned,
                unit=indicator.unit,
                integer=indicator.kind == "count",
                percent=indicator.unit == "%",
            )
    except NumberParseError as exc:
        from infra.rendering import escape

        raise Reask(escape(exc.message(lang))) from None
    try:
        validate_answers(edition, {indicator.id: value})
    except AssessmentInputError:
        raise Reask(_range_message(indicator, lang)) from None
    warning = check_plausibility(edition, indicator.id, value, answers or {}, lang=lang)
    if warning is not None and warning.suggested is None:
        raise Reask(_range_message(indicator, lang))
    return Reading(value, warning)
