"""Cross-field rules of a criteria edition file that pydantic cannot express alone: duplicate
ids, a threshold without a comparison, all eight dimensions present and in order, either/or
symmetric. Each problem raises `KnowledgeDataError` naming the file and the field."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from knowledge.errors import KnowledgeDataError

if TYPE_CHECKING:
    from knowledge.criteria import CriteriaEdition, Indicator

# The criteria's structure is fixed by MIIT: every edition (national or provincial) judges the
# same gate and the same eight dimensions, only the figures differ. Fixing the ids here lets an
# edition file that drops a dimension fail loudly instead of silently assessing less.
DIMENSION_IDS: tuple[str, ...] = (
    "core_competitiveness",
    "quality_sme_cultivation",
    "supply_chain_collaboration",
    "collaborative_innovation",
    "digital_transformation",
    "green_development",
    "open_cooperation",
    "governance_services",
)
DIMENSION_NUMBERS: tuple[str, ...] = ("一", "二", "三", "四", "五", "六", "七", "八")
GATE_IDS: tuple[str, ...] = ("no_major_incidents", "within_county")


def check_indicator(path: Path, field: str, indicator: Indicator) -> None:
    def fail(name: str, message: str) -> None:
        raise KnowledgeDataError(path, f"{field}.{name}", message)

    has_comparison = indicator.comparison is not None
    has_threshold = indicator.threshold is not None
    if has_threshold and not has_comparison:
        fail("comparison", "a threshold needs a comparison (>=, > or <=)")
    if has_comparison and not has_threshold:
        fail("threshold", "a comparison needs a threshold")
    if indicator.kind == "bool":
        if has_comparison:
            fail("comparison", "a yes/no indicator takes no comparison")
        if not indicator.required and not indicator.info:
            fail("required", "a yes/no indicator is either required or info")
    else:
        if indicator.required:
            fail("required", "only yes/no indicators are 'required'")
        if indicator.info and has_comparison:
            fail("info", "an info indicator has no threshold to judge by")
        if not indicator.info and not has_comparison:
            fail("comparison", "a figure needs a comparison and threshold, or info: true")
    if indicator.soft and indicator.comparison != "<=":
        fail("soft", "only a '<=' limit can be soft (一般不超过)")
    if indicator.kind == "yearly_series":
        if indicator.years != 3:
            fail("years", "a yearly series covers exactly 3 years")
    elif indicator.years is not None:
        fail("years", "only a yearly_series has years")


def check_consistency(path: Path, edition: CriteriaEdition) -> None:
    if edition.id != path.stem:
        raise KnowledgeDataError(path, "id", f"{edition.id!r} must match the file name")

    gate_ids = tuple(indicator.id for indicator in edition.gate.indicators)
    if sorted(gate_ids) != sorted(GATE_IDS):
        raise KnowledgeDataError(path, "gate.indicators", f"the gate must be exactly {GATE_IDS}")
    for index, indicator in enumerate(edition.gate.indicators):
        field = f"gate.indicators[{index}]"
        if indicator.kind != "bool" or not indicator.required:
            raise KnowledgeDataError(path, f"{field}.kind", "gate indicators are required yes/no")

    dimension_ids = [dimension.id for dimension in edition.dimensions]
    for expected in DIMENSION_IDS:
        if expected not in dimension_ids:
            raise KnowledgeDataError(path, "dimensions", f"missing dimension {expected!r}")
    if len(dimension_ids) != len(DIMENSION_IDS) or tuple(dimension_ids) != DIMENSION_IDS:
        for index, dimension_id in enumerate(dimension_ids):
            if dimension_id not in DIMENSION_IDS:
                raise KnowledgeDataError(
                    path, f"dimensions[{index}].id", f"unknown dimension {dimension_id!r}"
                )
        raise KnowledgeDataError(
            path, "dimensions", f"dimensions must appear once each, in order: {DIMENSION_IDS}"
        )

    seen: dict[str, str] = {}
    for index, indicator in enumerate(edition.gate.indicators):
        seen[indicator.id] = f"gate.indicators[{index}]"
    for d_index, dimension in enumerate(edition.dimensions):
        d_field = f"dimensions[{d_index}]"
        if dimension.number != DIMENSION_NUMBERS[d_index]:
            raise KnowledgeDataError(
                path, f"{d_field}.number", f"expected {DIMENSION_NUMBERS[d_index]!r}"
            )
        own = {indicator.id for indicator in dimension.indicators}
        for i_index, indicator in enumerate(dimension.indicators):
            field = f"{d_field}.indicators[{i_index}]"
            if indicator.id in seen:
                other = seen[indicator.id]
                raise KnowledgeDataError(
                    path, f"{field}.id", f"duplicate id {indicator.id!r} (also {other})"
                )
            seen[indicator.id] = field
            check_indicator(path, field, indicator)
            if indicator.either_or is not None and indicator.either_or not in own:
                raise KnowledgeDataError(
                    path, f"{field}.either_or", f"{indicator.either_or!r} is not in this dimension"
                )
            if indicator.derive_from is not None and indicator.derive_from not in own:
                raise KnowledgeDataError(
                    path,
                    f"{field}.derive_from",
                    f"{indicator.derive_from!r} is not in this dimension",
                )
    # Either/or must be symmetric, or the engine would judge "A or B" differently from "B or A".
    for dimension in edition.dimensions:
        by_id = {indicator.id: indicator for indicator in dimension.indicators}
        for indicator in dimension.indicators:
            partner = by_id.get(indicator.either_or or "")
            if partner is not None and partner.either_or != indicator.id:
                raise KnowledgeDataError(
                    path,
                    f"{dimension.id}.{partner.id}.either_or",
                    f"must name {indicator.id!r} back (either/or is symmetric)",
                )


