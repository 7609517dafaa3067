"""Is a figure of the right kind plausible for its indicator? Checked before a value is stored
(the chat asks back) and listed by `assess()` (the CLI's "warnings").

The bounds live here, in one table keyed by what a figure measures (a money amount in 亿元, a
share in %, a growth rate derived from a series), not in the edition files: they are facts about
units, the same in every edition, and putting them in each file would copy them per province and
let two editions disagree on what "4500000000 亿元" means. A new indicator with unit 亿元 or kind
percent gets the checks from its data alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from knowledge.criteria import CriteriaEdition, Indicator, format_number
from knowledge.engine.inputs import is_number, resolve_edition
from knowledge.engine.judging import derive_growth_pct, label_of
from knowledge.engine.results import Value

# No county-level cluster produces 1 万亿元 (10,000 亿元) a year: the largest national clusters
# report a few hundred 亿元. A figure above it was typed in 元 or 万元.
MAX_OUTPUT_YI = 10_000
YUAN_PER_YI = 100_000_000
WAN_PER_YI = 10_000
# A typed growth rate and the rate the three outputs imply may differ by rounding and by the
# statistics' base year; more than one percentage point apart, one of them is wrong.
GROWTH_TOLERANCE_POINTS = 1.0

WarningKind = Literal["yuan", "wan_yuan", "fraction", "share_over_100", "growth_contradiction"]


@dataclass(frozen=True)
class PlausibilityWarning:
    """A value of the right kind that is implausible for `indicator`.

    `suggested` is the reading the bot would take instead (None: there is no sensible one);
    `suggested_text` the same in words with its unit, for asking back ("45 亿元")."""

    indicator: str
    value: Value
    message: str
    suggested: Value
    kind: WarningKind
    suggested_text: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The CONTRACTS.md shape of one entry of "warnings"."""
        return {
            "indicator": self.indicator,
            "value": self.value,
            "message": self.message,
            "suggested": self.suggested,
        }

    def question(self, lang: str = "zh") -> str:
        """How the chat asks back: "您是指 45 亿元吗？"."""
        if self.suggested_text is None:
            return self.message
        if lang == "en":
            return f"Did you mean {self.suggested_text}?"
        return f"您是指 {self.suggested_text}吗？"


def _shown(indicator: Indicator, value: Value, lang: str) -> str:
    unit = (indicator.unit_en or indicator.unit or "") if lang == "en" else (indicator.unit or "")
    if isinstance(value, list):
        numbers = ", ".join(format_number(float(item)) for item in value)
    else:
        numbers = format_number(float(value))  # type: ignore[arg-type]
    if unit == "%":
        return f"{numbers}%"
    return f"{numbers} {unit}".rstrip()


def _money(indicator: Indicator, value: Value, lang: str) -> PlausibilityWarning | None:
    numbers = value if isinstance(value, list) else [value]
    if not any(is_number(n) and float(n) > MAX_OUTPUT_YI for n in numbers):  # type: ignore[arg-type]
        return None
    top = max(float(n) for n in numbers)  # type: ignore[arg-type]
    # 1 亿 and up reads as 元 (as 万元 it would already be ≥ 1 万亿元); below that, as 万元.
    kind: WarningKind = "yuan" if top >= YUAN_PER_YI else "wan_yuan"
    divisor = YUAN_PER_YI if kind == "yuan" else WAN_PER_YI

    def convert(number: float) -> int | float:
        # Figures already plausible stay: only the ones typed in the smaller unit are converted.
        if number <= MAX_OUTPUT_YI:
            return number
        converted = round(number / divisor, 4)
        return int(converted) if converted == int(converted) else converted

    suggested: Value
    if isinstance(value, list):
        suggested = [convert(float(n)) for n in value]
    else:
        suggested = convert(float(value))  # type: ignore[arg-type]
    label, typed, reading = label_of(indicator, lang), _shown(indicator, value, lang), _shown(
        indicator, suggested, lang
    )
    if lang == "en":
        unit = "yuan" if kind == "yuan" else "10,000 yuan (万元)"
        message = (f"{label} {typed} is more than 1 trillion yuan, beyond any county cluster: "
                   f"it looks typed in {unit}; read as {reading}.")
    else:
        unit = "元" if kind == "yuan" else "万元"
        message = (f"{label} {typed}超过 1 万亿元，不像一个县域集群的产值：像是按“{unit}”填写的，"
                   f"按亿元计为 {reading}。")
    return PlausibilityWarning(indicator.id, value, message, suggested, kind, reading)


def _share(indicator: Indicator, value: float, lang: str) -> PlausibilityWarning | None:
    label = label_of(indicator, lang)
    if 0 < value < 1:
        suggested = round(value * 100, 4)
        suggested = int(suggested) if suggested == int(suggested) else suggested
        typed, reading = format_number(value), f"{format_number(suggested)}%"
        message = (
            f"{label} {typed} looks like a fraction: a share is asked in percent, so {reading}."
            if lang == "en"
            else f"{label}填写为 {typed}，像是小数形式的比例：比重按百分数填写，应为 {reading}。"
        )
        return PlausibilityWarning(indicator.id, value, message, suggested, "fraction", reading)
    if value > 100:
        message = (
            f"{label} {format_number(value)}%: a share cannot exceed 100%."
            if lang == "en"
            else f"{label} {format_number(value)}%：比重不能超过 100%。"
        )
        return PlausibilityWarning(indicator.id, value, message, None, "share_over_100")
    return None


def _growth(
    edition: CriteriaEdition, indicator: Indicator, value: float, answers: Mapping[str, object],
    lang: str,
) -> PlausibilityWarning | None:
    series = answers.get(indicator.derive_from or "")
    if not isinstance(series, list) or not series or not all(is_number(n) for n in series):
        return None
    derived = derive_growth_pct([float(n) for n in series])
    if derived is None or abs(value - derived) <= GROWTH_TOLERANCE_POINTS:
        return None
    suggested = round(derived, 2)
    source = edition.indicator(indicator.derive_from or "")
    outputs = _shown(source, series, lang)  # type: ignore[arg-type]
    apart = format_number(abs(value - derived))
    reading = f"{format_number(suggested)}%"
    if lang == "en":
        message = (f"The three outputs {outputs} imply {reading} a year, "
                   f"{apart} points from the {format_number(value)}% given.")
    else:
        message = (f"按近三年产值 {outputs} 推算，年均增速为 {reading}，"
                   f"与填写的 {format_number(value)}% 相差 {apart} 个百分点。")
    return PlausibilityWarning(indicator.id, value, message, suggested, "growth_contradiction",
                               reading)


def check_plausibility(
    edition: CriteriaEdition | str,
    indicator_id: str,
    value: object,
    answers: Mapping[str, object] | None = None,
    *,
    lang: str = "zh",
) -> PlausibilityWarning | None:
    """A warning when `value` (already of the right kind) is implausible for the indicator;
    None when it is fine. `answers` are the other answers so far (a growth rate is checked
    against the output series). Pure: nothing is stored or refused here."""
    resolved = resolve_edition(edition)
    indicator = resolved.indicator(indicator_id)
    if value is None or isinstance(value, bool):
        return None
    if indicator.unit == "亿元":
        return _money(indicator, value, lang)  # type: ignore[arg-type]
    if not is_number(value):
        return None
    number = float(value)  # type: ignore[arg-type]
    if indicator.kind == "percent":
        return _share(indicator, number, lang)
    if indicator.derive_from is not None:
        return _growth(resolved, indicator, number, answers or {}, lang)
    return None


def plausibility_warnings(
    edition: CriteriaEdition | str, answers: Mapping[str, object], *, lang: str = "zh"
) -> tuple[PlausibilityWarning, ...]:
    """Every warning for a set of answers, in the edition's order of indicators."""
    resolved = resolve_edition(edition)
    found = []
    for indicator in resolved.indicators():
        if indicator.id in answers:
            warning = check_plausibility(resolved, indicator.id, answers[indicator.id], answers,
                                         lang=lang)
            if warning is not None:
                found.append(warning)
    return tuple(found)
