"""The self-assessment report: a Word document (.docx, what officials forward and edit) or one
self-contained HTML file (inline CSS, chart as a data URI), chosen by the file's extension.

Both are laid out from the one presentation model (`view_model`). The HTML comes from
a Jinja2 template with autoescape on, so every piece of text from people or from the knowledge
base is escaped; it loads nothing from the network, so it can be mailed or archived as is.
"""

from __future__ import annotations

import base64
from datetime import datetime
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from handlers.assess.report.view_model import (
    STATUS_ICON,
    AssessmentView,
    LeverView,
    build_view,
    group_advice,
    status_label,
)
from knowledge.criteria import CriteriaEdition
from knowledge.engine import Assessment

__all__ = [
    "REPORT_FORMATS", "LeverView", "ReportFormatError", "group_advice", "render_html",
    "render_report", "report_bytes", "status_label", "summary_text",
]

TEMPLATES = Path(__file__).parent / "templates"
REPORT_FORMATS = (".docx", ".html")

_CSS = (
    'body{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;'
    "max-width:900px;margin:2em auto;padding:0 1em;color:#222;line-height:1.55}"
    "h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:1px solid #ddd;padding-bottom:.2em}"
    "table{border-collapse:collapse;width:100%;margin:.5em 0 1em}"
    "th,td{border:1px solid #ddd;padding:.35em .5em;text-align:left;vertical-align:top;"
    "font-size:.92em}th{background:#f5f5f5}.pass{color:#2e7d32}.fail{color:#c62828}"
    ".unknown{color:#757575}.warn{color:#ef6c00}.info{color:#1565c0}"
    "blockquote{border-left:4px solid #90caf9;margin:.5em 0;padding:.2em .8em;background:#f3f8fd}"
    ".verdict{font-size:1.15em;font-weight:bold}.note{color:#666;font-size:.85em}"
    "img{max-width:100%}"
)


class ReportFormatError(ValueError):
    """The report file's extension names no format we write."""


@cache
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(enabled_extensions=("html", "j2"), default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render_html(view: AssessmentView, chart_png: bytes | None = None) -> str:
    """The whole report as an HTML document (UTF-8 text)."""
    chart_uri = None
    if chart_png:
        chart_uri = "data:image/png;base64," + base64.b64encode(chart_png).decode("ascii")
    template = _environment().get_template("report.html.j2")
    return template.render(view=view, css=_CSS, chart_uri=chart_uri)


def render_report(
    assessment: Assessment,
    *,
    created_at: datetime | None = None,
    chart_png: bytes | None = None,
    edition: CriteriaEdition | None = None,
    title: str | None = None,
) -> str:
    """The HTML report of `assessment` (kept for callers of the HTML-only API)."""
    view = build_view(assessment, edition=edition, title=title, created_at=created_at)
    return render_html(view, chart_png)


def report_bytes(view: AssessmentView, suffix: str, chart_png: bytes | None = None) -> bytes:
    """The report in the format `suffix` names (".docx" or ".html")."""
    suffix = suffix.lower()
    if suffix == ".html" or suffix == ".htm":
        return render_html(view, chart_png).encode("utf-8")
    if suffix == ".docx":
        from handlers.assess.report.word import (
            render_docx,  # python-docx only when a .docx is asked for
        )

        return render_docx(view, chart_png)
    raise ReportFormatError(
        f"unknown report format {suffix or '(no extension)'!r}: use {', '.join(REPORT_FORMATS)}"
    )


def summary_text(assessment: Assessment | AssessmentView) -> str:
    """A readable plain-text summary (the CLI without --json)."""
    view = assessment if isinstance(assessment, AssessmentView) else build_view(assessment)
    en = view.lang == "en"
    lines = [f"{view.t('edition')}：{view.edition_name}"]
    if view.province_note:
        lines.append(view.province_note)
    lines += [view.verdict, ""]
    if view.warnings:
        lines.append(f"{view.t('warnings')}：")
        lines.extend(f" ⚠️ {warning}" for warning in view.warnings)
        lines.append("")
    for gate in view.gates:
        lines.append(f"{gate.status_text}  {gate.label}")
    for dimension in view.dimensions:
        lines.append("")
        lines.append(f"{dimension.heading}：{dimension.status_text}")
        if dimension.either_or_note:
            lines.append(f"   ↔ {dimension.either_or_note}")
        for check in dimension.checks:
            if check.status in ("fail", "warn", "unknown", "info"):
                lines.append(f"   {STATUS_ICON[check.status]} {check.message}")
    if view.advice:
        lines.append("")
        lines.append(f"{view.t('advice')}：")
        for item in view.advice:
            lines.append(f" · {item.indicator}：{item.text}")
            if item.lever:
                lines.append(f"   📖 {item.lever}")
    if view.levers:
        lines.append("")
        lines.append("What to work on:" if en else "改进建议：")
        for group in view.levers:
            names = ", ".join(group.dimensions) if en else "、".join(group.dimensions)
            lines.append(f" · {names} → {group.label} {group.heading}")
            if group.quote:
                lines.append(f"   “{group.quote}”")
    if view.unanswered:
        lines.append("")
        lines.append(f"{view.t('unanswered')}：" + "；".join(view.unanswered))
    if view.uncertain:
        lines.append(f"{view.t('uncertain')}：" + "；".join(view.uncertain))
    lines.append("")
    lines.append("Next step:" if en else "下一步：")
    lines.append(view.next_step)
    return "\n".join(lines)
