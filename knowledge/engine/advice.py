"""Advice tied to the gap: for each failing, warned or unknown indicator, the target in the
user's own units and by when, the evidence an unknown needs, and the 第六条 item that is the
policy lever ("《暂行办法》第六条（一）").

Targets come from the answers themselves: the output next year that lifts the three-year growth
above its threshold, the output each year must reach, the SME output a share needs at the
latest year's output. Everything is rounded *up* to two decimals, so a target met is met.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from knowledge.criteria import CriteriaEdition, Dimension, Indicator, format_number
from knowledge.engine.judging import label_of, quantity
from knowledge.engine.policy import lever
from knowledge.engine.results import CheckResult, IndicatorAdvice, Value

_NEED_ZH = {">=": "不低于", ">": "高于", "<=": "不超过"}
_NEED_EN = {">=": "at least", ">": "above", "<=": "at most"}


def _up(number: float) -> float:
    """Rounded up to 2 decimals (a target must not be missed by rounding); floating-point noise
    (4.8 × 1.21 = 5.8080000000000005) is not a cent to round up."""
    scaled = number * 100
    nearest = round(scaled)
    if abs(scaled - nearest) <= 1e-9 * max(1.0, abs(scaled)):
        return nearest / 100
    return math.ceil(scaled) / 100


def _series(values: Mapping[str, Value], indicator_id: str | None) -> list[float] | None:
    series = values.get(indicator_id or "")
    if isinstance(series, list) and len(series) >= 2 and all(
        isinstance(n, int | float) and not isinstance(n, bool) for n in series
    ):
        return [float(n) for n in series]
    return None


def _fmt(number: float) -> str:
    return format_number(number)


def _unknown(indicator: Indicator, check: CheckResult, values: Mapping[str, Value],
             lang: str) -> tuple[str, str | None]:
    label = label_of(indicator, lang)
    evidence = (indicator.evidence_en if lang == "en" else indicator.evidence) or None
    if indicator.derive_from is not None and _series(values, indicator.derive_from) is None:
        action = (
            "Give the three yearly outputs (the growth is then computed) or the growth rate."
            if lang == "en"
            else "请补充近三年集群年产值（据此自动推算年均增速），或直接填写增速。"
        )
    elif check.unknown_reason == "uncertain":
        action = (f"You answered “not sure”: check “{label}”." if lang == "en"
                  else f"您选择了“不确定”：请核实“{label}”。")
    else:
        action = (f"Not answered yet: give “{label}”." if lang == "en"
                  else f"尚未回答：请补充“{label}”。")
    if evidence:
        action += f" Evidence: {evidence}." if lang == "en" else f"所需材料：{evidence}。"
    return action, evidence


def _bool(indicator: Indicator, lang: str) -> str:
    label = label_of(indicator, lang)
    if indicator.id == "no_major_incidents":
        return ("The last three years must be free of such problems: once three full years have "
                "passed without a new one, the precondition is met." if lang == "en"
                else "近三年内须无此类问题：自最近一次问题起满三年且期间无新问题，才满足本项。")
    if indicator.id == "within_county":
        return ("A cluster lies within one county-level division (Measures, Art. 2): redraw its "
                "boundary within one county before applying." if lang == "en"
                else "集群须位于一个县级行政区划内（《暂行办法》第二条）："
                     "按县域重新界定集群范围后再申报。")
    evidence = indicator.evidence_en if lang == "en" else indicator.evidence
    if lang == "en":
        return f"To do before the next application: {label}" + (
            f"; keep the evidence ({evidence})." if evidence else ".")
    proof = f"，并备齐证明材料（{evidence}）。" if evidence else "。"
    return f"下一次申报前需做到：{label}{proof}"


def _output_series(indicator: Indicator, series: list[float], lang: str) -> tuple[str, float]:
    assert indicator.comparison is not None and indicator.threshold is not None
    limit = indicator.threshold
    met_from_end = 0
    for number in reversed(series):
        if number < limit:
            break
        met_from_end += 1
    years = len(series) - met_from_end
    last = series[-1]
    amount = quantity(indicator, limit, lang)
    if lang == "en":
        text = f"Output must be at least {amount} in each of three consecutive years."
        if last < limit:
            text += (f" Next year: at least {amount} ({_fmt(_up(limit - last))} more than the "
                     f"latest {quantity(indicator, last, lang)})")
        else:
            text += f" Keep at least {amount} a year"
        return text + f"; all three years meet it after {years} more year(s).", limit
    text = f"集群年产值需连续三年每年不低于 {amount}。"
    if last < limit:
        text += (f"明年产值需不低于 {amount}（比最近一年的 {quantity(indicator, last, lang)}"
                 f"增加 {_fmt(_up(limit - last))} 亿元）")
    else:
        text += f"明年起保持每年不低于 {amount}"
    return text + f"，连续 {years} 年达到后，近三年产值才全部达标。", limit


def _growth(edition: CriteriaEdition, indicator: Indicator, value: float, series: list[float],
            lang: str) -> tuple[str, float]:
    """The output next year that lifts the growth over the next three years above the limit:
    the window becomes (year 2, year 3, next year), so next year > year 2 × (1 + limit)²."""
    assert indicator.threshold is not None and indicator.comparison is not None
    source = edition.indicator(indicator.derive_from or "")
    rate = indicator.threshold / 100
    needed = series[-2] * (1 + rate) ** (len(series) - 1)
    floor = ""
    if source.threshold is not None and source.threshold > needed:
        needed = source.threshold
        minimum = quantity(source, source.threshold, lang)
        floor = (f", and the output floor of {minimum}" if lang == "en"
                 else f"，同时满足每年不低于 {minimum}")
    target = _up(needed)
    last = series[-1]
    word = (_NEED_EN if lang == "en" else _NEED_ZH)[indicator.comparison]
    limit, shown_target = f"{_fmt(indicator.threshold)}%", quantity(source, target, lang)
    change = (target / last - 1) * 100 if last > 0 else None
    if lang == "en":
        growth = (f"{_fmt(_up(change))}% more than the latest {quantity(source, last, lang)}"
                  if change is not None and change > 0
                  else f"holding the latest {quantity(source, last, lang)} is enough")
        return (f"Average growth {_fmt(value)}%, must be {word} {limit}: next year's output must "
                f"be {word} {shown_target} ({growth}){floor} for the three-year growth to be "
                f"{word} {limit}."), target
    growth = (f"比最近一年的 {quantity(source, last, lang)}增长 {_fmt(_up(change))}%"
              if change is not None and change > 0
              else f"保持最近一年 {quantity(source, last, lang)}的水平即可")
    return (f"产值年均增速 {_fmt(value)}%，需{word} {limit}：明年产值需{word} {shown_target}"
            f"（{growth}）{floor}，届时近三年年均增速才能{word} {limit}。"), target


def _share(indicator: Indicator, value: float, values: Mapping[str, Value],
           output_id: str | None, lang: str) -> tuple[str, float]:
    assert indicator.comparison is not None and indicator.threshold is not None
    limit = indicator.threshold
    label = label_of(indicator, lang)
    word = (_NEED_EN if lang == "en" else _NEED_ZH)[indicator.comparison]
    gap = _fmt(abs(limit - value))
    series = _series(values, output_id)
    if lang == "en":
        text = f"{label} must be {word} {_fmt(limit)}% (now {_fmt(value)}%, {gap} points short)"
        if series:
            latest = series[-1]
            text += (f": at the latest output of {_fmt(latest)} × 100M yuan that is "
                     f"{word} {_fmt(_up(latest * limit / 100))} × 100M yuan of it")
        return text + ", in the statistics of the year the next application uses.", limit
    text = f"{label}需{word} {_fmt(limit)}%（目前 {_fmt(value)}%，差 {gap} 个百分点）"
    if series:
        latest = series[-1]
        part = label.removesuffix("占比")
        text += (f"：按最近一年产值 {_fmt(latest)} 亿元计，{part}需{word} "
                 f"{_fmt(_up(latest * limit / 100))} 亿元"
                 f"（目前约 {_fmt(latest * value / 100)} 亿元）")
    return text + "，以下一次申报所依据的年度统计为准。", limit


def _count(dimension: Dimension | None, indicator: Indicator, value: float,
           values: Mapping[str, Value], lang: str) -> tuple[str, float]:
    assert indicator.threshold is not None
    more = max(0, math.ceil(indicator.threshold - value))
    # "再增加 6 家专精特新…企业", not "…企业数": the label names a count.
    label = label_of(indicator, lang) if lang == "en" else indicator.label.removesuffix("数")
    if lang == "en":
        text = f"{more} more {label} (to reach {_fmt(indicator.threshold)})"
    else:
        text = f"再增加 {more} 家{label}（达到 {_fmt(indicator.threshold)} 家）"
    partner = None
    if dimension is not None and indicator.either_or:
        partner = next(i for i in dimension.indicators if i.id == indicator.either_or)
    if partner is not None and partner.threshold is not None:
        other = values.get(partner.id)
        partner_label = (label_of(partner, lang) if lang == "en"
                         else partner.label.removesuffix("数"))
        if isinstance(other, int | float) and not isinstance(other, bool):
            need = max(0, math.ceil(partner.threshold - other))
            alt = (f"{need} more {partner_label}" if lang == "en"
                   else f"再增加 {need} 家{partner_label}（达到 {_fmt(partner.threshold)} 家）")
        else:
            alt = (f"give the count of {partner_label}" if lang == "en"
                   else f"补充“{partner_label}”的数量")
        text += (f", or {alt}: either one suffices" if lang == "en"
                 else f"，或{alt}：二者满足其一即可")
    return text + ("." if lang == "en" else "。"), indicator.threshold


def _number(indicator: Indicator, value: float, lang: str) -> tuple[str, float]:
    assert indicator.comparison is not None and indicator.threshold is not None
    label = label_of(indicator, lang)
    limit, shown = quantity(indicator, indicator.threshold, lang), quantity(indicator, value, lang)
    if indicator.soft:
        over = quantity(indicator, value - indicator.threshold, lang)
        if lang == "en":
            return (f"{label} {shown} is {over} over the usual limit of {limit}: explain the "
                    "boundary in the application or draw it tighter."), indicator.threshold
        return (f"{label} {shown}，超出一般上限 {limit} 约 {over}："
                "申报材料中需说明集群范围的合理性，或收窄集群边界。"), indicator.threshold
    word = (_NEED_EN if lang == "en" else _NEED_ZH)[indicator.comparison]
    gap = abs(indicator.threshold - value)
    amount = f"{_fmt(gap)} points" if indicator.unit == "%" else quantity(indicator, gap, lang)
    if lang == "en":
        return f"{label} must be {word} {limit} (now {shown}, {amount} short).", indicator.threshold
    amount = f"{_fmt(gap)} 个百分点" if indicator.unit == "%" else quantity(indicator, gap, lang)
    return (f"{label}需{word} {limit}（目前 {shown}，差 {amount}），"
            "以下一次申报所依据的年度数据为准。", indicator.threshold)


def indicator_advice(
    edition: CriteriaEdition,
    dimension: Dimension | None,
    indicator: Indicator,
    check: CheckResult,
    values: Mapping[str, Value],
    lang: str = "zh",
) -> IndicatorAdvice | None:
    """Advice for one check that fails, warns or is unknown; None for pass and info."""
    if check.status not in ("fail", "warn", "unknown"):
        return None
    cite, heading = lever(dimension.advice_item, lang) if dimension else (None, None)
    value = check.value
    if check.status == "unknown" and value is None:
        action, evidence = _unknown(indicator, check, values, lang)
        return IndicatorAdvice(action, cite, heading, None, evidence)
    target: float | None = None
    if indicator.kind == "bool":
        action = _bool(indicator, lang)
    elif indicator.kind == "yearly_series" and isinstance(value, list):
        action, target = _output_series(indicator, [float(n) for n in value], lang)
    elif isinstance(value, bool) or not isinstance(value, int | float):
        return None
    elif indicator.derive_from is not None and (
        series := _series(values, indicator.derive_from)
    ) is not None:
        action, target = _growth(edition, indicator, float(value), series, lang)
    elif indicator.kind == "percent":
        output = next((i.id for i in edition.indicators() if i.kind == "yearly_series"), None)
        action, target = _share(indicator, float(value), values, output, lang)
    elif indicator.kind == "count":
        action, target = _count(dimension, indicator, float(value), values, lang)
    else:
        action, target = _number(indicator, float(value), lang)
    return IndicatorAdvice(action, cite, heading, target, None)
