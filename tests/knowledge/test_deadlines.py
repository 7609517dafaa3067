"""The deadline rules (knowledge/deadlines.py): a table of cases plus the error cases."""

from __future__ import annotations

import json
from datetime import date

import pytest

from knowledge.deadlines import (
    BatchYearError,
    CustomDeadlineSpec,
    plan_candidate_deadlines,
    plan_deadlines,
    plan_for,
    validity,
)


def _due(plan_deadlines_: object) -> list[tuple[str, str]]:
    return [(d.kind, d.due.isoformat()) for d in plan_deadlines_.deadlines]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("batch", "today", "expected"),
    [
        # The CONTRACTS.md example.
        (2022, "2025-01-10", [("annual_report", "2025-04-30"), ("renewal_review", "2025-12-31")]),
        # Listed in January 2023: three reports (on 2022, 2023, 2024 work), then the review.
        (
            2022,
            "2023-01-11",
            [
                ("annual_report", "2023-04-30"),
                ("annual_report", "2024-04-30"),
                ("annual_report", "2025-04-30"),
                ("renewal_review", "2025-12-31"),
            ],
        ),
        # The due day itself still counts ("from that day on").
        (2022, "2025-04-30", [("annual_report", "2025-04-30"), ("renewal_review", "2025-12-31")]),
        (2022, "2025-05-01", [("renewal_review", "2025-12-31")]),
        (2022, "2025-12-31", [("renewal_review", "2025-12-31")]),
        # After the first term: the renewed term (assuming the review passed).
        (
            2022,
            "2026-01-01",
            [
                ("annual_report", "2026-04-30"),
                ("annual_report", "2027-04-30"),
                ("annual_report", "2028-04-30"),
                ("renewal_review", "2028-12-31"),
            ],
        ),
        # A batch seen in its own year: the whole first term, review included.
        (
            2024,
            "2024-11-20",
            [
                ("annual_report", "2025-04-30"),
                ("annual_report", "2026-04-30"),
                ("annual_report", "2027-04-30"),
                ("renewal_review", "2027-12-31"),
            ],
        ),
    ],
)
def test_plan_rules(batch: int, today: str, expected: list[tuple[str, str]]) -> None:
    plan = plan_deadlines(batch, date.fromisoformat(today))
    assert _due(plan) == expected
    assert (plan.valid_from, plan.valid_until) == validity(batch)
    assert all(d.due >= date.fromisoformat(today) for d in plan.deadlines)
    # "At most the next 3 years."
    assert all(d.due.year <= date.fromisoformat(today).year + 3 for d in plan.deadlines)


def test_contract_example_json_shape() -> None:
    payload = plan_deadlines(2022, date(2025, 1, 10)).to_json()
    assert set(payload) == {"batch_year", "valid_from", "valid_until", "deadlines"}
    assert payload["valid_from"] == "2023-01-01"
    assert payload["valid_until"] == "2025-12-31"
    deadlines = payload["deadlines"]
    assert isinstance(deadlines, list)
    assert [set(d) for d in deadlines] == [{"kind", "due", "title"}] * 2
    # Chinese titles naming the article they come from.
    assert "第十六条" in deadlines[0]["title"]
    assert "复核" in deadlines[1]["title"]
    json.dumps(payload, ensure_ascii=False)


def test_renewed_term_titles_say_they_assume_the_review_passed() -> None:
    plan = plan_deadlines(2022, date(2026, 3, 1))
    assert all("复核已通过" in d.title for d in plan.deadlines)
    assert all("review" in d.title_en for d in plan.deadlines)
    first = plan_deadlines(2022, date(2024, 3, 1))
    assert not any("假定" in d.title for d in first.deadlines)


@pytest.mark.parametrize(("batch", "today"), [(2019, "2025-01-10"), (2021, "2025-01-10"),
                                              (2099, "2025-01-10"), (2026, "2025-12-31")])
def test_bad_batch_years(batch: int, today: str) -> None:
    with pytest.raises(BatchYearError) as info:
        plan_deadlines(batch, date.fromisoformat(today))
    assert str(batch) in str(info.value)
    assert "2022" in info.value.message_zh


def test_custom_deadlines_join_the_window_only() -> None:
    custom = [
        CustomDeadlineSpec(id=1, title="省级推荐截止", due=date(2025, 6, 30)),
        CustomDeadlineSpec(id=2, title="已过期", due=date(2024, 6, 30)),
        CustomDeadlineSpec(id=3, title="太远", due=date(2030, 1, 1)),
    ]
    plan = plan_deadlines(2022, date(2025, 1, 10), custom)
    assert _due(plan) == [
        ("annual_report", "2025-04-30"),
        ("custom", "2025-06-30"),
        ("renewal_review", "2025-12-31"),
    ]
    key = plan.deadlines[1].key
    moved = plan_deadlines(
        2022, date(2025, 1, 10), [CustomDeadlineSpec(id=1, title="x", due=date(2025, 7, 1))]
    )
    # Moving a deadline re-arms its reminders: the key includes the date.
    assert [d.key for d in moved.deadlines if d.kind == "custom"] != [key]


def test_keys_do_not_depend_on_today() -> None:
    a = {d.key: d.due for d in plan_deadlines(2022, date(2023, 2, 1)).deadlines}
    b = {d.key: d.due for d in plan_deadlines(2022, date(2025, 2, 1)).deadlines}
    for key in set(a) & set(b):
        assert a[key] == b[key]
    assert "annual_report:2025" in a and "annual_report:2025" in b


def test_candidates_get_known_rounds_and_operator_deadlines() -> None:
    plan = plan_candidate_deadlines(date(2023, 1, 1))
    assert [(d.kind, d.due.isoformat()) for d in plan.deadlines] == [
        ("recommendation_round", "2023-07-31"),
        ("recommendation_round", "2024-07-31"),
    ]
    assert plan.batch_year is None
    # Today every bundled round is past: only what an operator adds remains.
    custom = [CustomDeadlineSpec(id=7, title="2026年省级推荐截止", due=date(2026, 7, 15))]
    later = plan_candidate_deadlines(date(2026, 3, 1), custom)
    assert [d.title for d in later.deadlines] == ["2026年省级推荐截止"]


def test_plan_for_filters_kinds() -> None:
    only_review = plan_for(2022, date(2025, 1, 10), (), ["renewal_review"])
    assert [d.kind for d in only_review] == ["renewal_review"]
    assert plan_for(None, date(2023, 1, 1), (), ["custom"]) == ()
