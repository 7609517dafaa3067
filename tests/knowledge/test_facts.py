"""The supplementary fact sheets (knowledge/data/facts/*.yaml) against FACTS.md §2-5."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from knowledge.kb import MEASURES_DOC_ID, KnowledgeBase, Located, load_knowledge_base

REQUIRED_REFS = {
    "policy-support",
    "who-applies",
    "provincial-step",
    "revocation",
    "round-2022",
    "round-2023",
    "round-2024",
    "round-2025",
    "round-rules",
    "batches-validity",
    "batch-2022",
    "renewal-review",
    "annual-report",
    "provincial-criteria",
    "gansu-procedure",
}

# FACTS.md §3: quota per province, per 计划单列市/兵团, provinces' deadline (None: not bundled).
ROUNDS: dict[str, tuple[int, int, str | None, str | None]] = {
    "round-2022": (5, 3, "2022年10月31日", "工信厅企业函〔2022〕236号"),
    "round-2023": (6, 2, "2023年7月31日", "工信厅企业函〔2023〕44号"),
    "round-2024": (8, 2, "2024年7月31日", None),
    "round-2025": (8, 2, None, "工信厅企业函〔2025〕77号"),
}


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge_base()


@pytest.fixture(scope="module")
def facts(kb: KnowledgeBase) -> dict[str, Located]:
    return {hit.ref: hit for hit in kb.iter_articles() if hit.document.kind == "facts"}


def test_every_fact_is_there_once(facts: dict[str, Located], kb: KnowledgeBase) -> None:
    assert set(facts) >= REQUIRED_REFS
    refs = [hit.ref for hit in kb.iter_articles() if hit.document.kind == "facts"]
    assert len(refs) == len(set(refs))


def test_facts_are_labelled_by_source_never_as_articles(facts: dict[str, Located]) -> None:
    for hit in facts.values():
        assert hit.label.startswith("公开报道"), hit.ref
        assert not re.search(r"第[一二三四五六七八九十]+条", hit.label), hit.ref
        assert hit.chapter is None and hit.item is None
        assert hit.heading, hit.ref
        assert hit.document.kind == "facts" and hit.document.id.startswith("facts-")


def test_facts_are_in_our_own_words(facts: dict[str, Located], kb: KnowledgeBase) -> None:
    # No measures sentence (or long run of one) is pasted into a fact sheet.
    measures_text = "".join(a.text for a in kb.document(MEASURES_DOC_ID).articles)
    for hit in facts.values():
        for start in range(0, max(0, len(hit.text) - 20)):
            window = hit.text[start : start + 20]
            assert window not in measures_text, f"{hit.ref} copies {window!r}"


def test_unconfirmed_article_numbers_are_said_so(facts: dict[str, Located]) -> None:
    for ref in ("policy-support", "who-applies", "provincial-step", "revocation"):
        assert "未经核实" in facts[ref].text, ref


@pytest.mark.parametrize("ref", sorted(ROUNDS))
def test_rounds_quota_deadline_and_notice(facts: dict[str, Located], ref: str) -> None:
    province, other, deadline, notice = ROUNDS[ref]
    hit = facts[ref]
    assert f"最多推荐{province}个" in hit.text
    assert f"最多推荐{other}个" in hit.text
    assert "计划单列市" in hit.text and "兵团" in hit.text
    if deadline:
        assert f"{deadline}前" in hit.text
    else:
        assert "未收录" in hit.text  # the deadline is not known: say so, don't guess
    if notice:
        assert notice in hit.text and notice in hit.label


def test_round_specifics(facts: dict[str, Located]) -> None:
    assert "2022年9月19日" in facts["round-2022"].text
    assert "纸质" in facts["round-2022"].text and "细分领域" in facts["round-2022"].text
    assert "西部" in facts["round-2023"].text
    assert "复核" in facts["round-2025"].text and "2022年度" in facts["round-2025"].text
    rules = facts["round-rules"].text
    assert "弄虚作假" in rules and "2022年10月15日" in rules and "2023年7月7日" in rules


def test_batches_and_validity(facts: dict[str, Located]) -> None:
    validity = facts["batches-validity"].text
    assert "Y+1年1月1日" in validity and "Y+3年12月31日" in validity
    assert "2023年1月1日至2025年12月31日" in validity
    batch = facts["batch-2022"].text
    assert "100个" in batch and "2023年1月11日" in batch
    renewal = facts["renewal-review"].text
    assert "三年发展规划" in renewal and "延长三年" in renewal and "2025年度" in renewal


def test_annual_report_is_a_fact_sheet_citing_article_16(facts: dict[str, Located]) -> None:
    hit = facts["annual-report"]
    assert "4月30日" in hit.text and "第十六条" in hit.text
    assert hit.label == "公开报道"  # cites 第十六条 in its text, but is not that article


def test_who_applies_and_provincial(facts: dict[str, Located]) -> None:
    assert "县级" in facts["who-applies"].text and "自愿" in facts["who-applies"].text
    assert "《中小企业特色产业集群申报表》" in facts["who-applies"].text
    assert "实地抽查" in facts["provincial-step"].text
    assert "第十四条" in facts["provincial-step"].text
    assert "5个工作日" in facts["gansu-procedure"].text
    criteria = facts["provincial-criteria"].text
    assert "云南" in criteria and "广东" in criteria


def test_revocation_conditions(facts: dict[str, Located]) -> None:
    text = facts["revocation"].text
    for phrase in ("较大及以上", "重大及以上", "数据安全", "偷税漏税", "严重失信", "撤销"):
        assert phrase in text


def test_missing_articles_point_to_facts(kb: KnowledgeBase) -> None:
    pointed = {
        fact.ref
        for ref in kb.document(MEASURES_DOC_ID).missing
        for fact in (kb.missing(MEASURES_DOC_ID, ref) or pytest.fail(ref)).see_also
    }
    assert pointed == {"policy-support", "who-applies", "provincial-step", "revocation"}


# -- typed records (knowledge.facts) -------------------------------------------------------


def test_rounds_are_typed_records_with_unknown_fields_explicit(kb: KnowledgeBase) -> None:
    for ref, (quota, separate, deadline, notice) in ROUNDS.items():
        year = int(ref.removeprefix("round-"))
        cited = kb.facts.round(year)
        assert cited is not None and cited.ref == ref and cited.doc == "facts-rounds"
        record = cited.record
        assert (record.quota_province, record.quota_separate) == (quota, separate)
        shown = f"{record.deadline.year}年{record.deadline.month}月{record.deadline.day}日" if (
            record.deadline
        ) else None
        assert shown == deadline
        assert record.notice == notice
    assert kb.facts.round(2026) is None  # a round that is not recorded is absent, not guessed


def test_batches_and_validity_windows(kb: KnowledgeBase) -> None:
    from datetime import date

    batch = kb.facts.batch(2022)
    assert batch is not None
    assert (batch.record.count, batch.record.list_published) == (100, date(2023, 1, 11))
    assert kb.facts.validity_of(2022) == (date(2023, 1, 1), date(2025, 12, 31))
    # Other batch years follow the rule of 第十五条 (three years from Y+1).
    assert kb.facts.validity_of(2024) == (date(2025, 1, 1), date(2027, 12, 31))
    report = kb.facts.annual_report()
    assert report is not None and (report.record.month, report.record.day) == (4, 30)


def test_provincial_records(kb: KnowledgeBase) -> None:
    yunnan = kb.facts.provincial_edition("云南省")
    assert yunnan is not None and yunnan.record.edition == "yunnan-2023"
    guangdong = kb.facts.provincial_edition("广东省")
    assert guangdong is not None and guangdong.record.edition == "national-2022"
    assert kb.facts.provincial_edition("浙江省") is None
    deadline = kb.facts.provincial_deadline("云南省", 2023)
    assert deadline is not None and str(deadline.record.deadline) == "2023-07-07"
    assert kb.facts.provincial_deadline("云南省", 2024) is None


def test_a_broken_record_names_file_and_field(tmp_path: Path) -> None:
    import shutil

    from knowledge.errors import KnowledgeDataError
    from knowledge.kb import DEFAULT_DATA_DIR

    data = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, data)
    path = data / "facts" / "rounds.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("quota_province: 6", "quota_province: six"),
        encoding="utf-8",
    )
    with pytest.raises(KnowledgeDataError) as caught:
        load_knowledge_base(data)
    assert "rounds.yaml" in str(caught.value)
    assert "records[0].quota_province" in str(caught.value)
