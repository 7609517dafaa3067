"""The self-assessment as a Word document (python-docx): what county officials forward, edit
and print. Headings, the edition, the verdict table per dimension, the gaps, the advice with
targets in numbers, the chart, the unanswered items, sources and the disclaimer.
"""

from __future__ import annotations

import io

from docx import Document
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from docx.shared import Inches, Pt, RGBColor

from handlers.assess.report.view_model import AssessmentView

# Word picks a Latin font for CJK text unless the East Asian font is set explicitly.
EAST_ASIAN_FONT = "Microsoft YaHei"
STATUS_COLOURS = {
    "pass": RGBColor(0x2E, 0x7D, 0x32), "fail": RGBColor(0xC6, 0x28, 0x28),
    "unknown": RGBColor(0x75, 0x75, 0x75), "warn": RGBColor(0xEF, 0x6C, 0x00),
    "info": RGBColor(0x15, 0x65, 0xC0),
}


def _fonts(document: DocxDocument) -> None:
    for name in ("Normal", "Heading 1", "Heading 2", "Title"):
        style = document.styles[name]
        rpr = style.element.get_or_add_rPr()
        rfonts = rpr.find(qn("w:rFonts"))
        if rfonts is None:
            rfonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.append(rfonts)
        rfonts.set(qn("w:eastAsia"), EAST_ASIAN_FONT)
    document.styles["Normal"].font.size = Pt(10.5)


def _table(document: DocxDocument, header: list[str], rows: list[tuple[list[str], str | None]],
           status_column: int | None = None) -> None:
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, title in zip(table.rows[0].cells, header, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(title).bold = True
    for values, status in rows:
        cells = table.add_row().cells
        for index, (cell, value) in enumerate(zip(cells, values, strict=True)):
            run = cell.paragraphs[0].add_run(value)
            if index == status_column and status in STATUS_COLOURS:
                run.font.color.rgb = STATUS_COLOURS[status]


def _bullets(document: DocxDocument, items: list[str]) -> None:
    for item in items:
        document.add_paragraph(item, style="List Bullet")


def render_docx(view: AssessmentView, chart_png: bytes | None = None) -> bytes:
    """The report as .docx bytes."""
    t = view.t
    document = Document()
    _fonts(document)
    document.core_properties.title = view.title
    document.core_properties.language = "en" if view.lang == "en" else "zh-CN"
    document.add_heading(view.title, level=0)
    document.add_paragraph(f"{t('edition')}：{view.edition_title}（{view.edition_id}）")
    if view.province_note:
        document.add_paragraph(view.province_note)
    if view.created_at:
        document.add_paragraph(f"{t('date')}：{view.created_at}")
    verdict = document.add_paragraph()
    verdict.add_run(f"{t('verdict')}：{view.verdict}").bold = True

    if view.warnings:
        document.add_heading(t("warnings"), level=1)
        _bullets(document, list(view.warnings))

    document.add_heading(t("overview"), level=1)
    rows: list[tuple[list[str], str | None]] = [
        ([t("gate") + "：" + gate.label, gate.status_text, ""], gate.status) for gate in view.gates
    ]
    rows += [
        ([d.heading, d.status_text, d.either_or_note or ""], d.status if d.assessed else "unknown")
        for d in view.dimensions
    ]
    _table(document, [t("dimension"), t("status"), t("note")], rows, status_column=1)

    if chart_png:
        document.add_heading(t("chart"), level=1)
        document.add_picture(io.BytesIO(chart_png), width=Inches(6.2))

    for dimension in view.dimensions:
        document.add_heading(f"{dimension.heading}：{dimension.status_text}", level=2)
        if dimension.either_or_note:
            document.add_paragraph(dimension.either_or_note)
        _table(
            document,
            [t("indicator"), t("value"), t("requirement"), t("status")],
            [([c.label, c.value_text, c.requirement, c.status_text], c.status)
             for c in dimension.checks],
            status_column=3,
        )

    document.add_heading(t("gaps"), level=1)
    _bullets(document, list(view.gaps) or [t("none")])

    document.add_heading(t("advice"), level=1)
    if not view.advice:
        document.add_paragraph(t("none"))
    for item in view.advice:
        paragraph = document.add_paragraph(style="List Bullet")
        paragraph.add_run(f"{item.dimension} · {item.indicator}：").bold = True
        paragraph.add_run(item.text)
        if item.lever:
            lever = paragraph.add_run(f"（{item.lever}）" if view.lang != "en"
                                      else f" ({item.lever})")
            lever.italic = True
    if view.levers:
        document.add_heading(t("levers"), level=2)
        for group in view.levers:
            names = (", " if view.lang == "en" else "、").join(group.dimensions)
            document.add_paragraph(f"{names} — {group.label} {group.heading}")
            if group.quote:
                document.add_paragraph(group.quote, style="Intense Quote")

    document.add_heading(t("unanswered"), level=1)
    _bullets(document, list(view.unanswered) or [t("none")])
    if view.uncertain:
        document.add_heading(t("uncertain"), level=1)
        _bullets(document, list(view.uncertain))

    document.add_heading(t("next_step"), level=1)
    document.add_paragraph(view.next_step)
    document.add_paragraph(f"{t('source')}：{view.next_step_source}")
    document.add_heading(t("sources"), level=1)
    for line in (view.edition_source, view.edition_note, view.disclaimer):
        document.add_paragraph(line)

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
