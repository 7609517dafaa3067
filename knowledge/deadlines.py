"""Deadline rules of the measures (pure: dates in, dates out; no DB, no aiogram).

The rules, from ../shared/FACTS.md §3–4 and the measures:

* **Validity (第十五条).** A cluster of batch year Y is valid from Y+1-01-01 to Y+3-12-31
  (the 2022 batch was listed on 2023-01-11 and is valid for 2023–2025).
* **Annual report (第十六条).** Every year of recognition the cluster reports the *previous*
  year's work by April 30. So a batch-Y cluster reports on Y+1-04-30 (on Y's work, the year it
  was recommended), Y+2-04-30 and Y+3-04-30. The work of the term's last year (Y+3) is judged
  by the renewal review, not by a separate report; for batch 2022 seen on 2025-01-10 that gives
  exactly the CONTRACTS example: annual_report 2025-04-30, renewal_review 2025-12-31.
* **Renewal review (复核, 第十五条).** Due when the term ends (Y+3-12-31). Passing extends
  validity by three years, so the cycle repeats: term k (k = 0, 1, …) runs Y+1+3k … Y+3+3k.
  When "today" is already past the first term we plan the term containing today and say in the
  titles that it assumes the review was passed ("假定此前复核已通过");
  ``valid_from``/``valid_until`` always state the recognised (first) term, which is a fact,
  not an assumption.
* **Window.** A plan lists the deadlines from ``today`` (inclusive) to the end of the current
  term, never beyond 31 December of today's year + 3 ("at most the next 3 years", counted in
  calendar years so that a cluster listed this year still sees its renewal review).
* **Custom deadlines.** Operators add dated deadlines (e.g. this year's provincial
  recommendation deadline); they join the plan when due inside the window.
* **Recommendation rounds (FACTS §3).** For clusters not yet recognised: the yearly rounds'
  submission deadlines. Past rounds are known; the current round's date is not bundled, so an
  operator adds it as a custom deadline.

Batch years before 2022 (the first batch) or after today's year are errors (`BatchYearError`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

FIRST_BATCH_YEAR = 2022
TERM_YEARS = 3
HORIZON_YEARS = 3
REPORT_MONTH, REPORT_DAY = 4, 30

DeadlineKind = Literal["annual_report", "renewal_review", "custom", "recommendation_round"]
KINDS_RECOGNISED: tuple[DeadlineKind, ...] = ("annual_report", "renewal_review", "custom")
KINDS_CANDIDATE: tuple[DeadlineKind, ...] = ("recommendation_round", "custom")
ALL_KINDS: tuple[DeadlineKind, ...] = (
    "annual_report",
    "renewal_review",
    "custom",
    "recommendation_round",
)

KIND_NAMES: dict[str, dict[str, str]] = {
    "annual_report": {"zh": "年度工作报告（4月30日）", "en": "annual report (April 30)"},
    "renewal_review": {"zh": "有效期届满复核", "en": "renewal review"},
    "custom": {"zh": "运营方发布的截止日期", "en": "operator-announced deadlines"},
    "recommendation_round": {"zh": "推荐申报轮次截止", "en": "recommendation round deadlines"},
}


class BatchYearError(ValueError):
    """A batch year that cannot exist: before the first batch (2022) or in the future."""

    def __init__(self, batch_year: int, today: date) -> None:
        self.batch_year = batch_year
        self.today = today
        if batch_year < FIRST_BATCH_YEAR:
            reason = f"the first batch of clusters was recognised in {FIRST_BATCH_YEAR}"
            reason_zh = f"首批集群为 {FIRST_BATCH_YEAR} 年批次"
        else:
            reason = f"it is in the future (today is {today.isoformat()})"
            reason_zh = f"该年份尚未到来（今天是 {today.isoformat()}）"
        self.message_zh = (
            f"批次年份 {batch_year} 无效：{reason_zh}。"
            f"请填写 {FIRST_BATCH_YEAR}–{today.year} 之间的年份。"
        )
        super().__init__(
            f"batch year {batch_year} is not valid: {reason}; "
            f"use a year from {FIRST_BATCH_YEAR} to {today.year}"
        )


@dataclass(frozen=True, slots=True)
class CustomDeadlineSpec:
    """An operator-added deadline as the pure rules see it (the DB row is converted to this)."""

    id: int
    title: str
    due: date
    title_en: str | None = None


@dataclass(frozen=True, slots=True)
class Deadline:
    """One dated obligation. ``key`` is stable across runs: the reminder delivery table keys on
    it, so it must never depend on "today"."""

    kind: DeadlineKind
    due: date
    title: str
    title_en: str
    key: str
    ref: str | None = None

    def title_for(self, lang: str) -> str:
        return self.title_en if lang == "en" else self.title

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "due": self.due.isoformat(), "title": self.title}


@dataclass(frozen=True, slots=True)
class DeadlinePlan:
    batch_year: int | None
    valid_from: date | None
    valid_until: date | None
    deadlines: tuple[Deadline, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, object]:
        """The CONTRACTS.md shape of `smebot reminders plan --json`."""
        return {
            "batch_year": self.batch_year,
            "valid_from": self.valid_from.isoformat() if self.valid_from else None,
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
            "deadlines": [d.to_json() for d in self.deadlines],
        }


@dataclass(frozen=True, slots=True)
class RecommendationRound:
    year: int
    notice: str | None
    submit_by: date | None  # provinces submit to MIIT by this day; None when not bundled


# FACTS.md §3. The 2025 notice's date is not bundled: operators add it as a custom deadline.
RECOMMENDATION_ROUNDS: tuple[RecommendationRound, ...] = (
    RecommendationRound(2022, "工信厅企业函〔2022〕236号", date(2022, 10, 31)),
    RecommendationRound(2023, "工信厅企业函〔2023〕44号", date(2023, 7, 31)),
    RecommendationRound(2024, None, date(2024, 7, 31)),
    RecommendationRound(2025, "工信厅企业函〔2025〕77号", None),
)


def validate_batch_year(batch_year: int, today: date) -> None:
    if batch_year < FIRST_BATCH_YEAR or batch_year > today.year:
        raise BatchYearError(batch_year, today)


def validity(batch_year: int) -> tuple[date, date]:
    """The recognised (first) term of a batch: Y+1-01-01 … Y+3-12-31 (第十五条)."""
    return date(batch_year + 1, 1, 1), date(batch_year + TERM_YEARS, 12, 31)


def _horizon(today: date) -> date:
    return date(today.year + HORIZON_YEARS, 12, 31)


def _term_index(batch_year: int, today: date) -> int:
    """Which three-year term contains ``today`` (0 = the recognised term; before it, 0 too)."""
    first_year = batch_year + 1
    if today.year < first_year:
        return 0
    return (today.year - first_year) // TERM_YEARS


def _term_deadlines(batch_year: int, term: int) -> list[Deadline]:
    start_year = batch_year + 1 + TERM_YEARS * term
    end_year = start_year + TERM_YEARS - 1
    renewed = term > 0
    prefix_zh = "（假定此前复核已通过）" if renewed else ""
    prefix_en = " (assuming the previous review was passed)" if renewed else ""
    out: list[Deadline] = []
    for year in range(start_year, end_year + 1):
        out.append(
            Deadline(
                kind="annual_report",
                due=date(year, REPORT_MONTH, REPORT_DAY),
                title=f"报送{year - 1}年度集群发展工作情况（第十六条）{prefix_zh}",
                title_en=f"Report {year - 1}'s cluster work to MIIT (Art. 16){prefix_en}",
                key=f"annual_report:{year}",
                ref="第十六条",
            )
        )
    out.append(
        Deadline(
            kind="renewal_review",
            due=date(end_year, 12, 31),
            title=f"有效期届满（{start_year}–{end_year}年），接受复核（第十五条）{prefix_zh}",
            title_en=(
                f"Validity {start_year}–{end_year} ends: renewal review (Art. 15){prefix_en}"
            ),
            key=f"renewal_review:{end_year}",
            ref="第十五条",
        )
    )
    return out


def custom_deadlines(custom: Iterable[CustomDeadlineSpec]) -> list[Deadline]:
    return [
        Deadline(
            kind="custom",
            due=spec.due,
            title=spec.title,
            title_en=spec.title_en or spec.title,
            # The date is part of the key: moving a deadline re-arms its reminders.
            key=f"custom:{spec.id}:{spec.due.isoformat()}",
        )
        for spec in custom
    ]


def _window(deadlines: Iterable[Deadline], today: date, until: date) -> tuple[Deadline, ...]:
    kept = [d for d in deadlines if today <= d.due <= until]
    return tuple(sorted(kept, key=lambda d: (d.due, d.kind, d.key)))


def plan_deadlines(
    batch_year: int, today: date, custom: Sequence[CustomDeadlineSpec] = ()
) -> DeadlinePlan:
    """Deadlines of a recognised cluster of ``batch_year`` from ``today`` on (see module doc)."""
    validate_batch_year(batch_year, today)
    valid_from, valid_until = validity(batch_year)
    term = _term_index(batch_year, today)
    term_end = date(batch_year + TERM_YEARS * (term + 1), 12, 31)
    until = min(term_end, _horizon(today))
    rules = _term_deadlines(batch_year, term)
    return DeadlinePlan(
        batch_year=batch_year,
        valid_from=valid_from,
        valid_until=valid_until,
        deadlines=_window([*rules, *custom_deadlines(custom)], today, until),
    )


def round_deadlines() -> list[Deadline]:
    """The known recommendation rounds' submission deadlines (FACTS §3)."""
    out: list[Deadline] = []
    for rnd in RECOMMENDATION_ROUNDS:
        if rnd.submit_by is None:
            continue
        notice = f"（{rnd.notice}）" if rnd.notice else ""
        out.append(
            Deadline(
                kind="recommendation_round",
                due=rnd.submit_by,
                title=f"{rnd.year}年度推荐申报：省级主管部门向工信部报送截止{notice}",
                title_en=f"{rnd.year} recommendation round: provinces submit to MIIT",
                key=f"recommendation_round:{rnd.year}",
            )
        )
    return out


def plan_candidate_deadlines(
    today: date, custom: Sequence[CustomDeadlineSpec] = ()
) -> DeadlinePlan:
    """Deadlines for a cluster not yet recognised: recommendation rounds plus operator-added ones.

    Provinces set earlier internal deadlines for counties, so the current round's date comes
    from an operator (a custom deadline), never guessed here.
    """
    return DeadlinePlan(
        batch_year=None,
        valid_from=None,
        valid_until=None,
        deadlines=_window([*round_deadlines(), *custom_deadlines(custom)], today, _horizon(today)),
    )


def plan_for(
    batch_year: int | None,
    today: date,
    custom: Sequence[CustomDeadlineSpec] = (),
    kinds: Iterable[str] | None = None,
) -> tuple[Deadline, ...]:
    """The deadlines of one subscription: by batch year (None = not yet recognised), filtered by
    the kinds it asked for."""
    plan = (
        plan_candidate_deadlines(today, custom)
        if batch_year is None
        else plan_deadlines(batch_year, today, custom)
    )
    if kinds is None:
        return plan.deadlines
    wanted = set(kinds)
    return tuple(d for d in plan.deadlines if d.kind in wanted)
