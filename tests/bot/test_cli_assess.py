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
