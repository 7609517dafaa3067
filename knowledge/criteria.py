"""Criteria editions as data: the gate, eight dimensions and their indicators (CRITERIA.md).

One YAML file per edition in `knowledge/data/criteria/<edition>.yaml`; a new province is one more
file and no code change. Every file is validated with pydantic on load, plus cross-field rules
pydantic cannot express alone (duplicate ids, a threshold without a comparison, all eight
dimensions present, ...). Any problem raises `KnowledgeDataError` naming the file and the field.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from knowledge.datafile import read_yaml, validation_error
from knowledge.errors import KnowledgeDataError
from knowledge.models import Article, Document

CRITERIA_DIR = Path(__file__).parent / "data" / "criteria"

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

IndicatorKind = Literal["bool", "number", "count", "percent", "yearly_series"]
Comparison = Literal[">=", ">", "<="]
FigureStatus = Literal["confirmed", "not_bundled"]


def _tidy_prose(text: str) -> str:
    """Drop the spaces YAML's folded blocks (`>-`) leave at line breaks between Chinese words."""
    return re.sub(r"(?<=[^\x00-\x7f])\s+(?=[^\x00-\x7f])", "", text.strip())


Prose = Annotated[str, Field(min_length=1), AfterValidator(_tidy_prose)]


class _Strict(BaseModel):
    # extra="forbid": a misspelt key in a data file is an error, not a silently ignored field.
    model_config = ConfigDict(frozen=True, extra="forbid")


class Indicator(_Strict):
    """One thing the self-assessment asks about and the engine judges."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: IndicatorKind
    label: str = Field(min_length=1, description="Chinese label, e.g. 集群主导产业产值")
    label_en: str = Field(min_length=1)
    question: str = Field(min_length=1, description="How the chat asks it (Chinese)")
    question_en: str = Field(min_length=1)
    unit: str | None = Field(default=None, description="亿元, %, 平方公里, 家")
    unit_en: str | None = None
    comparison: Comparison | None = None
    threshold: float | None = None
    soft: bool = Field(default=False, description="一般不超过: exceeding warns, never fails")
    required: bool = Field(default=False, description="yes/no that must be yes")
    info: bool = Field(default=False, description="recorded only: the edition bundles no figure")
    either_or: str | None = Field(
        default=None, description="another indicator of the dimension; passing either suffices"
    )
    years: int | None = Field(default=None, description="yearly_series length (3)")
    derive_from: str | None = Field(
        default=None, description="derived from this yearly series when not answered"
    )
    minimum: float | None = Field(default=None, description="smallest valid value (input check)")

    @property
    def threshold_text(self) -> str | None:
        """ "> 70" — the CONTRACTS.md form of the threshold."""
        if self.comparison is None or self.threshold is None:
            return None
        return f"{self.comparison} {format_number(self.threshold)}"


class Dimension(_Strict):
    id: str
    number: str = Field(description="一 … 八")
    name: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    figures: FigureStatus
    basis: str | None = Field(
        default=None, description='"第六条（四）" where the prose follows the measures\' item'
    )
    advice_item: str = Field(pattern=r"^（[一二三四五六]）$", description="第六条's item to quote")
    text: Prose = Field(description="Chinese prose retrieval indexes and cites")
    indicators: tuple[Indicator, ...] = Field(min_length=1)


class Gate(_Strict):
    name: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    text: Prose
    indicators: tuple[Indicator, ...] = Field(min_length=1)


class CriteriaEdition(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str = Field(min_length=1)
    title_en: str = Field(min_length=1)
    short_name: str = Field(min_length=1, description="按钮上的名字: 全国（2022年版）")
    short_name_en: str = Field(min_length=1)
    label_prefix: str = Field(min_length=1, description='"认定标准" → labels 认定标准·一')
    level: Literal["national", "provincial"]
    source: str = Field(min_length=1)
    note: str = Field(min_length=1, description="Which figures are confirmed, which not bundled")
    gate: Gate
    dimensions: tuple[Dimension, ...]

    # -- lookups -------------------------------------------------------------------------------

    def indicators(self) -> Iterator[Indicator]:
        """Every indicator: the gate's first, then each dimension's, in file order."""
        yield from self.gate.indicators
        for dimension in self.dimensions:
            yield from dimension.indicators

    def indicator(self, indicator_id: str) -> Indicator:
        for indicator in self.indicators():
            if indicator.id == indicator_id:
                return indicator
        raise KeyError(indicator_id)

    def dimension(self, dimension_id: str) -> Dimension:
        for dimension in self.dimensions:
            if dimension.id == dimension_id:
                return dimension
        raise KeyError(dimension_id)

    def label(self, ref: str) -> str:
        """The citation label people see: 认定标准·一 / 云南省认定标准·一 / 认定标准·基本条件."""
        return f"{self.label_prefix}·{self.gate.name if ref == 'gate' else ref}"

    def name(self, lang: str = "zh") -> str:
        return self.short_name_en if lang == "en" else self.short_name

    # -- the knowledge-base view ---------------------------------------------------------------

    def as_document(self) -> Document:
        """The edition as a citable document: refs `gate`, `一` … `八` (CONTRACTS.md)."""
        articles = [
            Article(
                ref="gate",
                heading=self.gate.name,
                text=_article_text(self.gate.text, self.gate.indicators),
                label=self.label("gate"),
            )
        ]
        for dimension in self.dimensions:
            articles.append(
                Article(
                    ref=dimension.number,
                    heading=dimension.name,
                    text=_article_text(dimension.text, dimension.indicators),
                    label=self.label(dimension.number),
                )
            )
        return Document(
            id=f"criteria-{self.id}",
            title=self.title,
            kind="criteria",
            source=self.source,
            articles=tuple(articles),
        )


# ------------------------------------------------------------------------------------------
# Text helpers


def format_number(value: float) -> str:
    """70.0 -> "70", 8.25 -> "8.25", 1.8000000000000007 -> "1.8" (two decimals at most)."""
    rounded = round(float(value), 2)
    if rounded == int(rounded):
        return str(int(rounded))
    return f"{rounded:.2f}".rstrip("0").rstrip(".")


_COMPARISON_ZH = {">=": "不低于", ">": "高于", "<=": "不超过"}


_COMPARISON_EN = {">=": "at least", ">": "above", "<=": "at most"}


def requirement_text(indicator: Indicator, lang: str = "zh") -> str | None:
    """The threshold in words for a person ("一般不超过100平方公里", "above 70%"); None when the
    edition bundles no figure. The symbolic form ("<= 100") is for the JSON output only."""
    if indicator.info or indicator.threshold is None or indicator.comparison is None:
        return None
    figure = format_number(indicator.threshold)
    if lang == "en":
        unit = indicator.unit_en or indicator.unit or ""
        amount = f"{figure}%" if unit == "%" else f"{figure} {unit}".rstrip()
        word = ("usually " if indicator.soft else "") + _COMPARISON_EN[indicator.comparison]
        each = " each year" if indicator.kind == "yearly_series" else ""
        return f"{word} {amount}{each}"
    word = "一般不超过" if indicator.soft else _COMPARISON_ZH[indicator.comparison]
    each = "每年" if indicator.kind == "yearly_series" else ""
    return f"{each}{word}{figure}{indicator.unit or ''}"


def describe_indicator(indicator: Indicator) -> str:
    """One line of Chinese stating the requirement, for the document text and the chat."""
    unit = indicator.unit or ""
    if indicator.kind == "bool":
        return f"{indicator.label}（须满足）" if indicator.required else indicator.label
    if indicator.info or indicator.threshold is None or indicator.comparison is None:
        return f"{indicator.label}（记录，本版未附具体数值）"
    word = _COMPARISON_ZH[indicator.comparison]
    if indicator.soft:
        word = "一般不超过"
    figure = f"{word}{format_number(indicator.threshold)}{unit}"
    if indicator.kind == "yearly_series":
        figure = f"近三年每年{figure}"
    line = f"{indicator.label}{figure}"
    if indicator.either_or:
        line += "（与另一项满足其一即可）"
    return line


def _article_text(prose: str, indicators: Sequence[Indicator]) -> str:
    lines = "；".join(describe_indicator(indicator) for indicator in indicators)
    return f"{prose.strip()}\n指标：{lines}。"


# ------------------------------------------------------------------------------------------
# Loading and validation


def _parse(path: Path) -> CriteriaEdition:
    raw: Any = read_yaml(path)
    if not isinstance(raw, dict):
        raise KnowledgeDataError(path, "(file)", "expected a mapping at the top level")
    try:
        edition = CriteriaEdition.model_validate(raw)
    except ValidationError as exc:
        raise validation_error(path, exc) from exc
    _check_consistency(path, edition)
    return edition


def _check_indicator(path: Path, field: str, indicator: Indicator) -> None:
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


def _check_consistency(path: Path, edition: CriteriaEdition) -> None:
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
            _check_indicator(path, field, indicator)
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


def load_edition_file(path: Path) -> CriteriaEdition:
    """Load and validate one edition file (any path: tests use temp files)."""
    return _parse(Path(path))


@lru_cache(maxsize=8)
def _load_dir(directory: Path) -> tuple[CriteriaEdition, ...]:
    files = sorted(p for p in directory.glob("*.yaml") if not p.name.startswith("."))
    return tuple(_parse(path) for path in files)


def list_editions(data_dir: Path | None = None) -> tuple[CriteriaEdition, ...]:
    """Every edition in the folder, sorted by id: a new province = one more file."""
    return _load_dir((data_dir or CRITERIA_DIR).resolve())


def load_edition(edition_id: str, data_dir: Path | None = None) -> CriteriaEdition:
    """The edition `edition_id`; `KeyError` (with the known ids) when there is none."""
    editions = list_editions(data_dir)
    for edition in editions:
        if edition.id == edition_id:
            return edition
    known = ", ".join(edition.id for edition in editions)
    raise UnknownEditionError(f"unknown criteria edition {edition_id!r} (known: {known})")


class UnknownEditionError(KeyError):
    """No edition with that id."""

    def __str__(self) -> str:  # KeyError quotes its message; show it plainly.
        return str(self.args[0]) if self.args else "unknown edition"
