"""The one batch-year reader of /subscribe and /remind."""

from __future__ import annotations

import pytest

from handlers.reminders.years import read_batch_year


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("2022", 2022),
        (" 2022年 ", 2022),
        ("２０２３年", 2023),  # full-width digits, as phones type them
        ("2022年批次", 2022),
        ("2024 年度", 2024),
        ("二〇二二年", 2022),
        ("2022年的集群", 2022),
        ("2019", 2019),  # a year, though not a batch year: knowledge.deadlines says why
    ],
)
def test_years_as_people_type_them(text: str, year: int) -> None:
    assert read_batch_year(text) == year


@pytest.mark.parametrize("text", ["", "明年", "不知道", "3.5", "年", "2022年和2023年"])
def test_not_a_year(text: str) -> None:
    assert read_batch_year(text) is None
