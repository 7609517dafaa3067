"""The criteria engine: answers -> verdicts, per ../shared/CRITERIA.md. Pure Python, no bot, no DB.

`assess(edition, answers)` judges every gate and indicator of an edition:

- a check is `pass`, `fail`, `unknown` (not answered), `warn` (a soft 一般不超过 limit exceeded) or
  `info` (recorded; the edition bundles no figure to judge it by);
- a dimension fails if any check fails, else is unknown if any check is unknown, else passes;
- `eligible` is False if any gate or dimension fails, else None if anything is unknown, else True.

Every failed or warned check states the value, the threshold and the gap in words.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from knowledge.criteria import (
    CriteriaEdition,
    Dimension,
    Indicator,
    UnknownEditionError,
    format_number,
    load_edition,
)

if TYPE_CHECKING:
    from knowledge.kb import KnowledgeBase

CheckStatus = Literal["pass", "fail", "unknown", "warn", "info"]
Status = Literal["pass", "fail", "unknown"]
Value = bool | int | float | list[int | float] | None

MEASURES_DOC = "measures-2022"
ARTICLE_6 = "第六条"
# 第六条's item headings (FACTS.md §1). The seed lost item (四)'s heading, so the knowledge base
# may not carry it; this table lets advice always name the item.
ITEM_HEADINGS: dict[str, str] = {
    "（一）": "提升集群主导产业优势",
    "（二）": "激发集群创新活力",
    "（三）": "推进集群数字化升级",
    "（四）": "加快集群绿色低碳转型",
    "（五）": "深化集群开放合作",
    "（六）": "提升集群治理和服务能力",
}
ITEM_HEADINGS_EN: dict[str, str] = {
    "（一）": "Strengthen the leading industry's advantages",
    "（二）": "Stimulate innovation",
    "（三）": "Advance digital upgrading",
    "（四）": "Speed up the green, low-carbon transition",
    "（五）": "Deepen open cooperation",
    "（六）": "Improve governance and services",
}


class AssessmentInputError(ValueError):
    """An answer the engine cannot judge. `field` names the edition or indicator at fault."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


# ------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class CheckResult:
    id: str
    label: str
    status: CheckStatus
    value: Value
    threshold: str | None
    gap: str | None
    derived: bool
    message: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "value": self.value,
            "threshold": self.threshold,
            "gap": self.gap,
            "derived": self.derived,
            "message": self.message,
        }


@dataclass(frozen=True)
class GateResult:
    id: str
    label: str
    status: Status
    message: str


@dataclass(frozen=True)
class DimensionResult:
    id: str
    number: str
    name: str
    status: Status
    checks: tuple[CheckResult, ...]


@dataclass(frozen=True)
class Advice:
    """What to work on for a failed dimension, quoting the matching item of 第六条."""

    dimension_id: str
    dimension_name: str
    label: str  # 《暂行办法》第六条（四）
    heading: str  # 加快集群绿色低碳转型
    quote: str | None  # the item's text from the knowledge base (None if it cannot be loaded)


@dataclass(frozen=True)
class Assessment:
    edition_id: str
    edition_name: str
    lang: str
    eligible: bool | None
    gates: tuple[GateResult, ...]
    dimensions: tuple[DimensionResult, ...]
    advice: tuple[Advice, ...] = field(default=())
    next_step: str = ""
    next_step_source: str = ""

    def to_json(self) -> dict[str, Any]:
        """Exactly the CONTRACTS.md shape of `smebot assess --json`."""
        return {
            "edition": self.edition_id,
            "eligible": self.eligible,
            "gates": [{"id": gate.id, "status": gate.status} for gate in self.gates],
            "dimensions": [
                {
                    "id": dimension.id,
                    "name": dimension.name,
                    "status": dimension.status,
                    "checks": [check.to_json() for check in dimension.checks],
                }
                for dimension in self.dimensions
            ],
        }

    def verdict(self) -> str:
        return verdict_text(self.eligible, self.lang)


def verdict_text(eligible: bool | None, lang: str = "zh") -> str:
    if lang == "en":
        return {
            True: "Meets every requirement of this edition (self-assessment).",
            False: "Does not meet this edition's requirements yet.",
            None: "Not decided: some answers are still unknown.",
        }[eligible]
    return {
        True: "按自评结果，符合本版标准的全部要求。",
        False: "目前尚不符合本版标准的要求。",
        None: "结论待定：还有未回答的项目。",
    }[eligible]


# ------------------------------------------------------------------------------------------
# Input checks


def _is_number(value: object) -> bool:
    # bool is an int subclass in Python: a yes/no must never pass for a count.
    return isinstance(value, int | float) and not isinstance(value, bool)


def _validate(indicator: Indicator, value: object) -> Value:
    """Raise AssessmentInputError for a value of the wrong kind or out of range."""
    if value is None:
        return None
    field_id = indicator.id
    if indicator.kind == "bool":
        if not isinstance(value, bool):
            raise AssessmentInputError(field_id, f"expected yes/no (true/false), got {value!r}")
        return value
    if indicator.kind == "yearly_series":
        if not isinstance(value, Sequence) or isinstance(value, str | bytes):
            raise AssessmentInputError(field_id, f"expected a list of 3 numbers, got {value!r}")
        years = indicator.years or 3
        if len(value) != years:
            raise AssessmentInputError(
                field_id, f"expected exactly {years} yearly figures, got {len(value)}"
            )
        numbers: list[int | float] = []
        for index, item in enumerate(value):
            numbers.append(_validate_number(indicator, item, f"{field_id}[{index}]"))
        return numbers
    return _validate_number(indicator, value, field_id)


def _validate_number(indicator: Indicator, value: object, field_id: str) -> int | float:
    if not _is_number(value):
        raise AssessmentInputError(field_id, f"expected a number, got {value!r}")
    number = float(value)  # type: ignore[arg-type]
    if not math.isfinite(number):
        raise AssessmentInputError(field_id, "the number must be finite")
    if indicator.kind == "percent" and not 0 <= number <= 100:
        raise AssessmentInputError(field_id, f"a share must lie between 0 and 100, got {value}")
    if indicator.kind == "count":
        if number < 0:
            raise AssessmentInputError(field_id, f"a count cannot be negative, got {value}")
        if number != int(number):
            raise AssessmentInputError(field_id, f"a count must be a whole number, got {value}")
        return int(number)
    if indicator.minimum is not None and number < indicator.minimum:
        raise AssessmentInputError(
            field_id, f"must be at least {format_number(indicator.minimum)}, got {value}"
        )
    return value  # type: ignore[return-value]


# ------------------------------------------------------------------------------------------
# Wording


_WORDS_ZH = {">=": "需不低于", ">": "需高于", "<=": "需不超过"}
_WORDS_EN = {">=": "must be at least", ">": "must be above", "<=": "must not exceed"}
_MET_ZH = {">=": "不低于", ">": "高于", "<=": "不超过"}
_MET_EN = {">=": "at least", ">": "above", "<=": "within"}


def _quantity(indicator: Indicator, number: float, lang: str) -> str:
    text = format_number(number)
    if lang == "en":
        unit = indicator.unit_en or indicator.unit or ""
        return f"{text}%" if unit == "%" else f"{text} {unit}".rstrip()
    return f"{text}{indicator.unit or ''}"


def _gap_amount(indicator: Indicator, amount: float, lang: str) -> str:
    text = format_number(amount)
    if indicator.unit == "%":
        return f"{text} percentage points" if lang == "en" else f"{text} 个百分点"
    if lang == "en":
        unit = indicator.unit_en or indicator.unit or ""
        return f"{text} {unit}".rstrip()
    return f"{text} {indicator.unit or ''}".rstrip()


def _label(indicator: Indicator, lang: str) -> str:
    return indicator.label_en if lang == "en" else indicator.label


def _compare(comparison: str, value: float, threshold: float) -> bool:
    # Rounding to 6 decimals keeps derived figures (e.g. (48.4/40)^½ − 1 = 10%) from failing or
    # passing a boundary on floating-point noise.
    value = round(value, 6)
    if comparison == ">=":
        return value >= threshold
    if comparison == ">":
        return value > threshold
    return value <= threshold


def _shortfall(indicator: Indicator, value: float, lang: str, prefix: str) -> str:
    """ "产值年均增速 8.2%，需高于 10%，差 1.8 个百分点" (and the English form)."""
    assert indicator.comparison is not None and indicator.threshold is not None
    threshold = indicator.threshold
    shown = _quantity(indicator, value, lang)
    limit = _quantity(indicator, threshold, lang)
    amount = abs(threshold - value)
    if lang == "en":
        word = "should generally not exceed" if indicator.soft else _WORDS_EN[indicator.comparison]
        if indicator.comparison == "<=":
            return f"{prefix} {shown}, {word} {limit}: {_gap_amount(indicator, amount, lang)} over"
        if indicator.comparison == ">" and math.isclose(value, threshold):
            return f"{prefix} {shown}, {word} {limit} (equal is not enough)"
        return f"{prefix} {shown}, {word} {limit}: {_gap_amount(indicator, amount, lang)} short"
    word = "一般不超过" if indicator.soft else _WORDS_ZH[indicator.comparison]
    if indicator.comparison == "<=":
        return f"{prefix} {shown}，{word} {limit}，超出 {_gap_amount(indicator, amount, lang)}"
    if indicator.comparison == ">" and math.isclose(value, threshold):
        return f"{prefix} {shown}，{word} {limit}（恰好等于不算达标）"
    return f"{prefix} {shown}，{word} {limit}，差 {_gap_amount(indicator, amount, lang)}"


def _met(indicator: Indicator, value: float, lang: str, prefix: str) -> str:
    assert indicator.comparison is not None and indicator.threshold is not None
    shown = _quantity(indicator, value, lang)
    limit = _quantity(indicator, indicator.threshold, lang)
    if lang == "en":
        return f"{prefix} {shown}, {_MET_EN[indicator.comparison]} {limit}: met"
    return f"{prefix} {shown}，{_MET_ZH[indicator.comparison]} {limit}，达标"


# ------------------------------------------------------------------------------------------
# Judging one indicator


def _judge_bool(indicator: Indicator, value: bool | None, lang: str) -> CheckResult:
    label = _label(indicator, lang)
    if value is None:
        status: CheckStatus = "unknown"
        message = f"Not answered: {label}" if lang == "en" else f"未回答：{label}"
        gap = None
    elif value:
        status = "pass"
        message = f"Yes: {label}" if lang == "en" else f"满足：{label}"
        gap = None
    else:
        status = "fail" if indicator.required else "info"
        message = f"Not met: {label}" if lang == "en" else f"未满足：{label}"
        gap = message if status == "fail" else None
    return CheckResult(indicator.id, label, status, value, None, gap, False, message)


def _judge_number(
    indicator: Indicator, value: int | float | None, lang: str, *, derived: bool = False
) -> CheckResult:
    label = _label(indicator, lang)
    note = ""
    if derived:
        note = " (derived from the three yearly outputs)" if lang == "en" else "（按三年产值推算）"
    threshold = indicator.threshold_text
    if value is None and indicator.info:
        # Nothing to judge it by, so leaving it out must not make the dimension unknown.
        message = (
            f"Not answered: {label} (recorded only; it does not affect the verdict)"
            if lang == "en"
            else f"未回答：{label}（本版只作记录，不影响结论）"
        )
        return CheckResult(indicator.id, label, "info", None, None, None, derived, message)
    if value is None:
        message = f"Not answered: {label}" if lang == "en" else f"未回答：{label}"
        return CheckResult(indicator.id, label, "unknown", None, threshold, None, derived, message)
    if indicator.info or indicator.comparison is None or indicator.threshold is None:
        shown = _quantity(indicator, value, lang)
        message = (
            f"{label} {shown}: recorded; this edition bundles no figure to judge it by"
            if lang == "en"
            else f"{label} {shown}：已记录，本版标准未附具体数值，不作判断"
        )
        return CheckResult(indicator.id, label, "info", value, None, None, derived, message)
    if _compare(indicator.comparison, value, indicator.threshold):
        message = _met(indicator, value, lang, label) + note
        return CheckResult(indicator.id, label, "pass", value, threshold, None, derived, message)
    gap = _shortfall(indicator, value, lang, label) + note
    status: CheckStatus = "warn" if indicator.soft else "fail"
    return CheckResult(indicator.id, label, status, value, threshold, gap, derived, gap)


def _judge_series(indicator: Indicator, values: list[int | float] | None, lang: str) -> CheckResult:
    label = _label(indicator, lang)
    threshold = indicator.threshold_text
    if values is None:
        message = f"Not answered: {label}" if lang == "en" else f"未回答：{label}"
        return CheckResult(indicator.id, label, "unknown", None, threshold, None, False, message)
    assert indicator.comparison is not None and indicator.threshold is not None
    gaps: list[str] = []
    for index, value in enumerate(values, start=1):
        if not _compare(indicator.comparison, value, indicator.threshold):
            prefix = f"{label}, year {index}," if lang == "en" else f"{label}第 {index} 年"
            gaps.append(_shortfall(indicator, value, lang, prefix))
    if not gaps:
        shown = ", ".join(_quantity(indicator, value, lang) for value in values)
        limit = _quantity(indicator, indicator.threshold, lang)
        message = (
            f"{label} {shown}: each year at least {limit}, met"
            if lang == "en"
            else f"{label} {shown}：每年不低于 {limit}，达标"
        )
        return CheckResult(indicator.id, label, "pass", values, threshold, None, False, message)
    gap = "; ".join(gaps) if lang == "en" else "；".join(gaps)
    return CheckResult(indicator.id, label, "fail", values, threshold, gap, False, gap)


def derive_growth_pct(values: Sequence[float]) -> float | None:
    """Compound annual growth over the two intervals of three yearly outputs, in %.

    (v3 / v1)^(1/2) − 1; None when the first year is zero (no growth rate can be formed).
    """
    first, last = float(values[0]), float(values[-1])
    if first <= 0 or last < 0:
        return None
    intervals = len(values) - 1
    return round(((last / first) ** (1 / intervals) - 1) * 100, 6)


# ------------------------------------------------------------------------------------------
# Either/or


def _apply_either_or(
    dimension: Dimension, checks: dict[str, CheckResult], lang: str
) -> dict[str, CheckResult]:
    """Two indicators where satisfying one is enough (≥1 champion OR ≥N specialised SMEs).

    Each member's reported status becomes the group's status (pass if either passes, else
    unknown if either is unknown, else fail), so a dimension's roll-up over its checks stays the
    plain rule of CRITERIA.md. The message says why a member's own figure did not decide.
    """
    result = dict(checks)
    done: set[str] = set()
    for indicator in dimension.indicators:
        partner_id = indicator.either_or
        if partner_id is None or indicator.id in done:
            continue
        members = (checks[indicator.id], checks[partner_id])
        done.update({indicator.id, partner_id})
        statuses = {member.status for member in members}
        group: CheckStatus = (
            "pass" if "pass" in statuses else "unknown" if "unknown" in statuses else "fail"
        )
        for member, other in (members, members[::-1]):
            if member.status == group:
                if group == "fail":
                    suffix = (
                        " (either condition suffices; neither is met)"
                        if lang == "en"
                        else "（二者满足其一即可，目前均未满足）"
                    )
                    result[member.id] = _replace(member, message=member.message + suffix)
                continue
            if group == "pass":
                message = (
                    f"{member.message}; but “{other.label}” is met, and either one suffices"
                    if lang == "en"
                    else f"{member.message}；但“{other.label}”已满足，二者满足其一即可"
                )
                result[member.id] = _replace(member, status="pass", gap=None, message=message)
            else:  # group unknown: this member failed, the other is not answered yet
                message = (
                    f"{member.message}; “{other.label}” is not answered yet and either one suffices"
                    if lang == "en"
                    else f"{member.message}；“{other.label}”尚未回答，二者满足其一即可"
                )
                result[member.id] = _replace(member, status="unknown", message=message)
    return result


def _replace(check: CheckResult, **changes: Any) -> CheckResult:
    from dataclasses import replace

    return replace(check, **changes)


# ------------------------------------------------------------------------------------------
# The assessment


def _roll_up(statuses: Sequence[str]) -> Status:
    if "fail" in statuses:
        return "fail"
    if "unknown" in statuses:
        return "unknown"
    return "pass"


def _resolve_edition(edition: CriteriaEdition | str) -> CriteriaEdition:
    if isinstance(edition, CriteriaEdition):
        return edition
    try:
        return load_edition(edition)
    except UnknownEditionError as exc:
        raise AssessmentInputError("edition", str(exc)) from None


def validate_answers(
    edition: CriteriaEdition | str, answers: Mapping[str, object]
) -> dict[str, Value]:
    """Check every answer against its indicator; returns them normalised (counts as int)."""
    resolved = _resolve_edition(edition)
    known = {indicator.id: indicator for indicator in resolved.indicators()}
    clean: dict[str, Value] = {}
    for key, value in answers.items():
        indicator = known.get(str(key))
        if indicator is None:
            raise AssessmentInputError(
                str(key), f"unknown indicator for edition {resolved.id!r}"
            )
        clean[indicator.id] = _validate(indicator, value)
    return clean


def assess(
    edition: CriteriaEdition | str,
    answers: Mapping[str, object],
    *,
    lang: str = "zh",
    kb: KnowledgeBase | None = None,
    with_advice: bool = True,
) -> Assessment:
    """Judge `answers` (indicator id -> value; missing means unknown) against `edition`.

    `kb` supplies 第六条's item texts for advice (default: the packaged knowledge base).
    Raises AssessmentInputError naming the field for an unknown edition or indicator, a value of
    the wrong kind, a share outside 0–100, a negative count or not exactly three yearly outputs.
    """
    resolved = _resolve_edition(edition)
    values = validate_answers(resolved, answers)

    gates = []
    for indicator in resolved.gate.indicators:
        check = _judge_bool(indicator, values.get(indicator.id), lang)  # type: ignore[arg-type]
        status: Status = check.status if check.status in ("pass", "fail") else "unknown"  # type: ignore[assignment]
        gates.append(GateResult(indicator.id, check.label, status, check.message))

    dimensions = []
    for dimension in resolved.dimensions:
        checks: dict[str, CheckResult] = {}
        for indicator in dimension.indicators:
            checks[indicator.id] = _judge(indicator, values, lang)
        checks = _apply_either_or(dimension, checks, lang)
        ordered = tuple(checks[indicator.id] for indicator in dimension.indicators)
        name = dimension.name_en if lang == "en" else dimension.name
        dimensions.append(
            DimensionResult(
                dimension.id,
                dimension.number,
                name,
                _roll_up([check.status for check in ordered]),
                ordered,
            )
        )

    statuses = [gate.status for gate in gates] + [d.status for d in dimensions]
    eligible: bool | None
    if "fail" in statuses:
        eligible = False
    elif "unknown" in statuses:
        eligible = None
    else:
        eligible = True

    advice: tuple[Advice, ...] = ()
    if with_advice:
        advice = tuple(
            _advice(resolved.dimension(result.id), result.name, lang, kb)
            for result in dimensions
            if result.status == "fail"
        )
    next_step, source = next_step_text(resolved, eligible, lang)
    return Assessment(
        edition_id=resolved.id,
        edition_name=resolved.name(lang),
        lang=lang,
        eligible=eligible,
        gates=tuple(gates),
        dimensions=tuple(dimensions),
        advice=advice,
        next_step=next_step,
        next_step_source=source,
    )


def _judge(indicator: Indicator, values: Mapping[str, Value], lang: str) -> CheckResult:
    value = values.get(indicator.id)
    if indicator.kind == "bool":
        return _judge_bool(indicator, value, lang)  # type: ignore[arg-type]
    if indicator.kind == "yearly_series":
        return _judge_series(indicator, value, lang)  # type: ignore[arg-type]
    if value is None and indicator.derive_from is not None:
        series = values.get(indicator.derive_from)
        if isinstance(series, list):
            derived = derive_growth_pct(series)
            if derived is not None:
                return _judge_number(indicator, round(derived, 4), lang, derived=True)
    return _judge_number(indicator, value, lang)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------
# Advice and the next step


def _advice(
    dimension: Dimension, name: str, lang: str, kb: KnowledgeBase | None
) -> Advice:
    item = dimension.advice_item
    heading = ITEM_HEADINGS_EN[item] if lang == "en" else ITEM_HEADINGS[item]
    label = f"Measures, Art. 6 {item}" if lang == "en" else f"《暂行办法》{ARTICLE_6}{item}"
    return Advice(dimension.id, name, label, heading, item_text(item, kb))


def item_text(item: str, kb: KnowledgeBase | None = None) -> str | None:
    """The text of 第六条's `item` ("（四）") from the knowledge base, or None if unavailable."""
    if kb is None:
        try:
            from knowledge.kb import default_knowledge_base
        except ImportError:  # the knowledge base module is optional for the engine
            return None
        kb = default_knowledge_base()
    try:
        article = kb.article(MEASURES_DOC, ARTICLE_6, item=item)
    except LookupError:  # UnknownReferenceError is a KeyError: the item is not in the source
        return None
    # Some knowledge bases (test doubles) answer None rather than raising.
    text = getattr(article, "text", None)
    return text if isinstance(text, str) and text.strip() else None


def next_step_text(
    edition: CriteriaEdition, eligible: bool | None, lang: str = "zh"
) -> tuple[str, str]:
    """Who applies and how (FACTS.md §2, public reporting), framed by the verdict."""
    if lang == "en":
        lead = {
            True: "",
            None: "Answer the unknown items first (send /assess to assess again; this result "
                  "stays in the history); then note: ",
            False: "Close the gaps above first, then assess again. When ready: ",
        }[eligible]
        body = (
            "applying is voluntary and the applicant is the county-level SME authority where the "
            "cluster lies — not an individual company. It fills in the application form with "
            "supporting evidence and sends it to the provincial SME authority, which reviews it "
            "(with on-site spot checks) and recommends the best clusters to MIIT."
        )
        if edition.level == "provincial":
            body += " For provincial clusters, follow the province's notice of the year."
        if not lead:
            body = body[0].upper() + body[1:]
        return lead + body, "Public reporting on the measures"
    lead = {
        True: "",
        # A finished assessment is kept in the history, not as a draft: say what really works.
        None: "请先补齐“未知”的项目：发送 /assess 重新自评（本次结果可在“历史记录”中查看、对比）。",
        False: "请先对照建议补齐短板，再重新自评。条件具备后：",
    }[eligible]
    body = (
        "申报自愿，申报主体是集群所在地县级行政区划中小企业主管部门（不是单个企业）："
        "由其填写《中小企业特色产业集群申报表》并附证明材料，报送省级中小企业主管部门；"
        "省级主管部门初审（含实地抽查）后择优向工业和信息化部推荐。"
    )
    if edition.level == "provincial":
        body += "省级集群的申报安排以本省当年通知为准。"
    return lead + body, "公开报道"
