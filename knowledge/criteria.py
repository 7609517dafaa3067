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

from knowledge.criteria_checks import (  # the fixed structure, re-exported from here too
    DIMENSION_IDS,
    DIMENSION_NUMBERS,
    GATE_IDS,
    check_consistency,
)
from knowledge.datafile import read_yaml, validation_error
from knowledge.errors import KnowledgeDataError
from knowledge.models import Article, Document

__all__ = [
    "CRITERIA_DIR", "DIMENSION_IDS", "DIMENSION_NUMBERS", "GATE_IDS", "CriteriaEdition",
    "Dimension", "Gate", "Indicator", "UnknownEditionError", "describe_indicator",
    "english_quantity", "format_number", "list_editions", "load_edition", "load_edition_file",
    "requirement_text",
]

CRITERIA_DIR = Path(__file__).parent / "data" / "criteria"

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
    evidence: str | None = Field(
        default=None, description="what to gather when the answer is unknown (Chinese)"
    )
    evidence_en: str | None = None

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
    province: str | None = Field(
        default=None, description="the province (full name) whose clusters this edition judges"
    )
    source: str = Field(min_length=1)
    note: str = Field(min_length=1, description="Which figures are confirmed, which not bundled")
    inherits: str | None = Field(
        default=None, description="set on load: the edition whose figures this one adopts"
    )
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


def english_quantity(number: float, unit: str) -> str:
    """A figure with its English unit, in agreement: "1 firm", "10 firms", "70%"."""
    if unit == "%":
        return f"{format_number(number)}%"
    if number == 1 and unit.endswith("s") and " " not in unit:
        unit = unit[:-1]
    return f"{format_number(number)} {unit}".rstrip()


def requirement_text(indicator: Indicator, lang: str = "zh") -> str | None:
    """The threshold in words for a person ("一般不超过100平方公里", "above 70%"); None when the
    edition bundles no figure. The symbolic form ("<= 100") is for the JSON output only."""
    if indicator.info or indicator.threshold is None or indicator.comparison is None:
        return None
    figure = format_number(indicator.threshold)
    if lang == "en":
        amount = english_quantity(indicator.threshold, indicator.unit_en or indicator.unit or "")
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


class _InheritingFile(_Strict):
    """An edition that adopts another edition's figures as they are (广东: "沿用国家标准").

    It names the edition it follows and says where that is stated; it copies no numbers, so a
    change to the national figures reaches it without an edit."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    inherits: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str = Field(min_length=1)
    title_en: str = Field(min_length=1)
    short_name: str = Field(min_length=1)
    short_name_en: str = Field(min_length=1)
    level: Literal["national", "provincial"]
    province: str | None = None
    source: str = Field(min_length=1)
    note: str = Field(min_length=1)


def _read(path: Path) -> dict[str, Any]:
    raw: Any = read_yaml(path)
    if not isinstance(raw, dict):
        raise KnowledgeDataError(path, "(file)", "expected a mapping at the top level")
    return raw


def _parse(path: Path, raw: dict[str, Any] | None = None) -> CriteriaEdition:
    raw = _read(path) if raw is None else raw
    if "inherits" in raw:
        raise KnowledgeDataError(
            path, "inherits", "an edition that inherits is loaded with its base (list_editions)"
        )
    try:
        edition = CriteriaEdition.model_validate(raw)
    except ValidationError as exc:
        raise validation_error(path, exc) from exc
    check_consistency(path, edition)
    return edition


def _inherit(path: Path, raw: dict[str, Any], bases: dict[str, CriteriaEdition]) -> CriteriaEdition:
    try:
        spec = _InheritingFile.model_validate(raw)
    except ValidationError as exc:
        raise validation_error(path, exc) from exc
    if spec.id != path.stem:
        raise KnowledgeDataError(path, "id", f"{spec.id!r} must match the file name")
    base = bases.get(spec.inherits)
    if base is None:
        known = ", ".join(sorted(bases)) or "none"
        raise KnowledgeDataError(
            path, "inherits", f"no edition {spec.inherits!r} with its own figures (known: {known})"
        )
    # The base's gate, dimensions and citation labels: its figures are the ones that apply.
    return base.model_copy(update=spec.model_dump())


def load_edition_file(path: Path) -> CriteriaEdition:
    """Load and validate one edition file with figures of its own (any path: tests use temp
    files). An inheriting file is loaded with its folder: `load_edition(id, folder)`."""
    return _parse(Path(path))


@lru_cache(maxsize=8)
def _load_dir(directory: Path) -> tuple[tuple[CriteriaEdition, ...], tuple[CriteriaEdition, ...]]:
    """(editions with their own figures, editions that inherit them), each sorted by id."""
    files = sorted(p for p in directory.glob("*.yaml") if not p.name.startswith("."))
    raws = [(path, _read(path)) for path in files]
    own = tuple(_parse(path, raw) for path, raw in raws if "inherits" not in raw)
    bases = {edition.id: edition for edition in own}
    inheriting = tuple(_inherit(path, raw, bases) for path, raw in raws if "inherits" in raw)
    return own, inheriting


def list_editions(
    data_dir: Path | None = None, *, include_inheriting: bool = False
) -> tuple[CriteriaEdition, ...]:
    """The editions in the folder, sorted by id: a new province = one more file.

    By default only editions with figures of their own: each is a citable document of the
    knowledge base, and an edition that adopts the national figures (广东) would only repeat
    that document. `include_inheriting=True` adds those, for choosing an edition to assess by.
    """
    own, inheriting = _load_dir((data_dir or CRITERIA_DIR).resolve())
    if not include_inheriting:
        return own
    return tuple(sorted(own + inheriting, key=lambda edition: edition.id))


def load_edition(edition_id: str, data_dir: Path | None = None) -> CriteriaEdition:
    """The edition `edition_id` (inheriting ones too); `UnknownEditionError` (a KeyError, with
    the known ids) when there is none."""
    editions = list_editions(data_dir, include_inheriting=True)
    for edition in editions:
        if edition.id == edition_id:
            return edition
    known = ", ".join(edition.id for edition in editions)
    raise UnknownEditionError(f"unknown criteria edition {edition_id!r} (known: {known})")


class UnknownEditionError(KeyError):
    """No edition with that id."""

    def __str__(self) -> str:  # KeyError quotes its message; show it plainly.
        return str(self.args[0]) if self.args else "unknown edition"
