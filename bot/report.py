"""The self-assessment report: one self-contained HTML file (inline CSS, chart as a data URI).

Every piece of text that comes from people or from the knowledge base is HTML-escaped; the file
loads nothing from the network, so it can be mailed or archived as is.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from knowledge.criteria import CriteriaEdition, load_edition
from knowledge.engine import Advice, Assessment

STATUS_ZH = {"pass": "达标", "fail": "未达标", "unknown": "未知", "warn": "提示", "info": "记录"}
STATUS_EN = {
    "pass": "pass", "fail": "fail", "unknown": "unknown", "warn": "warning", "info": "info"
}
STATUS_ICON = {"pass": "✅", "fail": "❌", "unknown": "❔", "warn": "⚠️", "info": "ℹ️"}

_CSS = """
body{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;max-width:900px;
margin:2em auto;padding:0 1em;color:#222;line-height:1.55}
h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:1px solid #ddd;padding-bottom:.2em}
table{border-collapse:collapse;width:100%;margin:.5em 0 1em}
th,td{border:1px solid #ddd;padding:.35em .5em;text-align:left;vertical-align:top;font-size:.92em}
th{background:#f5f5f5}.pass{color:#2e7d32}.fail{color:#c62828}.unknown{color:#757575}
.warn{color:#ef6c00}.info{color:#1565c0}blockquote{border-left:4px solid #90caf9;margin:.5em 0;
padding:.2em .8em;background:#f3f8fd}.verdict{font-size:1.15em;font-weight:bold}
.note{color:#666;font-size:.85em}img{max-width:100%}
"""


@dataclass(frozen=True)
class AdviceGroup:
    """Failed dimensions that share one item of 第六条: its text is quoted once."""

    label: str
    heading: str
    quote: str | None
    dimensions: tuple[str, ...]


def group_advice(advice: Sequence[Advice]) -> list[AdviceGroup]:
    """Advice grouped by the cited item, in the order the items first appear."""
    groups: dict[str, AdviceGroup] = {}
    for item in advice:
        group = groups.get(item.label)
        if group is None:
            groups[item.label] = AdviceGroup(item.label, item.heading, item.quote,
                                             (item.dimension_name,))
        else:
            groups[item.label] = AdviceGroup(group.label, group.heading, group.quote,
                                             (*group.dimensions, item.dimension_name))
    return list(groups.values())


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def status_label(status: str, lang: str = "zh") -> str:
    names = STATUS_EN if lang == "en" else STATUS_ZH
    return f"{STATUS_ICON[status]} {names[status]}"


def _value_text(value: object, lang: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        if lang == "en":
            return "yes" if value else "no"
        return "是" if value else "否"
    if isinstance(value, list):
        return ", ".join(_value_text(item, lang) for item in value)
    if isinstance(value, float):
        return f"{round(value, 2):g}"
    return str(value)


def render_report(
    assessment: Assessment,
    *,
    created_at: datetime | None = None,
    chart_png: bytes | None = None,
    edition: CriteriaEdition | None = None,
    title: str | None = None,
) -> str:
    """The whole report as an HTML document (UTF-8 text)."""
    edition = edition or load_edition(assessment.edition_id)
    en = assessment.lang == "en"
    heading = title or ("Cluster self-assessment report" if en else "特色产业集群认定自评报告")
    parts: list[str] = [
        "<!DOCTYPE html>",
        f'<html lang="{"en" if en else "zh-CN"}"><head><meta charset="utf-8">',
        f"<title>{_e(heading)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_e(heading)}</h1>",
        f"<p>{_e('Edition' if en else '标准版本')}：{_e(edition.title_en if en else edition.title)}"
        f"（{_e(assessment.edition_id)}）</p>",
    ]
    if created_at is not None:
        stamp = created_at.strftime("%Y-%m-%d %H:%M")
        parts.append(f"<p>{_e('Date' if en else '日期')}：{_e(stamp)}</p>")
    parts.append(f'<p class="verdict">{_e(assessment.verdict())}</p>')

    parts.append(f"<h2>{_e('Preconditions' if en else edition.gate.name)}</h2><table>")
    for gate in assessment.gates:
        parts.append(
            f'<tr><td>{_e(gate.label)}</td><td class="{gate.status}">'
            f"{_e(status_label(gate.status, assessment.lang))}</td></tr>"
        )
    parts.append("</table>")

    if chart_png:
        encoded = base64.b64encode(chart_png).decode("ascii")
        alt = "Chart of the eight dimensions" if en else "八个方面的达标情况图"
        parts.append(f'<p><img alt="{_e(alt)}" src="data:image/png;base64,{encoded}"></p>')

    head = (
        ("Indicator", "Value", "Threshold", "Status", "Note")
        if en
        else ("指标", "数值", "要求", "状态", "说明")
    )
    for dimension in assessment.dimensions:
        badge = status_label(dimension.status, assessment.lang)
        parts.append(
            f"<h2>{_e(dimension.number)}、{_e(dimension.name)} "
            f'<span class="{dimension.status}">{_e(badge)}</span></h2><table><tr>'
            + "".join(f"<th>{_e(cell)}</th>" for cell in head)
            + "</tr>"
        )
        for check in dimension.checks:
            derived = " (derived)" if en and check.derived else "（推算）" if check.derived else ""
            parts.append(
                "<tr>"
                f"<td>{_e(check.label)}</td>"
                f"<td>{_e(_value_text(check.value, assessment.lang) + derived)}</td>"
                f"<td>{_e(check.threshold or '—')}</td>"
                f'<td class="{check.status}">{_e(status_label(check.status, assessment.lang))}</td>'
                f"<td>{_e(check.message)}</td>"
                "</tr>"
            )
        parts.append("</table>")

    if assessment.advice:
        parts.append(f"<h2>{_e('What to work on' if en else '改进建议')}</h2>")
        for group in group_advice(assessment.advice):
            names = ", ".join(group.dimensions) if en else "、".join(group.dimensions)
            parts.append(f"<p><b>{_e(names)}</b> — {_e(group.label)} {_e(group.heading)}</p>")
            if group.quote:
                parts.append(f"<blockquote>{_e(group.quote)}</blockquote>")

    parts.append(f"<h2>{_e('Next step' if en else '下一步')}</h2>")
    parts.append(f"<p>{_e(assessment.next_step)}</p>")
    source = f"{'Source' if en else '来源'}：{assessment.next_step_source}"
    parts.append(f'<p class="note">{_e(source)}</p>')
    parts.append(f'<p class="note">{_e(edition.note)}</p>')
    disclaimer = (
        "This is a self-assessment against the published criteria, not an official decision."
        if en
        else "本报告为按公开标准的自评结果，不代表主管部门的认定结论。"
    )
    parts.append(f'<p class="note">{_e(disclaimer)}</p></body></html>')
    return "\n".join(parts)


def summary_text(assessment: Assessment) -> str:
    """A readable plain-text summary (the CLI without --json)."""
    en = assessment.lang == "en"
    edition_line = f"{'Edition' if en else '标准版本'}：{assessment.edition_name}"
    lines = [edition_line, assessment.verdict(), ""]
    for gate in assessment.gates:
        lines.append(f"{status_label(gate.status, assessment.lang)}  {gate.label}")
    for dimension in assessment.dimensions:
        lines.append("")
        badge = status_label(dimension.status, assessment.lang)
        lines.append(f"{dimension.number}、{dimension.name}：{badge}")
        for check in dimension.checks:
            if check.status in ("fail", "warn", "unknown", "info"):
                lines.append(f"   {STATUS_ICON[check.status]} {check.message}")
    if assessment.advice:
        lines.append("")
        lines.append("What to work on:" if en else "改进建议：")
        for group in group_advice(assessment.advice):
            names = ", ".join(group.dimensions) if en else "、".join(group.dimensions)
            lines.append(f" · {names} → {group.label} {group.heading}")
            if group.quote:
                lines.append(f"   “{group.quote}”")
    lines.append("")
    lines.append("Next step:" if en else "下一步：")
    lines.append(assessment.next_step)
    return "\n".join(lines)

