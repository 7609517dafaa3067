"""Regressions for general causes found on fresh questions: a province's internal deadline for
its counties, a batch whose list the knowledge does not hold, month cues, and what a cluster
"enjoys" from a programme the knowledge does not cover."""

from __future__ import annotations

from retrieval.service import Answerer


def _refs(answer: object) -> list[str]:
    return [f"{c.doc}/{c.ref}" for c in answer.citations]  # type: ignore[attr-defined]


def test_a_provinces_internal_deadline_is_its_own_not_the_applicant(
    fake_answerer: Answerer,
) -> None:
    questions = ("省厅一般让下面的县几号之前把推荐材料交上去？", "省里要求县里哪个月报申报材料")
    for question in questions:
        answer = fake_answerer.ask(question)
        assert answer.in_scope, question
        assert answer.answer.startswith("答：各省自行"), question
        assert "早于" in answer.answer  # earlier than the ministry's date
        assert _refs(answer) == ["facts-rounds/round-rules"], question
        assert answer.frame.province is None


def test_a_named_province_or_the_ministrys_date_is_not_an_internal_deadline(
    fake_answerer: Answerer,
) -> None:
    to_ministry = fake_answerer.ask("2023年省里最晚几号要报给工信部？")
    assert "各省自行" not in to_ministry.answer
    assert "7月31日" in to_ministry.answer
    named = fake_answerer.ask("云南省2023年省级申报什么时候截止")
    assert "各省自行" not in named.answer and "7月7日" in named.answer


def test_an_unrecorded_batch_never_gets_another_batchs_date(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("第四批特色产业集群的名单是哪天公布的")
    assert answer.answer.startswith("答：本项目未收录2025年度集群名单")
    assert "2023年1月11日" not in answer.answer  # the first batch's date is not the answer
    assert "仅作背景" in answer.answer  # recorded batches only as labelled context
    english = fake_answerer.ask("When was the list of the 2024 batch published?")
    assert "not recorded" in english.answer and "January 11" not in english.answer


def test_a_recorded_batch_still_gets_its_own_date(fake_answerer: Answerer) -> None:
    answer = fake_answerer.ask("第一批集群名单哪天公布的？")
    assert "2023年1月11日" in answer.answer and "未收录" not in answer.answer


def test_a_month_question_is_a_date_question(fake_answerer: Answerer) -> None:
    frame = fake_answerer.framer.frame("年报一般几月份交", "zh")
    assert frame.has("date")


def test_what_a_cluster_enjoys_from_an_uncovered_programme_is_honestly_unrecorded(
    fake_answerer: Answerer,
) -> None:
    answer = fake_answerer.ask("认定成特色产业集群之后企业能享受什么增值税减免")
    assert not answer.in_scope
    assert "不在本项目收录的范围内" in answer.answer
    assert answer.citations == []
