"""Criteria editions as data: the shipped files match CRITERIA.md; bad files name file + field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from knowledge.criteria import (
    CRITERIA_DIR,
    DIMENSION_IDS,
    UnknownEditionError,
    list_editions,
    load_edition,
    load_edition_file,
)
from knowledge.errors import KnowledgeDataError

# (indicator, comparison, national threshold, yunnan threshold) — straight from CRITERIA.md.
FIGURES = [
    ("area_km2", "<=", 100, 100),
    ("output_value_yi", ">=", 40, 10),
    ("sme_output_share_pct", ">=", 70, 50),
    ("leading_industry_share_pct", ">", 70, 60),
    ("output_growth_pct", ">", 10, 3),
    ("champion_or_little_giant_count", ">=", 1, 1),
    ("specialized_sme_count", ">=", 10, 3),
]


def test_both_editions_are_listed() -> None:
    ids = [edition.id for edition in list_editions()]
    assert ids == ["national-2022", "yunnan-2023"]


def test_unknown_edition() -> None:
    with pytest.raises(UnknownEditionError, match="guangxi"):
        load_edition("guangxi-2030")


@pytest.mark.parametrize("edition_id", ["national-2022", "yunnan-2023"])
def test_structure(edition_id: str) -> None:
    edition = load_edition(edition_id)
    assert tuple(d.id for d in edition.dimensions) == DIMENSION_IDS
    assert [d.number for d in edition.dimensions] == list("一二三四五六七八")
    assert [i.id for i in edition.gate.indicators] == ["no_major_incidents", "within_county"]
    names = [d.name for d in edition.dimensions]
    assert names[0] == "具有较强核心竞争力" and names[5] == "具有较高绿色化发展水平"
    assert edition.dimension("green_development").advice_item == "（四）"
    assert edition.dimension("open_cooperation").advice_item == "（五）"
    assert edition.dimension("governance_services").advice_item == "（六）"
    assert edition.indicator("area_km2").soft is True
    assert edition.indicator("output_value_yi").years == 3
    assert edition.indicator("output_growth_pct").derive_from == "output_value_yi"
    assert edition.indicator("champion_or_little_giant_count").either_or == "specialized_sme_count"


@pytest.mark.parametrize(("indicator_id", "comparison", "national", "yunnan"), FIGURES)
def test_figures(indicator_id: str, comparison: str, national: float, yunnan: float) -> None:
    for edition_id, expected in (("national-2022", national), ("yunnan-2023", yunnan)):
        indicator = load_edition(edition_id).indicator(indicator_id)
        assert indicator.comparison == comparison
        assert indicator.threshold == expected


def test_figures_not_bundled_nationally_but_in_yunnan() -> None:
    national = load_edition("national-2022")
    yunnan = load_edition("yunnan-2023")
    rd_national, rd_yunnan = national.indicator("rd_growth_pct"), yunnan.indicator("rd_growth_pct")
    assert rd_national.info and rd_national.threshold is None
    assert national.indicator("iiot_penetration_pct").info
    assert (rd_yunnan.comparison, rd_yunnan.threshold) == (">", 5)
    assert yunnan.indicator("iiot_penetration_pct").threshold == 10
    assert [d.figures for d in national.dimensions] == ["confirmed"] * 2 + ["not_bundled"] * 6
    assert {d.figures for d in yunnan.dimensions} == {"confirmed"}
    # National dimensions 3–8 say their prose follows 第六条's items.
    for dimension in national.dimensions[2:]:
        assert dimension.basis and dimension.basis.startswith("第六条")
        assert dimension.basis in dimension.text


def test_as_document() -> None:
    national = load_edition("national-2022").as_document()
    assert national.id == "criteria-national-2022" and national.kind == "criteria"
    assert [a.ref for a in national.articles] == ["gate", *"一二三四五六七八"]
    assert national.articles[1].label == "认定标准·一"
    assert "40亿元" in national.articles[1].text
    assert " " not in national.articles[0].text.split("\n")[0]  # folded YAML leaves no spaces
    yunnan = load_edition("yunnan-2023").as_document()
    assert yunnan.articles[3].label == "云南省认定标准·三"
    assert "高于5%" in yunnan.articles[4].text


# -- bad files -----------------------------------------------------------------------------


def _write_variant(tmp_path: Path, mutate: object) -> Path:
    data = yaml.safe_load((CRITERIA_DIR / "national-2022.yaml").read_text(encoding="utf-8"))
    mutate(data)  # type: ignore[operator]
    path = tmp_path / "national-2022.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _first(data: dict, dim: int = 0, ind: int = 0) -> dict:  # type: ignore[type-arg]
    return data["dimensions"][dim]["indicators"][ind]


BAD = [
    (lambda d: _first(d).update(kind="boolean"), "dimensions[0].indicators[0].kind"),
    (lambda d: _first(d, 0, 1).update(id="pillar_industry"), "dimensions[0].indicators[1].id"),
    (lambda d: _first(d, 0, 2).pop("comparison"), "dimensions[0].indicators[2].comparison"),
    (lambda d: d["dimensions"].pop(5), "dimensions"),
    (lambda d: _first(d).update(colour="red"), "dimensions[0].indicators[0].colour"),
    (lambda d: d.update(extra_key=1), "extra_key"),
    (lambda d: _first(d, 1, 1).update(either_or="nope"), "dimensions[1].indicators[1].either_or"),
    (lambda d: _first(d, 0, 3).update(years=2), "dimensions[0].indicators[3].years"),
    (lambda d: _first(d, 0, 4).update(soft=True), "dimensions[0].indicators[4].soft"),
]


@pytest.mark.parametrize(("mutate", "field"), BAD)
def test_bad_file_names_file_and_field(tmp_path: Path, mutate: object, field: str) -> None:
    path = _write_variant(tmp_path, mutate)
    with pytest.raises(KnowledgeDataError) as info:
        load_edition_file(path)
    assert info.value.path == path
    assert info.value.field == field
    assert str(path) in str(info.value)


def test_a_new_province_is_one_more_file(tmp_path: Path) -> None:
    for path in CRITERIA_DIR.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    data = yaml.safe_load((CRITERIA_DIR / "yunnan-2023.yaml").read_text(encoding="utf-8"))
    data.update(id="guangdong-2024", label_prefix="广东省认定标准", short_name="广东省级",
                province="广东省")
    (tmp_path / "guangdong-2024.yaml").write_text(
        yaml.safe_dump(data, allow_unicode=True), encoding="utf-8"
    )
    (tmp_path / "guangdong.yaml").unlink()  # this folder's 广东 has figures of its own
    ids = [edition.id for edition in list_editions(tmp_path)]
    assert ids == ["guangdong-2024", "national-2022", "yunnan-2023"]
    from knowledge.editions import edition_for_province

    assert edition_for_province("广东", data_dir=tmp_path)[0] == "guangdong-2024"
    document = load_edition("guangdong-2024", tmp_path).as_document()
    assert document.articles[1].label == "广东省认定标准·一"


def test_file_name_must_match_id(tmp_path: Path) -> None:
    path = tmp_path / "other.yaml"
    shutil.copy(CRITERIA_DIR / "national-2022.yaml", path)
    with pytest.raises(KnowledgeDataError) as info:
        load_edition_file(path)
    assert info.value.field == "id"


def test_requirements_read_as_words_for_people() -> None:
    from knowledge.criteria import requirement_text

    national = load_edition("national-2022")
    by_id = {i.id: i for d in national.dimensions for i in d.indicators}
    assert requirement_text(by_id["area_km2"]) == "一般不超过100平方公里"
    assert requirement_text(by_id["output_value_yi"]) == "每年不低于40亿元"
    assert requirement_text(by_id["leading_industry_share_pct"]) == "高于70%"
    assert requirement_text(by_id["leading_industry_share_pct"], "en") == "above 70%"
    assert requirement_text(by_id["pillar_industry"]) is None  # yes/no: no figure
    assert requirement_text(by_id["rd_growth_pct"]) is None  # recorded, no national figure
    yunnan = {i.id: i for d in load_edition("yunnan-2023").dimensions for i in d.indicators}
    assert requirement_text(yunnan["rd_growth_pct"]) == "高于5%"


# -- an edition that adopts the national figures (广东: 沿用国家标准) ----------------------------


def test_guangdong_inherits_the_national_figures_without_copying_them() -> None:
    data = yaml.safe_load((CRITERIA_DIR / "guangdong.yaml").read_text(encoding="utf-8"))
    assert not {"gate", "dimensions", "label_prefix"} & set(data)  # no figure is copied
    guangdong, national = load_edition("guangdong"), load_edition("national-2022")
    assert guangdong.inherits == "national-2022" and guangdong.province == "广东省"
    assert guangdong.dimensions == national.dimensions and guangdong.gate == national.gate
    assert guangdong.label("一") == "认定标准·一"  # citations point at the national document
    assert "沿用国家标准" in guangdong.short_name and "沿用国家标准" in guangdong.source
    # Not a document of its own (it would only repeat the national one) but offered to assess.
    assert "guangdong" not in [e.id for e in list_editions()]
    assert "guangdong" in [e.id for e in list_editions(include_inheriting=True)]


def _copy_editions(tmp_path: Path) -> None:
    for path in CRITERIA_DIR.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"inherits": "national-2099"}, "inherits"),
        ({"inherits": "guangdong"}, "inherits"),  # only an edition with figures can be a base
        ({"threshold": 40}, "threshold"),
        ({"id": "canton"}, "id"),
        ({"note": ""}, "note"),
    ],
)
def test_bad_inheriting_file_names_file_and_field(
    tmp_path: Path, change: dict[str, object], field: str
) -> None:
    _copy_editions(tmp_path)
    path = tmp_path / "guangdong.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.update(change)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(KnowledgeDataError) as info:
        list_editions(tmp_path)
    assert info.value.path == path and info.value.field == field


def test_inheriting_file_alone_is_refused_by_the_single_file_loader() -> None:
    with pytest.raises(KnowledgeDataError) as info:
        load_edition_file(CRITERIA_DIR / "guangdong.yaml")
    assert info.value.field == "inherits"


@pytest.mark.parametrize(
    ("name", "edition", "phrase"),
    [
        ("广东", "guangdong", "沿用国家标准"),
        ("粤", "guangdong", "沿用国家标准"),
        ("广东省", "guangdong", "来源"),
        ("云南", "yunnan-2023", "本省的认定标准"),
        ("Yunnan", "yunnan-2023", "本省的认定标准"),
        ("江苏", "national-2022", "适用国家标准"),
        ("我们在浙江湖州", "national-2022", "如浙江省另行发布省级标准，以其为准"),
        ("火星", "national-2022", "未识别"),
    ],
)
def test_edition_for_province(name: str, edition: str, phrase: str) -> None:
    from knowledge.editions import edition_for_province

    found, note = edition_for_province(name)
    assert found == edition and phrase in note


def test_edition_for_province_in_english_and_offered_order() -> None:
    from knowledge.editions import edition_for_province, offered_editions

    assert "national edition" in edition_for_province("Jiangsu", lang="en")[1]
    assert [e.id for e in offered_editions()] == ["national-2022", "guangdong", "yunnan-2023"]
