"""The HTML report and the chart: self-contained, escaped, no warnings, Chinese labels."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.chart import cjk_font_available, dimension_chart
from bot.report import render_report, summary_text
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
