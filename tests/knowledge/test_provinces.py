from pathlib import Path

import pytest

from knowledge.errors import KnowledgeDataError
from knowledge.provinces import find_province, find_provinces, load_provinces, province_by_name


def test_all_provincial_divisions_and_quota_units() -> None:
    entries = load_provinces()
    assert sum(1 for e in entries if e.kind == "province") == 34
    cities = {e.short for e in entries if e.kind == "计划单列市"}
    assert cities == {"大连", "青岛", "宁波", "厦门", "深圳"}


def test_find_province_in_running_text() -> None:
    assert find_province("广东省级集群用什么标准").short == "广东"
    assert find_province("我们在云南，产值够吗").short == "云南"
    assert find_province("What does Guangdong require?").short == "广东"
    assert find_province("新疆生产建设兵团的名额").short == "兵团"
    assert find_province("集群有效期多久") is None
    # one-character abbreviations never match inside words
    assert find_province("新一代信息技术集群，青年人才") is None


def test_find_provinces_in_order() -> None:
    assert [p.short for p in find_provinces("国家和云南、广东分别要求多少")] == ["云南", "广东"]


def test_lookup_by_alias() -> None:
    assert province_by_name("粤").short == "广东"
    assert province_by_name("Yunnan").name == "云南省"
    assert province_by_name("火星") is None


def test_duplicate_name_fails_naming_file(tmp_path: Path) -> None:
    bad = tmp_path / "p.yaml"
    bad.write_text(
        "provinces:\n  - {name: 甲省, short: 甲地, en: Jia}\n"
        "  - {name: 乙省, short: 甲地, en: Yi}\n"
        "separate_quota_units: []\n",
        encoding="utf-8",
    )
    with pytest.raises(KnowledgeDataError) as err:
        load_provinces(bad)
    assert "p.yaml" in str(err.value) and "甲地" in str(err.value)
