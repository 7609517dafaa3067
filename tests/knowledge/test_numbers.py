"""Reading typed numbers: full-width digits, separators, 亿/万, %, Chinese numerals, hedges."""

from __future__ import annotations

import pytest

from knowledge.numbers import (
    NumberParseError,
    cn_to_int,
    int_to_cn,
    parse_number,
    parse_series,
)

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


# -- units people type for money, and the series forms of them ---------------------------------

MONEY = [
    ("4.5 billion", 45),
    ("4.5bn", 45),
    ("RMB 4.5 billion", 45),
    ("4.5 billion yuan", 45),
    ("¥4.5 billion", 45),
    ("300 million", 3),
    ("4500000000元", 45),
    ("４５亿元", 45),
    ("45 亿元", 45),
    ("450000万元", 45),
]


@pytest.mark.parametrize(("text", "expected"), MONEY)
def test_money_in_every_form(text: str, expected: float) -> None:
    assert parse_number(text, unit="亿元") == pytest.approx(expected)


def test_a_bare_yuan_figure_is_read_as_typed() -> None:
    # Reading never guesses: 4500000000 where 亿元 is asked stays as typed; the plausibility
    # check (knowledge.engine) is what flags it and suggests 45.
    assert parse_number("4500000000", unit="亿元") == 4_500_000_000


@pytest.mark.parametrize(
    "text",
    [
        "4.5 billion, 4.8 billion, 5.2 billion",
        "4.5 billion, 4.8 billion and 5.2 billion",
        "4.5bn 4.8bn 5.2bn",
        "45 亿元 48 亿元 52 亿元",
        "RMB 4.5 billion, RMB 4.8 billion, RMB 5.2 billion",
        "４５，４８，５２",
    ],
)
def test_series_with_spaced_units(text: str) -> None:
    assert parse_series(text, unit="亿元") == pytest.approx([45, 48, 52])


def test_english_magnitude_after_a_chinese_one_is_refused() -> None:
    with pytest.raises(NumberParseError):
        parse_number("3亿 billion", unit="亿元")


# -- Chinese numerals both ways: one reader and one writer ------------------------------------


@pytest.mark.parametrize(
    ("number", "text"),
    [(1, "一"), (10, "十"), (15, "十五"), (20, "二十"), (100, "一百"), (105, "一百零五"),
     (110, "一百一十"), (1005, "一千零五"), (1010, "一千零一十"), (12000, "一万二千"),
     (10001, "一万零一"), (100000, "十万"), (123456, "十二万三千四百五十六")],
)
def test_chinese_numerals_round_trip(number: int, text: str) -> None:
    assert int_to_cn(number) == text
    assert cn_to_int(text) == number


def test_cn_to_int_reads_digits_and_refuses_other_text() -> None:
    assert cn_to_int("15") == 15 and cn_to_int("１５") == 15
    assert cn_to_int("两百") == 200
    for text in ("", "第十五", "十五条", "abc", "三点五"):
        assert cn_to_int(text) is None


def test_int_to_cn_range() -> None:
    for bad in (0, -1, 100_000_000):
        with pytest.raises(ValueError):
            int_to_cn(bad)


def test_refs_keeps_the_old_names_as_the_same_functions() -> None:
    import knowledge.numbers
    import knowledge.refs

    assert knowledge.refs.cn_to_int is knowledge.numbers.cn_to_int
    assert knowledge.refs.int_to_cn is knowledge.numbers.int_to_cn
