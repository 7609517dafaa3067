"""Typed facts: the yearly rounds, batches, validity windows, the annual report and the
provincial editions, as records the bot can compute with and say "not recorded" about.

The records live beside the prose of the fact sheets (knowledge/data/facts/*.yaml, `records:`
under an article), so each one is cited with that article's source label
(公开报道（工信厅企业函〔2023〕44号）), never as a numbered article of the measures. A field the
sources do not give is `null` in the file and `None` here: explicitly unknown, never guessed
(OpenFisca's lesson: a parameter carries its date and source; another date's value is never
silently substituted).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from knowledge.datafile import field_path
from knowledge.errors import KnowledgeDataError


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Round(_Record):
    """One yearly recommendation round run by MIIT's General Office."""

    type: Literal["round"]
    year: int = Field(ge=2000, le=2100)
    notice: str | None = Field(description="工信厅企业函〔2023〕44号; None: not recorded")
    notice_date: date | None
    quota_province: int | None = Field(ge=1, description="per province / region / municipality")
    quota_separate: int | None = Field(ge=1, description="per 计划单列市 and 兵团")
    deadline: date | None = Field(description="provinces submit to MIIT by; None: not recorded")


class Batch(_Record):
    """The clusters recognised in one year's round."""

    type: Literal["batch"]
    year: int = Field(ge=2000, le=2100)
    ordinal: int = Field(ge=1, description="第一批 = 1")
    count: int | None = Field(ge=1)
    list_published: date | None
    valid_from: date
    valid_until: date


class ValidityRule(_Record):
    """A batch of year Y is valid from Y+1-01-01 to Y+years-12-31 (第十五条)."""

    type: Literal["validity_rule"]
    years: int = Field(ge=1)
    renewal_years: int = Field(ge=1)


class RenewalReview(_Record):
    type: Literal["renewal_review"]
    batch_year: int
    launched_with_round: int | None


class AnnualReport(_Record):
    type: Literal["annual_report"]
    month: int = Field(ge=1, le=12)
    day: int = Field(ge=1, le=31)
    covers: Literal["previous_year"]


class ProvincialEdition(_Record):
    """Which criteria a province's own clusters are judged by."""

    type: Literal["provincial_edition"]
    province: str = Field(min_length=2)
    edition: str = Field(min_length=1, description="a criteria edition id")
    note: str | None = None


class ProvincialDeadline(_Record):
    type: Literal["provincial_deadline"]
    province: str = Field(min_length=2)
    year: int
    deadline: date
    level: str = Field(min_length=1)


class ProvincialProcedure(_Record):
    type: Literal["provincial_procedure"]
    province: str = Field(min_length=2)


class ApplicationStep(_Record):
    """One step of the national recognition procedure, in order (public reporting and
    第十四条; 第十二、十三条 are missing from the source)."""

    type: Literal["application_step"]
    order: int = Field(ge=1)
    actor: str = Field(min_length=2)
    action: str = Field(min_length=2)
    actor_en: str = Field(min_length=2)
    action_en: str = Field(min_length=2)
    article: str | None = Field(default=None, description="the article of the measures, if any")


Record = Annotated[
    Round
    | Batch
    | ValidityRule
    | RenewalReview
    | AnnualReport
    | ProvincialEdition
    | ProvincialDeadline
    | ProvincialProcedure
    | ApplicationStep,
    Field(discriminator="type"),
]
_RECORDS: TypeAdapter[tuple[Record, ...]] = TypeAdapter(tuple[Record, ...])


@dataclass(frozen=True)
class Cited:
    """A record with the fact it is cited by (a facts document and ref)."""

    record: Record
    doc: str
    ref: str


def parse_records(path: Path, where: str, raw: Any) -> tuple[Record, ...]:
    """Validate one article's `records:` list; errors name the file and the field."""
    try:
        return _RECORDS.validate_python(raw)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        raise KnowledgeDataError(
            path, f"{where}.records{_loc(first['loc'])}", str(first["msg"])
        ) from None


_TAGS = frozenset(
    ("round", "batch", "validity_rule", "renewal_review", "annual_report", "provincial_edition",
     "provincial_deadline", "provincial_procedure", "application_step")
)


def _loc(loc: tuple[int | str, ...]) -> str:
    # pydantic puts the union's tag ("round") in the path; a data editor needs the field only.
    text = field_path([part for part in loc if part not in _TAGS])
    return text if text.startswith("[") else f".{text}"


@dataclass(frozen=True)
class FactBook:
    """Every typed record, with lookups by year and province. Unknown means absent here."""

    records: tuple[Cited, ...] = ()

    def _of(self, kind: type[Any]) -> list[Cited]:
        return [c for c in self.records if isinstance(c.record, kind)]

    def rounds(self) -> list[Cited]:
        return sorted(self._of(Round), key=lambda c: c.record.year)

    def round(self, year: int) -> Cited | None:
        return next((c for c in self._of(Round) if c.record.year == year), None)

    def batch(self, year: int) -> Cited | None:
        return next((c for c in self._of(Batch) if c.record.year == year), None)

    def batches(self) -> list[Cited]:
        return sorted(self._of(Batch), key=lambda c: c.record.year)

    def batch_by_ordinal(self, ordinal: int) -> Cited | None:
        return next((c for c in self._of(Batch) if c.record.ordinal == ordinal), None)

    def first_round_year(self) -> int | None:
        years = [c.record.year for c in self._of(Round)]
        return min(years) if years else None

    def validity_rule(self) -> Cited | None:
        found = self._of(ValidityRule)
        return found[0] if found else None

    def renewal_review(self, batch_year: int) -> Cited | None:
        return next(
            (c for c in self._of(RenewalReview) if c.record.batch_year == batch_year), None
        )

    def renewal_reviews(self) -> list[Cited]:
        return self._of(RenewalReview)

    def annual_report(self) -> Cited | None:
        found = self._of(AnnualReport)
        return found[0] if found else None

    def provincial_edition(self, province: str) -> Cited | None:
        return next(
            (c for c in self._of(ProvincialEdition) if c.record.province == province), None
        )

    def provincial_deadline(self, province: str, year: int | None) -> Cited | None:
        return next(
            (
                c
                for c in self._of(ProvincialDeadline)
                if c.record.province == province and (year is None or c.record.year == year)
            ),
            None,
        )

    def provincial_deadlines(self) -> list[Cited]:
        return sorted(self._of(ProvincialDeadline), key=lambda c: c.record.year)

    def provincial_procedures(self) -> list[Cited]:
        return self._of(ProvincialProcedure)

    def application_steps(self) -> list[Cited]:
        return sorted(self._of(ApplicationStep), key=lambda c: c.record.order)

    def provincial_procedure(self, province: str) -> Cited | None:
        return next((c for c in self._of(ProvincialProcedure) if c.record.province == province),
                    None)

    def provinces_with_facts(self) -> set[str]:
        kinds = (ProvincialEdition, ProvincialDeadline, ProvincialProcedure)
        return {c.record.province for c in self.records if isinstance(c.record, kinds)}

    def validity_of(self, batch_year: int) -> tuple[date, date] | None:
        """The validity window of batch year Y: the batch's own record, else the rule."""
        batch = self.batch(batch_year)
        if batch is not None:
            return batch.record.valid_from, batch.record.valid_until
        rule = self.validity_rule()
        if rule is None:
            return None
        years = rule.record.years
        return date(batch_year + 1, 1, 1), date(batch_year + years, 12, 31)
