"""Reading typed numbers: full-width digits, separators, 亿/万, %, Chinese numerals, hedges."""

from __future__ import annotations

import pytest

from knowledge.numbers import NumberParseError, parse_number, parse_series

CASES: list[tuple[str, dict[str, object], float]] = [
    ("45", {}, 45),
    ("４５", {}, 45),
    ("４５．５", {}, 45.5),
    ("1,234.5", {}, 1234.5),
    ("-3.5", {}, -3.5),
    ("四十五", {}, 45),
    ("一百二十", {}, 120),
    ("一百零五", {}, 105),
    ("三点五", {}, 3.5),
    ("十五", {}, 15),
    ("两千", {}, 2000),
    ("一万二", {}, 12000),
    ("一万二千", {}, 12000),
    ("负三", {}, -3),
    ("约45", {}, 45),
    ("大概 45", {}, 45),
    ("45左右", {}, 45),
    ("约为四十五", {}, 45),
    ("120平方公里", {}, 120),
    ("12家", {"integer": True}, 12),
    ("十二家", {"integer": True}, 12),
    ("70%", {"percent": True}, 70),
    ("７０％", {"percent": True}, 70),
    ("百分之四十五", {"percent": True}, 45),
    ("大约8.2%", {"percent": True}, 8.2),
    # money: the answer unit is 亿元
    ("35", {"unit": "亿元"}, 35),
    ("35亿", {"unit": "亿元"}, 35),
    ("35亿元", {"unit": "亿元"}, 35),
    ("3500万", {"unit": "亿元"}, 0.35),
    ("3500万元", {"unit": "亿元"}, 0.35),
    ("12,000万元", {"unit": "亿元"}, 1.2),
    ("350000000元", {"unit": "亿元"}, 3.5),
    ("三点五亿", {"unit": "亿元"}, 3.5),
    ("四十五亿", {"unit": "亿元"}, 45),
    ("约 3.5 亿", {"unit": "亿元"}, 3.5),
]


@pytest.mark.parametrize(("text", "kwargs", "expected"), CASES)
def test_reads(text: str, kwargs: dict[str, object], expected: float) -> None:
    assert parse_number(text, **kwargs) == pytest.approx(expected)  # type: ignore[arg-type]


def test_whole_numbers_come_back_as_int() -> None:
    assert isinstance(parse_number("45.0"), int)
    assert isinstance(parse_number("45.5"), float)


BAD: list[tuple[str, dict[str, object]]] = [
    ("", {}),
    ("   ", {}),
    ("abc", {}),
    ("几十", {}),
    ("10-20", {}),
    ("3.5.1", {}),
    ("1,2", {}),
    ("45%", {}),  # a percent where a plain figure is asked
    ("3.5家", {"integer": True}),
    ("-2", {"integer": True}),
    ("45亿元", {}),  # money where money is not asked
    ("四十多", {}),
]


@pytest.mark.parametrize(("text", "kwargs"), BAD)
def test_refuses(text: str, kwargs: dict[str, object]) -> None:
    with pytest.raises(NumberParseError) as info:
        parse_number(text, **kwargs)  # type: ignore[arg-type]
    assert info.value.message("zh") and info.value.message("en")
    assert info.value.text == text


SERIES = [
    ("35, 40, 46", [35, 40, 46]),
    ("35，40，46", [35, 40, 46]),
    ("35、40、46", [35, 40, 46]),
    ("35 40 46", [35, 40, 46]),
    ("35亿、40亿、4600万", [35, 40, 0.46]),
    ("2021年35 2022年40 2023年46", [35, 40, 46]),
    ("2021年：35；2022年：40；2023年：46", [35, 40, 46]),
    ("三十五，四十，四十六", [35, 40, 46]),
]


@pytest.mark.parametrize(("text", "expected"), SERIES)
def test_series(text: str, expected: list[float]) -> None:
    assert parse_series(text, unit="亿元") == pytest.approx(expected)


@pytest.mark.parametrize("text", ["35, 40", "35, 40, 46, 50", "35, 40, x", ""])
def test_series_refuses(text: str) -> None:
    with pytest.raises(NumberParseError):
        parse_series(text, unit="亿元")
