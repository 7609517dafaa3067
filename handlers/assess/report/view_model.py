"""One presentation model of an assessment, feeding every renderer: the chat message, the
chart, the HTML and the Word report. Built once from `knowledge.engine.Assessment`; renderers
only lay it out, so a verdict, an either/or note or an unanswered item reads the same
everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from knowledge.criteria import CriteriaEdition, format_number, load_edition, requirement_text
from knowledge.engine import Advice, Assessment, CheckResult, DimensionResult

STATUS_ZH = {"pass": "达标", "fail": "未达标", "unknown": "未知", "warn": "提示", "info": "记录"}
STATUS_EN = {
    "pass": "pass", "fail": "fail", "unknown": "unknown", "warn": "warning", "info": "info"
}
STATUS_ICON = {"pass": "✅", "fail": "❌", "unknown": "❔", "warn": "⚠️", "info": "ℹ️"}
NOT_ASSESSED_ICON = "⬜"

# Every fixed phrase a renderer needs, zh and en (the chat may later take them from the one
# i18n catalogue; the report files keep them with their layout).
TEXTS: dict[str, tuple[str, str]] = {
    "title": ("特色产业集群认定自评报告", "Cluster self-assessment report"),
    "edition": ("标准版本", "Edition"),
    "date": ("日期", "Date"),
    "verdict": ("结论", "Verdict"),
    "gate": ("基本条件", "Preconditions"),
    "overview": ("各方面结论", "Verdict per dimension"),
    "dimension": ("方面", "Dimension"),
    "status": ("状态", "Status"),
    "indicator": ("指标", "Indicator"),
    "value": ("数值", "Value"),
    "requirement": ("要求", "Requirement"),
    "note": ("说明", "Note"),
    "gaps": ("差距", "Gaps"),
    "advice": ("改进建议（目标与依据）", "What to do (targets and policy levers)"),
    "levers": ("政策依据：《暂行办法》第六条", "Policy levers: Measures, Art. 6"),
    "unanswered": ("未回答的项目", "Items not answered"),
    "uncertain": ("回答“不确定”的项目", "Items answered “not sure”"),
    "warnings": ("需要核对的数值", "Figures to check"),
    "next_step": ("下一步", "Next step"),
    "source": ("来源", "Source"),
    "sources": ("来源与说明", "Sources and notes"),
    "chart": ("八个方面的达标情况", "The eight dimensions"),
    "not_assessed": ("未评估", "not assessed"),
    "none": ("无", "none"),
    "derived": ("（推算）", " (derived)"),
    "disclaimer": (
        "本报告为按公开标准的自评结果，不代表主管部门的认定结论。",
        "This is a self-assessment against the published criteria, not an official decision.",
    ),
}


def text(key: str, lang: str) -> str:
    zh, en = TEXTS[key]
    return en if lang == "en" else zh


@dataclass(frozen=True)
class CheckView:
    id: str
    label: str
    status: str
    status_text: str  # "✅ 达标"
    value_text: str  # "40, 44, 48.4亿元（推算）" / "—"
    requirement: str  # "每年不低于40亿元" / "—"
    message: str
    gap: str | None
    advice: str | None
    unknown_reason: str | None
    derived: bool = False


@dataclass(frozen=True)
class DimensionView:
    id: str
    index: int
    heading: str  # "一、具有较强核心竞争力" / "1. Strong core competitiveness"
    status: str
    assessed: bool
    status_text: str  # "❌ 未达标" / "⬜ 未评估"
    either_or_note: str | None
    checks: tuple[CheckView, ...]
    unanswered: tuple[str, ...]
    uncertain: tuple[str, ...]
    score: float | None  # share of judged checks met; None when not assessed


@dataclass(frozen=True)
class AdviceView:
    dimension: str  # the dimension heading, or the gate's name
    indicator: str
    status: str
    text: str  # the action with its target in numbers
    lever: str | None  # 《暂行办法》第六条（一）“提升集群主导产业优势”


@dataclass(frozen=True)
class LeverView:
    """Failed dimensions sharing one item of 第六条: its text is quoted once."""

    label: str
    heading: str
    quote: str | None
    dimensions: tuple[str, ...]


@dataclass(frozen=True)
class AssessmentView:
    lang: str
    title: str
    created_at: str | None
    edition_id: str
    edition_title: str
    edition_name: str
    edition_source: str
    edition_note: str
    province_note: str | None
    verdict: str
    eligible: bool | None
    gates: tuple[CheckView, ...]
    dimensions: tuple[DimensionView, ...]
    warnings: tuple[str, ...]
    unanswered: tuple[str, ...]
    uncertain: tuple[str, ...]
    gaps: tuple[str, ...]
    advice: tuple[AdviceView, ...]
    levers: tuple[LeverView, ...]
    next_step: str
    next_step_source: str

    def t(self, key: str) -> str:
        """A fixed phrase in the view's language (templates call `view.t('gaps')`)."""
        return text(key, self.lang)

    @property
    def disclaimer(self) -> str:
        return self.t("disclaimer")


def status_label(status: str, lang: str = "zh") -> str:
    names = STATUS_EN if lang == "en" else STATUS_ZH
    return f"{STATUS_ICON[status]} {names[status]}"


def value_text(value: object, lang: str, unit: str | None = None) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        if lang == "en":
            return "yes" if value else "no"
        return "是" if value else "否"
    if isinstance(value, list):
        shown = ", ".join(value_text(item, lang) for item in value)
    elif isinstance(value, int | float):
        shown = format_number(float(value))
    else:
        shown = str(value)
    if not unit:
        return shown
    return f"{shown}%" if unit == "%" else (f"{shown} {unit}" if lang == "en" else f"{shown}{unit}")


def group_advice(advice: Sequence[Advice]) -> list[LeverView]:
    """Dimension advice grouped by the cited item, in the order the items first appear."""
    groups: dict[str, LeverView] = {}
    for item in advice:
        group = groups.get(item.label)
        if group is None:
            groups[item.label] = LeverView(item.label, item.heading, item.quote,
                                           (item.dimension_name,))
        else:
            groups[item.label] = LeverView(group.label, group.heading, group.quote,
                                           (*group.dimensions, item.dimension_name))
    return list(groups.values())


def _check_view(edition: CriteriaEdition, check: CheckResult, lang: str) -> CheckView:
    indicator = edition.indicator(check.id)
    unit = (indicator.unit_en or indicator.unit) if lang == "en" else indicator.unit
    shown = value_text(check.value, lang, unit if indicator.kind != "bool" else None)
    if check.derived:
        shown += text("derived", lang)
    if check.status == "unknown" and check.unknown_reason == "uncertain":
        shown = "不确定" if lang != "en" else "not sure"
    requirement = requirement_text(indicator, lang) if indicator.kind != "bool" else None
    if indicator.kind == "bool" and indicator.required:
        requirement = "须满足" if lang != "en" else "required"
    return CheckView(
        id=check.id,
        label=check.label,
        status=check.status,
        status_text=status_label(check.status, lang),
        value_text=shown,
        requirement=requirement or "—",
        message=check.message,
        gap=check.gap,
        advice=check.advice.text(lang) if check.advice is not None else None,
        unknown_reason=check.unknown_reason,
        derived=check.derived,
    )


def _score(dimension: DimensionResult) -> float | None:
    """Share of the judged checks that pass (warn counts as met: a soft limit never fails)."""
    if not dimension.assessed:
        return None
    judged = [check for check in dimension.checks if check.status != "info"]
    if not judged:
        return 1.0 if dimension.status == "pass" else 0.0
    return sum(1 for check in judged if check.status in ("pass", "warn")) / len(judged)


def _unanswered(checks: Sequence[CheckResult], reason: str) -> tuple[str, ...]:
    # info checks left open are named too: they do not decide, but the user should know.
    return tuple(
        check.label for check in checks
        if check.value is None and not check.derived and (
            check.unknown_reason == reason
            or (reason == "unanswered" and check.status == "info" and check.unknown_reason is None)
        )
    )


def _heading(dimension: DimensionResult, lang: str) -> str:
    if lang == "en":
        return f"{dimension.index}. {dimension.name}"
    return f"{dimension.number}、{dimension.name}"


def build_view(
    assessment: Assessment,
    *,
    edition: CriteriaEdition | None = None,
    title: str | None = None,
    created_at: datetime | None = None,
) -> AssessmentView:
    """The presentation model of `assessment` (in its language)."""
    lang = assessment.lang
    edition = edition or load_edition(assessment.edition_id)
    dimensions = []
    advice: list[AdviceView] = []
    gaps: list[str] = []
    all_unanswered: list[str] = []
    all_uncertain: list[str] = []

    gate_name = text("gate", lang)
    gates = []
    for gate in assessment.gates:
        unknown_reason = gate.unknown_reason
        gates.append(CheckView(
            id=gate.id, label=gate.label, status=gate.status,
            status_text=status_label(gate.status, lang),
            value_text="—" if gate.status == "unknown" else value_text(gate.status == "pass", lang),
            requirement="须满足" if lang != "en" else "required", message=gate.message,
            gap=gate.message if gate.status == "fail" else None,
            advice=gate.advice.text(lang) if gate.advice else None,
            unknown_reason=unknown_reason,
        ))
        if gate.status == "fail":
            gaps.append(gate.message)
        if unknown_reason == "uncertain":
            all_uncertain.append(f"{gate_name}：{gate.label}")
        elif unknown_reason == "unanswered":
            all_unanswered.append(f"{gate_name}：{gate.label}")
        if gate.advice is not None:
            advice.append(AdviceView(gate_name, gate.label, gate.status, gate.advice.action, None))

    for dimension in assessment.dimensions:
        heading = _heading(dimension, lang)
        checks = tuple(_check_view(edition, check, lang) for check in dimension.checks)
        unanswered = _unanswered(dimension.checks, "unanswered")
        uncertain = _unanswered(dimension.checks, "uncertain")
        all_unanswered.extend(f"{heading}：{label}" for label in unanswered)
        all_uncertain.extend(f"{heading}：{label}" for label in uncertain)
        pairs_advised: set[frozenset[str]] = set()
        for check in dimension.checks:
            if check.status in ("fail", "warn") and check.gap:
                gaps.append(check.gap)
            partner = edition.indicator(check.id).either_or
            if check.advice is not None and partner is not None and check.value is not None:
                # Either/or: one piece of advice offers both routes; the partner's repeats it.
                pair = frozenset({check.id, partner})
                if pair in pairs_advised:
                    continue
                pairs_advised.add(pair)
            if check.advice is not None:
                lever = (f"{check.advice.lever}“{check.advice.lever_heading}”"
                         if check.advice.lever else None)
                advice.append(AdviceView(heading, check.label, check.status,
                                         check.advice.action, lever))
        assessed = dimension.assessed
        status_text = (f"{NOT_ASSESSED_ICON} {text('not_assessed', lang)}" if not assessed
                       else status_label(dimension.status, lang))
        dimensions.append(DimensionView(
            id=dimension.id, index=dimension.index, heading=heading, status=dimension.status,
            assessed=assessed, status_text=status_text,
            either_or_note=dimension.either_or_note, checks=checks,
            unanswered=unanswered, uncertain=uncertain, score=_score(dimension),
        ))

    created = created_at.strftime("%Y-%m-%d %H:%M") if created_at is not None else None
    return AssessmentView(
        lang=lang,
        title=title or text("title", lang),
        created_at=created,
        edition_id=edition.id,
        edition_title=edition.title_en if lang == "en" else edition.title,
        edition_name=edition.name(lang),
        edition_source=edition.source,
        edition_note=edition.note,
        province_note=assessment.province_note,
        verdict=assessment.verdict(),
        eligible=assessment.eligible,
        gates=tuple(gates),
        dimensions=tuple(dimensions),
        warnings=tuple(warning.message for warning in assessment.warnings),
        unanswered=tuple(all_unanswered),
        uncertain=tuple(all_uncertain),
        gaps=tuple(gaps),
        advice=tuple(advice),
        levers=tuple(group_advice(assessment.advice)),
        next_step=assessment.next_step,
        next_step_source=assessment.next_step_source,
    )
