"""What /assess shows in the chat, as Telegram HTML: the questions, the summary, the ask-back
for an implausible figure, the result (laid out from the one presentation model the chart and
the reports use), the history and the comparison. Every value from people is escaped."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, tzinfo
from typing import Any

from handlers.assess.flow import TOTAL_STEPS, Question, questions, section_title
from handlers.assess.models import AssessmentAnswer, AssessmentRecord
from handlers.assess.report.view_model import AssessmentView
from handlers.assess.texts import t
from infra.clock import local_time
from infra.rendering import escape, quote_block
from knowledge.criteria import CriteriaEdition, Indicator, format_number, requirement_text
from knowledge.editions import offered_editions
from knowledge.engine import verdict_text

ICON = {"pass": "✅", "fail": "❌", "unknown": "❔", "warn": "⚠️", "info": "ℹ️"}


def show_value(indicator: Indicator, value: object, lang: str) -> str:
    """A stored answer as people read it: "是", "35, 40, 46亿元", "72%"."""
    if value is None:
        return t("assess.answer.unsure", lang)
    if isinstance(value, bool):
        return t("assess.answer.yes" if value else "assess.answer.no", lang)
    unit = ((indicator.unit_en or indicator.unit) if lang == "en" else indicator.unit) or ""
    if isinstance(value, list):
        numbers = ", ".join(format_number(float(item)) for item in value)
        return f"{numbers} {unit}".strip() if lang == "en" else f"{numbers}{unit}"
    if isinstance(value, int | float):
        text = format_number(float(value))
        return f"{text}{unit}" if unit == "%" or lang != "en" else f"{text} {unit}".strip()
    return str(value)


def answer_text(indicator: Indicator, row: AssessmentAnswer | None, lang: str) -> str:
    if row is None:
        return t("assess.answer.none", lang)
    if row.skipped:
        return t("assess.answer.skipped", lang)
    return show_value(indicator, row.value, lang)


def start_html(lang: str, province_note: str | None = None) -> str:
    lines = [t("assess.start.title", lang, total=TOTAL_STEPS), escape_text("assess.start.intro",
                                                                        lang), ""]
    for edition in offered_editions():
        title = edition.title_en if lang == "en" else edition.title
        lines.append(t("assess.start.edition_line", lang, name=edition.name(lang), title=title))
    lines.append("")
    if province_note:
        lines.append(t("assess.start.province_note", lang, note=province_note))
    else:
        lines.append(escape_text("assess.start.province_hint", lang))
    return "\n".join(lines)


def escape_text(key: str, lang: str) -> str:
    """A catalogue text that is plain prose (no markup of its own), escaped for HTML."""
    return escape(t(key, lang))


def _hint(indicator: Indicator, lang: str) -> str:
    if indicator.kind == "bool":
        return ""
    if indicator.kind == "yearly_series":
        return t("assess.hint.series", lang)
    if indicator.kind == "count":
        return t("assess.hint.count", lang)
    if indicator.unit == "%":
        return t("assess.hint.percent", lang)
    unit = (indicator.unit_en if lang == "en" else indicator.unit) or ""
    return t("assess.hint.number", lang, unit=unit)


def question_html(edition: CriteriaEdition, question: Question, row: AssessmentAnswer | None,
                  lang: str, *, error: str | None = None) -> str:
    """The question at the cursor; `error` (already HTML-safe) says why it is asked again."""
    indicator = question.indicator
    section = section_title(edition, question.section, lang)
    lines = [
        t("assess.step.head", lang, step=question.section + 2, total=TOTAL_STEPS,
          section=section, position=question.position, count=question.count),
        "",
        escape(indicator.question_en if lang == "en" else indicator.question),
    ]
    requirement = requirement_text(indicator, lang) if indicator.kind != "bool" else None
    if requirement:
        lines.append(t("assess.step.requirement", lang, requirement=requirement))
    if question.section > 0 and indicator.either_or:
        from knowledge.engine.judging import either_or_note

        note = either_or_note(edition.dimensions[question.section - 1], lang)
        if note:
            lines.append(t("assess.step.either_or", lang, note=note))
    hint = _hint(indicator, lang)
    if hint:
        lines.append(f"<i>{escape(hint)}</i>")
    if row is not None:
        lines.append(t("assess.step.current", lang, answer=answer_text(indicator, row, lang)))
    if error:
        lines.insert(0, f"⚠️ {error}\n")
    return "\n".join(lines)


def summary_html(edition: CriteriaEdition, rows: Mapping[str, AssessmentAnswer],
                 lang: str) -> str:
    lines = [t("assess.summary.head", lang, total=TOTAL_STEPS),
             t("assess.summary.edition", lang, name=edition.name(lang))]
    current = -1
    for question in questions(edition):
        if question.section != current:
            current = question.section
            lines.append("")
            lines.append(f"<b>{escape(section_title(edition, current, lang))}</b>")
        indicator = question.indicator
        label = indicator.label_en if lang == "en" else indicator.label
        shown = answer_text(indicator, rows.get(indicator.id), lang)
        lines.append(f"• {escape(label)}：{escape(shown)}")
    lines.append("")
    lines.append(escape_text("assess.summary.prompt", lang))
    return "\n".join(lines)


def confirm_html(question_text: str, message: str, ask: str, lang: str) -> str:
    """The ask-back before storing an implausible figure: why, then "您是指 45 亿元吗？"."""
    return "\n".join([t("assess.confirm.ask", lang, message=message), "", f"<b>{escape(ask)}</b>",
                      "", question_text])


def result_html(view: AssessmentView) -> str:
    """The result in the chat: verdict, figures to check, each dimension (not assessed ones
    said so, either/or said, gaps, unanswered and 不确定 items named), advice with targets, the
    policy levers quoted once each, and the next step."""
    lang = view.lang
    lines = [f"<b>{escape(view.title)}</b>", f"<b>{escape(view.verdict)}</b>"]
    if view.province_note:
        lines.append(f"📍 {escape(view.province_note)}")
    if view.warnings:
        lines += ["", f"<b>⚠️ {escape(t('assess.result.warnings', lang))}</b>"]
        lines += [f"• {escape(warning)}" for warning in view.warnings]
    lines += ["", f"<b>{escape(view.t('gate'))}</b>"]
    lines += [f"{ICON[gate.status]} {escape(gate.label)}" for gate in view.gates]
    for dimension in view.dimensions:
        lines.append("")
        if not dimension.assessed:
            lines.append(f"⬜ <b>{escape(dimension.heading)}</b> "
                         f"{escape(t('assess.result.not_assessed', lang))}")
        else:
            lines.append(f"{ICON[dimension.status]} <b>{escape(dimension.heading)}</b>")
        if dimension.either_or_note and dimension.assessed:
            lines.append(f"   ↔ {escape(dimension.either_or_note)}")
        for check in dimension.checks:
            if check.status in ("fail", "warn") and check.gap:
                lines.append(f"   {ICON[check.status]} {escape(check.gap)}")
            elif check.derived:
                # CRITERIA.md: a derived figure always says it was derived, even when it passes.
                lines.append(f"   {ICON[check.status]} {escape(check.message)}")
        if dimension.assessed and dimension.unanswered:
            lines.append("   " + t("assess.result.unanswered", lang,
                                   items="、".join(dimension.unanswered)))
        if dimension.uncertain:
            lines.append("   " + t("assess.result.uncertain", lang,
                                   items="、".join(dimension.uncertain)))
    lines += _advice_lines(view)
    lines += ["", f"<b>{escape(t('assess.result.next_step', lang))}</b>",
              escape(view.next_step),
              f"<i>{t('assess.result.source', lang, source=view.next_step_source)}</i>"]
    return "\n".join(lines)


def _advice_lines(view: AssessmentView) -> list[str]:
    lang = view.lang
    # In the chat: the advice for every gap and every 不确定 answer; the evidence for items
    # never answered is in the report (counted here), so the message stays readable.
    shown = [a for a in view.advice if a.status in ("fail", "warn") or a.text.startswith(
        ("您选择了“不确定”", "You answered “not sure”"))]
    rest = len(view.advice) - len(shown)
    lines: list[str] = []
    if shown or rest:
        lines += ["", f"<b>{escape(t('assess.result.advice', lang))}</b>"]
    for item in shown:
        lever = f"\n   📖 {escape(item.lever)}" if item.lever else ""
        lines.append(f"• <b>{escape(item.indicator)}</b>：{escape(item.text)}{lever}")
    if rest:
        lines.append(t("assess.result.more_advice", lang, count=rest))
    if view.levers:
        lines += ["", f"<b>{escape(t('assess.result.levers', lang))}</b>"]
        for group in view.levers:
            names = ", ".join(group.dimensions) if lang == "en" else "、".join(group.dimensions)
            lines.append(f"• {escape(names)} → 📖 {escape(group.label)} {escape(group.heading)}")
            if group.quote:
                lines.append(quote_block(group.quote))
    return lines


def history_html(records: Sequence[AssessmentRecord], lang: str, zone: tzinfo) -> str:
    from handlers.assess.flow import edition_by_id

    lines = [f"<b>{escape(t('assess.history.title', lang))}</b>"]
    for record in records:
        edition = edition_by_id(record.edition)
        name = edition.name(lang) if edition else record.edition
        when = when_text(record, zone, "%Y-%m-%d %H:%M")
        lines.append(f"#{record.id} {escape(when)} {escape(name)} — "
                     f"{escape(verdict_text(record.eligible, lang))}")
    return "\n".join(lines)


def when_text(record: AssessmentRecord, zone: tzinfo, fmt: str = "%Y-%m-%d") -> str:
    """When the assessment was finished, in the users' time zone (stored in UTC)."""
    return local_time(record.completed_at or record.updated_at, zone).strftime(fmt)


def compare_html(older: AssessmentRecord, newer: AssessmentRecord, lang: str,
                 zone: tzinfo = UTC) -> str:
    """Two finished assessments side by side: the gates, each dimension, the verdict."""
    from handlers.assess.flow import edition_by_id

    a: dict[str, Any] = older.result or {}
    b: dict[str, Any] = newer.result or {}
    lines = ["<b>" + t("assess.compare.title", lang, older=older.id, newer=newer.id) + "</b>"]
    for record in (older, newer):
        edition = edition_by_id(record.edition)
        name = edition.name(lang) if edition else record.edition
        lines.append(f"#{record.id}：{escape(when_text(record, zone))} {escape(name)}")
    if older.edition != newer.edition:
        lines.append(escape_text("assess.compare.editions_differ", lang))
    lines.append("")
    gates_a = {g["id"]: g["status"] for g in a.get("gates", [])}
    gates_b = {g["id"]: g["status"] for g in b.get("gates", [])}
    edition = edition_by_id(newer.edition)
    for gate_id in gates_b or gates_a:
        label = gate_id
        if edition is not None:
            indicator = edition.indicator(gate_id)
            label = indicator.label_en if lang == "en" else indicator.label
        lines.append(f"{ICON.get(gates_a.get(gate_id, 'unknown'), '❔')} → "
                     f"{ICON.get(gates_b.get(gate_id, 'unknown'), '❔')}  {escape(label)}")
    dims_a = {d["id"]: d for d in a.get("dimensions", [])}
    for index, dim in enumerate(b.get("dimensions", []), start=1):
        before = dims_a.get(dim["id"], {}).get("status", "unknown")
        name = dim["name"]
        if edition is not None and lang == "en":
            name = edition.dimension(dim["id"]).name_en
        changed = " ⬆️" if before != "pass" and dim["status"] == "pass" else (
            " ⬇️" if before == "pass" and dim["status"] != "pass" else "")
        lines.append(f"{ICON.get(before, '❔')} → {ICON.get(dim['status'], '❔')}  "
                     f"{index}. {escape(name)}{changed}")
    lines.append("")
    lines.append(t("assess.compare.verdict", lang, before=verdict_text(a.get("eligible"), lang),
                   after=verdict_text(b.get("eligible"), lang)))
    return "\n".join(lines)
