"""Checking answers before judging them: a value of the wrong kind is an error naming the field.

A value of the right kind that is merely implausible (yuan where 亿元 is asked, 0.72 for 72 %, a
share above 100) is not refused here: `knowledge.engine.plausibility` flags it and the engine
assesses it as given (CONTRACTS.md).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from knowledge.criteria import (
    CriteriaEdition,
    Indicator,
    UnknownEditionError,
    format_number,
    load_edition,
)
from knowledge.engine.results import Value


class AssessmentInputError(ValueError):
    """An answer the engine cannot judge. `field` names the edition or indicator at fault."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


def is_number(value: object) -> bool:
    # bool is an int subclass in Python: a yes/no must never pass for a count.
    return isinstance(value, int | float) and not isinstance(value, bool)


def resolve_edition(edition: CriteriaEdition | str) -> CriteriaEdition:
    if isinstance(edition, CriteriaEdition):
        return edition
    try:
        return load_edition(edition)
    except UnknownEditionError as exc:
        raise AssessmentInputError("edition", str(exc)) from None


def validate_value(indicator: Indicator, value: object) -> Value:
    """Raise AssessmentInputError for a value of the wrong kind or out of range."""
    if value is None:
        return None
    field_id = indicator.id
    if indicator.kind == "bool":
        if not isinstance(value, bool):
            raise AssessmentInputError(field_id, f"expected yes/no (true/false), got {value!r}")
        return value
    if indicator.kind == "yearly_series":
        if not isinstance(value, Sequence) or isinstance(value, str | bytes):
            raise AssessmentInputError(field_id, f"expected a list of 3 numbers, got {value!r}")
        years = indicator.years or 3
        if len(value) != years:
            raise AssessmentInputError(
                field_id, f"expected exactly {years} yearly figures, got {len(value)}"
            )
        return [
            _validate_number(indicator, item, f"{field_id}[{index}]")
            for index, item in enumerate(value)
        ]
    return _validate_number(indicator, value, field_id)


def _validate_number(indicator: Indicator, value: object, field_id: str) -> int | float:
    if not is_number(value):
        raise AssessmentInputError(field_id, f"expected a number, got {value!r}")
    number = float(value)  # type: ignore[arg-type]
    if not math.isfinite(number):
        raise AssessmentInputError(field_id, "the number must be finite")
    if indicator.kind == "percent" and number < 0:
        # Above 100 is implausible (a plausibility warning); below 0 is no share at all.
        raise AssessmentInputError(field_id, f"a share cannot be negative, got {value}")
    if indicator.kind == "count":
        if number < 0:
            raise AssessmentInputError(field_id, f"a count cannot be negative, got {value}")
        if number != int(number):
            raise AssessmentInputError(field_id, f"a count must be a whole number, got {value}")
        return int(number)
    if indicator.minimum is not None and number < indicator.minimum:
        raise AssessmentInputError(
            field_id, f"must be at least {format_number(indicator.minimum)}, got {value}"
        )
    return value  # type: ignore[return-value]


def validate_answers(
    edition: CriteriaEdition | str, answers: Mapping[str, object]
) -> dict[str, Value]:
    """Check every answer against its indicator; returns them normalised (counts as int).

    A key present with the value None stays in the result: it means "不确定" (answered as not
    sure), which the result names apart from an indicator not answered at all."""
    resolved = resolve_edition(edition)
    known = {indicator.id: indicator for indicator in resolved.indicators()}
    clean: dict[str, Value] = {}
    for key, value in answers.items():
        indicator = known.get(str(key))
        if indicator is None:
            raise AssessmentInputError(
                str(key), f"unknown indicator for edition {resolved.id!r}"
            )
        clean[indicator.id] = validate_value(indicator, value)
    return clean
