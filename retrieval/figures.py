"""Figures in running text: "产值四十五亿、增速百分之八、12家专精特新企业" -> indicator values.

`knowledge.numbers.parse_number` reads ONE number typed alone; a question holds several inside
prose. This module finds each figure by its unit (亿/万/billion, %/百分之, 平方公里, 家), reads it
with `parse_number`, and ties it to the indicator whose cue words (the criteria's labels plus the
lexicon's `frame.indicator_cues`) stand next to it. Three money figures in a row are the
three-year output series.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from knowledge.numbers import NumberParseError, parse_number

_CN = "零〇一二两三四五六七八九十百千"
_NUM = rf"(?:\d+(?:\.\d+)?|[{_CN}]+(?:点[{_CN}]+)?)"
_EN_MONEY = r"(?:hundred|100)\s+million|billion|million|bn\b|mn\b"
# Three figures sharing one money unit written after the last: "30、35、42亿", "45, 48 and 52
# 亿元", "30, 35 and 42 (hundred million yuan)" — the three-year output series.
_SEP = r"\s*(?:[,，、/;；]\s*(?:and\s+)?|\s+and\s+|[和及与])\s*"
_SERIES = re.compile(
    rf"({_NUM}){_SEP}({_NUM}){_SEP}({_NUM})\s*[(（]?\s*个?\s*(亿元|亿|万元|万|{_EN_MONEY})(?!平方)",
    re.I,
)
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("series", _SERIES),
    # "38个亿" is spoken Chinese for 38亿.
    ("money", re.compile(rf"({_NUM})\s*个?\s*(亿元|亿|万元|万)(?!平方)")),
    ("money", re.compile(rf"(\d+(?:\.\d+)?)\s*({_EN_MONEY})(?:\s*(?:yuan|rmb|cny))?", re.I)),
    (
        "area",
        re.compile(rf"({_NUM})\s*(平方公里|平方千米|km2|km²|square kilomet(?:re|er)s?)", re.I),
    ),
    ("percent", re.compile(rf"({_NUM})\s*(%|percent)", re.I)),
    ("percent", re.compile(rf"百分之({_NUM})")),
    ("count", re.compile(rf"({_NUM})\s*(家|个企业|companies|firms|enterprises)", re.I)),
    # "8 specialized SMEs", "one little giant": an English count names its kind after it.
    (
        "count",
        re.compile(
            r"\b(\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\s+"
            r"((?:[a-z\"'-]+\s+){0,2}?(?:smes|enterprises|companies|firms|giants?|champions?))\b",
            re.I,
        ),
    ),
    # "八成" = 80 %, "六成五" = 65 %.
    ("tenths", re.compile(r"([一二三四五六七八九十])成([一二三四五六七八九])?")),
)
_EN_NUMBERS = {
    w: i
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
        ]
    )
}
_CN_DIGIT = {c: i for i, c in enumerate("零一二三四五六七八九十")}
_ZERO = re.compile(r"(?:没有|无|零家|0家|一家都没有|一家也没有|\bnone\b|\bno\b)")
_QUOTES = re.compile(r"[“”‘’\"'「」『』]")
_CLAUSE_END = re.compile(r"[，,；;。！？!?\n]")
_SERIES_GAP = re.compile(r"^[\s、，,和及与/]*(?:and)?\s*$", re.I)
_KIND_OF: dict[str, str] = {
    "output_value_yi": "money",
    "area_km2": "area",
    "champion_or_little_giant_count": "count",
    "specialized_sme_count": "count",
}


@dataclass(frozen=True)
class Figure:
    indicator: str
    value: Any  # int | float | list of three
    text: str
    start: int


@dataclass(frozen=True)
class _Raw:
    kind: str
    value: float
    start: int
    end: int
    text: str
    series: tuple[float, ...] = ()  # three yearly figures sharing one unit, oldest first


def _read(kind: str, number: str, unit: str) -> float | None:
    if kind == "tenths":
        return float(_CN_DIGIT[number] * 10 + (_CN_DIGIT[unit] if unit else 0))
    if number.lower() in _EN_NUMBERS:
        return float(_EN_NUMBERS[number.lower()])
    try:
        if kind == "money":
            # parse_number reads "4.2 billion", "300 million", "42 hundred million", "38亿".
            english = re.sub(r"^100\s+million$", "hundred million", unit.lower())
            return float(parse_number(f"{number} {english}", unit="亿元"))
        if kind == "percent":
            return float(parse_number(number + "%", percent=True))
        return float(parse_number(number))
    except (NumberParseError, ValueError):
        return None


def _raw_figures(text: str) -> list[_Raw]:
    found: list[_Raw] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(s < end and start < e for s, e in taken):
                continue
            following = text[end : end + 1]
            if kind == "count" and following == "年":
                continue
            if kind == "series":
                unit = match.group(4)
                values = [_read("money", match.group(i), unit) for i in (1, 2, 3)]
                if any(value is None for value in values):
                    continue
                series = tuple(float(value or 0.0) for value in values)
                taken.append((start, end))
                found.append(_Raw("money", series[-1], start, end, match.group(0), series))
                continue
            unit = match.group(2) if (match.lastindex or 0) >= 2 else ""
            value = _read(kind, match.group(1), unit or "")
            if value is None:
                continue
            found_kind = "percent" if kind == "tenths" else kind
            clause_rest = _CLAUSE_END.split(text[end:], maxsplit=1)[0]
            if kind == "count" and (
                re.match(r"\s*(?:都|也)没有", text[end:])
                # "一家小巨人和单项冠军都没有": not even one
                or (value == 1 and re.search(r"(?:都|也)没有", clause_rest))
            ):
                value = 0.0
            taken.append((start, end))
            found.append(_Raw(found_kind, value, start, end, match.group(0)))
    return sorted(found, key=lambda raw: raw.start)


def _cue_hit(window: str, cues: Mapping[str, Sequence[str]], kinds: set[str]) -> str | None:
    """The indicator (of an allowed kind) whose cue appears in `window`; the longest cue wins,
    then the one nearest the end of the window."""
    best: tuple[int, int, str] | None = None
    # Quotation marks do not change a name: 专精特新“小巨人” is 专精特新小巨人.
    low = _QUOTES.sub("", window.lower())
    for indicator, words in cues.items():
        if _indicator_kind(indicator) not in kinds:
            continue
        for word in (_QUOTES.sub("", word) for word in words):
            at = low.rfind(word)
            if at < 0:
                continue
            key = (len(word), at, indicator)
            if best is None or key > best:
                best = key
    return best[2] if best else None


def _indicator_kind(indicator: str) -> str:
    if indicator in _KIND_OF:
        return _KIND_OF[indicator]
    if indicator.endswith("_pct"):
        return "percent"
    if indicator.endswith("_count"):
        return "count"
    return "other"


# A unit declared once for bare figures: "40、44、48.4（单位：亿元）", "40, 44 and 48.4 (in 100
# million yuan)". The declaration is not a figure ("1亿元" there is the unit, not one yuan).
_UNIT_DECLARED = re.compile(
    rf"({_NUM}{_SEP}{_NUM}{_SEP}{_NUM})\s*[(（]\s*(?:单位\s*[:：]?\s*|in\s+|unit\s*[:：]?\s*)?"
    rf"(?:1\s*|one\s+)?(亿元|亿|万元|万|{_EN_MONEY})(?:\s*(?:yuan|rmb|cny))?\s*[)）]",
    re.I,
)


def _apply_declared_unit(text: str) -> str:
    def rewrite(match: re.Match[str]) -> str:
        return f"{match.group(1)} {match.group(2)}"

    return _UNIT_DECLARED.sub(rewrite, text)


def read_figures(text: str, cues: Mapping[str, Sequence[str]]) -> list[Figure]:
    """Every figure in `text` tied to an indicator, in order of appearance."""
    text = _apply_declared_unit(unicodedata.normalize("NFKC", text))
    raws = _raw_figures(text)
    figures: list[Figure] = []
    parts: dict[str, float] = {}
    index = 0
    while index < len(raws):
        raw = raws[index]
        previous_end = raws[index - 1].end if index else 0
        clause_start = max((m.end() for m in _CLAUSE_END.finditer(text, 0, raw.start)), default=0)
        before = text[max(previous_end, clause_start) : raw.start]
        next_start = raws[index + 1].start if index + 1 < len(raws) else len(text)
        after_end = _CLAUSE_END.search(text, raw.end)
        after = text[raw.end : min(next_start, after_end.start() if after_end else len(text))]
        if raw.kind == "money" and raw.series:
            if _about_output(text.lower(), cues, series=True):
                value = [_tidy(v) for v in raw.series]
                figures.append(Figure("output_value_yi", value, raw.text, raw.start))
            index += 1
            continue
        if raw.kind == "money":
            series = [raw]
            while (
                index + len(series) < len(raws)
                and raws[index + len(series)].kind == "money"
                and _SERIES_GAP.match(text[series[-1].end : raws[index + len(series)].start])
            ):
                series.append(raws[index + len(series)])
            labelled = _labelled_series(text, raws)
            if labelled is not None and len(series) < 3:
                series = labelled
            share_of = _share_cue(before, cues)
            if len(series) == 1 and share_of and sum(r.kind == "money" for r in raws) == 2:
                # "总产值120亿，主导产业产值90亿": a part of the total, read as its share below.
                parts[share_of] = raw.value
                index += 1
                continue
            whole = text.lower()
            if _about_output(whole, cues, series=len(series) == 3):
                value: Any = (
                    [_tidy(r.value) for r in series] if len(series) == 3 else _tidy(raw.value)
                )
                figures.append(Figure("output_value_yi", value, raw.text, raw.start))
            index += len(series)
            continue
        kinds = {raw.kind} if raw.kind != "area" else {"area"}
        if raw.kind == "count":
            own = raw.text.lower()  # an English count carries its kind ("8 specialized smes")
            indicator = (
                _cue_hit(own, cues, kinds)
                or _cue_hit(after, cues, kinds)
                or _cue_hit(before, cues, kinds)
            )
        else:
            indicator = _cue_hit(before, cues, kinds) or _cue_hit(after, cues, kinds)
        if indicator is not None:
            figures.append(Figure(indicator, _tidy(raw.value), raw.text, raw.start))
        index += 1
    total = next((f.value for f in figures if f.indicator == "output_value_yi"), None)
    for indicator, part in parts.items():
        if isinstance(total, int | float) and total > 0 and part <= total and not any(
            f.indicator == indicator for f in figures
        ):
            figures.append(Figure(indicator, _tidy(round(part / total * 100, 2)), "", 0))
    figures += _zero_counts(text, cues, {f.indicator for f in figures})
    return figures


def _about_output(low: str, cues: Mapping[str, Sequence[str]], *, series: bool) -> bool:
    """Money figures are the output when the question says so (产值, output), or when three of
    them, year by year, are a cluster's ("我们集群前年36亿、去年41亿、今年46亿"); a single
    amount needs the word (500万 may be a subsidy)."""
    return any(cue in low for cue in cues.get("output_value_yi", ())) or (
        series and re.search(r"集群|cluster", low) is not None
    )


# Shares of the output that a question may give as an amount (主导产业产值90亿 of 总产值120亿).
_SHARES_AS_AMOUNTS = ("leading_industry_share_pct", "sme_output_share_pct")


def _share_cue(window: str, cues: Mapping[str, Sequence[str]]) -> str | None:
    return _cue_hit(window, {k: v for k, v in cues.items() if k in _SHARES_AS_AMOUNTS},
                    {"percent"})


# Which year a figure belongs to, oldest first ("大前年43亿，前年47亿，去年52亿").
_RELATIVE_YEARS = {"大前年": 0, "前年": 1, "去年": 2, "上年": 2, "今年": 3}
_YEAR_LABEL = re.compile(r"(大前年|前年|去年|上年|今年|20\d\d年?)\D{0,6}$")


def _labelled_series(text: str, raws: Sequence[_Raw]) -> list[_Raw] | None:
    """Exactly three money figures, each after its own year label: the three-year series,
    put in order oldest first."""
    money = [raw for raw in raws if raw.kind == "money"]
    if len(money) != 3:
        return None
    keyed: list[tuple[int, _Raw]] = []
    previous = 0
    for raw in money:
        label = _YEAR_LABEL.search(text[previous : raw.start])
        previous = raw.end
        if label is None:
            return None
        word = label.group(1)
        order = _RELATIVE_YEARS.get(word)
        keyed.append((order if order is not None else int(word[:4]), raw))
    if len({key for key, _ in keyed}) != 3:
        return None
    return [raw for _, raw in sorted(keyed, key=lambda pair: pair[0])]


def _zero_counts(text: str, cues: Mapping[str, Sequence[str]], seen: set[str]) -> list[Figure]:
    """ "没有小巨人" / "小巨人一家都没有": a count of 0 for that indicator."""
    out: list[Figure] = []
    for clause in _CLAUSE_END.split(text):
        if not _ZERO.search(clause.lower()):
            continue
        indicator = _cue_hit(clause, cues, {"count"})
        if indicator and indicator not in seen and not re.search(r"[1-9]\d*\s*家", clause):
            out.append(Figure(indicator, 0, clause, text.find(clause)))
            seen.add(indicator)
    return out


def _tidy(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 4)
