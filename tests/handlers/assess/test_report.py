"""The HTML report and the chart: self-contained, escaped, no warnings, Chinese labels."""

from __future__ import annotations

from datetime import UTC, datetime

from handlers.assess.report.chart import cjk_font_available, dimension_chart
from handlers.assess.report.html import render_report, summary_text
from knowledge.criteria import load_edition
from knowledge.engine import assess

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_chart_is_png() -> None:
    result = assess("yunnan-2023", {"green_transition": False}, with_advice=False)
    png = dimension_chart(result)
    assert png.startswith(PNG_MAGIC) and len(png) > 5_000


def test_chart_labels_in_chinese_with_the_packaged_cjk_font() -> None:
    # The font is a declared dependency: without it the chart would silently fall back to English.
    assert cjk_font_available()
    result = assess("national-2022", {"green_transition": False}, with_advice=False)
    chinese = dimension_chart(result)
    english = dimension_chart(assess("national-2022", {"green_transition": False},
                                     with_advice=False, lang="en"))
    assert chinese.startswith(PNG_MAGIC) and english.startswith(PNG_MAGIC)
    assert chinese != english  # different labels, so different pixels


def test_report_is_self_contained_and_escaped() -> None:
    edition = load_edition("national-2022")
    result = assess(edition, {"green_transition": False, "leading_industry_share_pct": 70})
    html_text = render_report(
        result,
        created_at=datetime(2026, 4, 20, 9, 0, tzinfo=UTC),
        chart_png=PNG_MAGIC + b"rest",
        title="<script>alert(1)</script> 集群 & 报告",
    )
    assert "<script>" not in html_text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; 集群 &amp; 报告" in html_text
    assert "2026-04-20 09:00" in html_text
    assert 'src="data:image/png;base64,iVBORw0KGg' in html_text
    assert "http://" not in html_text and "https://" not in html_text  # nothing loaded remotely
    assert "《暂行办法》第六条（四）" in html_text
    assert "清洁能源" in html_text  # the item's text is quoted
    assert "主导产业产值占比 70%，需高于 70%" in html_text
    assert "县级行政区划中小企业主管部门" in html_text


def test_english_report_and_summary() -> None:
    result = assess("yunnan-2023", {"sme_output_share_pct": 40}, lang="en", with_advice=False)
    html_text = render_report(result)
    assert '<html lang="en">' in html_text
    assert "Not decided" not in html_text  # a fail decides: not eligible
    assert "Does not meet" in html_text
    summary = summary_text(result)
    expected = "SMEs' share of cluster output 40%, must be at least 50%: 10 percentage points short"
    assert expected in summary


def test_advice_sharing_one_item_is_quoted_once() -> None:
    answers = {"pillar_industry": False, "cultivation_ongoing": False, "chain_coordination": False}
    result = assess("national-2022", answers)
    assert [a.label for a in result.advice] == ["《暂行办法》第六条（一）"] * 3
    html_text = render_report(result)
    assert html_text.count("精准定位集群主导产业") == 1
    assert "具有较强核心竞争力、优质中小企业梯度培育成效显著、产业链供应链协作高效" in html_text
    assert summary_text(result).count("精准定位集群主导产业") == 1


def test_a_dimension_without_answers_is_drawn_as_not_assessed() -> None:
    from handlers.assess.report.view_model import build_view

    answers = {"output_value_yi": [50, 60, 70], "green_transition": False}
    result = assess("national-2022", answers, with_advice=False)
    view = build_view(result)
    assessed = {d.id: d.assessed for d in view.dimensions}
    assert assessed["core_competitiveness"] and assessed["green_development"]
    assert not assessed["supply_chain_collaboration"]
    not_assessed = next(d for d in view.dimensions if d.id == "supply_chain_collaboration")
    assert not_assessed.score is None and "未评估" in not_assessed.status_text
    # The same answers with dimension 三 answered as failing draw differently: a not-assessed
    # dimension is not an empty (0 %) bar.
    failing = dict(answers, chain_coordination=False, shared_facilities=False,
                   key_link_support=False)
    assert dimension_chart(result) != dimension_chart(assess("national-2022", failing,
                                                             with_advice=False))


def test_chart_footnote_names_unanswered_items() -> None:
    from handlers.assess.report.chart import _footnote
    from handlers.assess.report.view_model import build_view

    view = build_view(assess("national-2022", {"pillar_industry": None}, with_advice=False))
    note = _footnote(view, chinese=True)
    assert note is not None and "集群占地面积" in note.replace("\n", "")
    full = build_view(assess("national-2022", {k: True for k in (
        "no_major_incidents", "within_county")}, with_advice=False))
    assert "等" in (_footnote(full, chinese=True) or "")


def test_html_comes_from_the_template_with_autoescape() -> None:
    from handlers.assess.report.html import TEMPLATES

    assert (TEMPLATES / "report.html.j2").is_file()
    result = assess("national-2022", {"sme_output_share_pct": 0.72})
    html_text = render_report(result, title="<b>x</b>")
    assert "&lt;b&gt;x&lt;/b&gt;" in html_text and "<b>x</b>" not in html_text
    assert "需要核对的数值" in html_text and "应为 72%" in html_text
    assert "二者满足其一即可" in html_text


def test_docx_in_english() -> None:
    import io

    import docx

    from handlers.assess.report.html import report_bytes
    from handlers.assess.report.view_model import build_view

    result = assess("yunnan-2023", {"sme_output_share_pct": 40}, lang="en")
    content = report_bytes(build_view(result), ".docx")
    document = docx.Document(io.BytesIO(content))
    body = "\n".join(p.text for p in document.paragraphs)
    assert "Cluster self-assessment report" in body and "What to do" in body
    assert "must be at least 50% (now 40%, 10 points short)" in body
