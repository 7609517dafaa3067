"""`smebot assess --answers FILE [--json] [--report FILE]` per CONTRACTS.md."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.cli import main

ANSWERS = """\
edition: national-2022
answers:
  no_major_incidents: true
  within_county: true
  output_value_yi: [40, 44, 48.4]
  leading_industry_share_pct: 70
  sme_output_share_pct: 75
  green_transition: false
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "answers.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_json_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, ANSWERS)
    assert main(["assess", "--answers", str(path), "--json"]) == 0
    out = capsys.readouterr().out
    payload = json.loads(out)  # exactly one JSON document on stdout
    assert payload["edition"] == "national-2022" and payload["eligible"] is False
    assert payload["gates"] == [
        {"id": "no_major_incidents", "status": "pass"},
        {"id": "within_county", "status": "pass"},
    ]
    core = payload["dimensions"][0]
    checks = {c["id"]: c for c in core["checks"]}
    assert checks["leading_industry_share_pct"]["status"] == "fail"
    assert checks["leading_industry_share_pct"]["threshold"] == "> 70"
    assert checks["output_growth_pct"]["derived"] is True
    assert checks["output_growth_pct"]["status"] == "fail"  # exactly 10% is not 高于 10%
    assert checks["pillar_industry"]["status"] == "unknown"
    assert payload["dimensions"][5]["status"] == "fail"


def test_readable_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, ANSWERS)
    assert main(["assess", "--answers", str(path)]) == 0
    out = capsys.readouterr().out
    assert "目前尚不符合本版标准的要求" in out
    assert "主导产业产值占比 70%，需高于 70%" in out
    assert "《暂行办法》第六条（四）" in out
    assert "县级行政区划中小企业主管部门" in out


def test_report_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, ANSWERS)
    report = tmp_path / "report.html"
    assert main(["assess", "--answers", str(path), "--json", "--report", str(report)]) == 0
    json.loads(capsys.readouterr().out)  # the report does not pollute stdout
    text = report.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert "data:image/png;base64," in text
    assert "具有较高绿色化发展水平" in text


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("edition: guangxi-2099\nanswers: {}\n", "edition"),
        ("edition: national-2022\nanswers:\n  colour: 1\n", "colour"),
        ("edition: national-2022\nanswers:\n  area_km2: true\n", "area_km2"),
        ("edition: national-2022\nanswers:\n  pillar_industry: 3\n", "pillar_industry"),
        ("edition: national-2022\nanswers:\n  output_value_yi: [1, 2]\n", "output_value_yi"),
        ("edition: national-2022\nanswers:\n  sme_output_share_pct: -5\n", "sme_output_share_pct"),
        (
            "edition: national-2022\nanswers:\n  specialized_sme_count: -2\n",
            "specialized_sme_count",
        ),
        ("answers: {}\n", "edition"),
        ("edition: national-2022\nanswers: [1]\n", "answers"),
        ("edition: national-2022\nextra: 1\n", "extra"),
        ("edition: [national\n", "not valid YAML"),
    ],
)
def test_errors_exit_non_zero_naming_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, field: str
) -> None:
    path = _write(tmp_path, text)
    assert main(["assess", "--answers", str(path), "--json"]) != 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert field in captured.err


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["assess", "--answers", str(tmp_path / "nope.yaml"), "--json"]) != 0
    assert "no such file" in capsys.readouterr().err


IMPLAUSIBLE = """\
edition: national-2022
answers:
  no_major_incidents: true
  within_county: true
  pillar_industry: true
  leading_position: null
  output_value_yi: [4500000000, 4800000000, 5200000000]
  sme_output_share_pct: 0.72
  leading_industry_share_pct: 65
  output_growth_pct: 2.8
  cultivation_ongoing: true
  champion_or_little_giant_count: 0
  specialized_sme_count: 4
"""


def test_done_when_warnings_and_a_docx_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue #15's check: yuan-sized outputs, a 0.72 share and a contradicting growth rate."""
    import docx

    path = _write(tmp_path, IMPLAUSIBLE)
    report = tmp_path / "out.docx"
    assert main(["assess", "--answers", str(path), "--json", "--report", str(report)]) == 0
    payload = json.loads(capsys.readouterr().out)
    warnings = payload["warnings"]
    assert [w["indicator"] for w in warnings] == [
        "output_value_yi", "sme_output_share_pct", "output_growth_pct"
    ]
    assert [w["suggested"] for w in warnings] == [[45, 48, 52], 72, 7.5]
    assert all(set(w) == {"indicator", "value", "message", "suggested"} for w in warnings)
    checks = {c["id"]: c for d in payload["dimensions"] for c in d["checks"]}
    assert "advice" in checks["output_growth_pct"] and "advice" not in checks["pillar_industry"]
    assert checks["leading_position"]["unknown_reason"] == "uncertain"

    document = docx.Document(str(report))
    body = "\n".join(p.text for p in document.paragraphs)
    cells = "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    assert "中小企业特色产业集群认定标准（2022年版）" in body  # the edition
    for dimension in payload["dimensions"]:  # every dimension's verdict
        assert dimension["name"] in cells
    assert "❌ 未达标" in cells and "⬜ 未评估" in cells
    assert "主导产业产值占比 65%，需高于 70%，差 5 个百分点" in body  # a gap
    # Advice with targets in numbers and the cited lever.
    assert "主导产业产值需高于 3640000000 亿元" in body
    assert "再增加 6 家专精特新中小企业" in body
    assert "《暂行办法》第六条（一）“提升集群主导产业优势”" in body
    assert "按亿元计为 45, 48, 52 亿元" in body  # the warnings
    assert "未回答的项目" in body and "集群占地面积" in body
    assert "回答“不确定”的项目" in body
    assert len(document.inline_shapes) == 1  # the chart


def test_html_report_by_extension(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, IMPLAUSIBLE)
    report = tmp_path / "out.html"
    assert main(["assess", "--answers", str(path), "--report", str(report)]) == 0
    text = report.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "未评估" in text
    assert "需要核对的数值" in capsys.readouterr().out  # the plain summary names the warnings


def test_unknown_report_extension_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, ANSWERS)
    report = tmp_path / "out.pdf"
    assert main(["assess", "--answers", str(path), "--json", "--report", str(report)]) != 0
    captured = capsys.readouterr()
    assert captured.out == "" and "out.pdf" in captured.err and ".docx" in captured.err
    assert not report.exists()


def test_province_picks_the_edition_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, "province: 广东\nanswers:\n  sme_output_share_pct: 60\n")
    assert main(["assess", "--answers", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["edition"] == "guangdong"
    report = tmp_path / "gd.docx"
    path = _write(tmp_path, "edition: national-2022\nanswers: {}\n")
    assert main(["assess", "--answers", str(path), "--province", "江苏", "--report",
                 str(report)]) == 0
    out = capsys.readouterr().out
    assert "本机器人未收录江苏省的省级认定标准：适用国家标准" in out
    import docx

    body = "\n".join(p.text for p in docx.Document(str(report)).paragraphs)
    assert "如江苏省另行发布省级标准，以其为准" in body
