"""/assess end to end: the real polling loop over HTTP against the Bot API stand-in."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import docx
import pytest

from handlers.assess import repo
from handlers.assess.models import DONE, DRAFT
from knowledge.engine import assess
from tests.support.bot_api import SentMessage
from tests.support.fixtures import BotHarness, HarnessFactory

pytestmark = pytest.mark.e2e

USER = 5151
OTHER = 6262
NOW = datetime(2026, 4, 20, 9, 0, tzinfo=UTC)

# Typed answers for the number questions of national-2022, by a word of the question.
TYPED = {
    "占地面积": "80平方公里",
    "年产值（单位": "35, 40, 46",
    "中小企业产值占": "75%",
    "主导产业产值占": "70",
    "有多少家制造业单项冠军": "0",
    "合计有多少家": "十二",
    "研发经费": "约8%",
    "工业互联网平台普及率": "20",
}


def _draft(h: BotHarness, user_id: int = USER) -> object:
    with h.db.session() as session:
        return repo.get_draft(session, user_id=user_id)


async def _answer_current(h: BotHarness, question: SentMessage) -> SentMessage:
    """Answer whatever `question` asks: "是" for yes/no, the typed figure otherwise."""
    if "是" in question.button_texts:
        return await h.click(USER, question, "是", lambda m: m.message_id == question.message_id)
    for word, typed in TYPED.items():
        if word in question.text:
            return await h.reply(USER, typed, lambda m: "步" in m.text)
    # The growth question: skip it, so it is derived from the three outputs.
    assert "年均增速" in question.text, question.text
    return await h.click(USER, question, "跳过", lambda m: m.message_id == question.message_id)


async def _start(h: BotHarness) -> SentMessage:
    menu = await h.reply(USER, "/assess", "选择认定标准")
    assert {"全国（2022年版）", "云南省级（2023年暂行版）"} <= set(menu.button_texts)
    return await h.click(USER, menu, "全国（2022年版）", "第 2/10 步")


async def test_full_flow_reask_back_edit_and_result(make_harness: HarnessFactory) -> None:
    h = await make_harness(smebot_now=NOW)
    screen = await _start(h)
    assert "（1/2）" in screen.text and {"是", "否", "不确定", "跳过", "取消"} <= set(
        screen.button_texts
    )
    screen = await _answer_current(h, screen)  # gate 1
    screen = await _answer_current(h, screen)  # gate 2
    assert "第 3/10 步" in screen.text and "具有较强核心竞争力" in screen.text

    # Back returns to the previous question, which shows the answer already given.
    back = await h.click(USER, screen, "← 上一步", "第 2/10 步")
    assert "当前答案：是" in back.text
    screen = await _answer_current(h, back)

    screen = await _answer_current(h, screen)  # pillar_industry
    screen = await _answer_current(h, screen)  # leading_position
    assert "占地面积" in screen.text
    # A number it cannot read is re-asked with the reason; nothing is saved.
    reask = await h.reply(USER, "差不多一百多吧", "没看懂")
    assert "占地面积" in reask.text and "第 3/10 步" in reask.text
    screen = reask
    while "核对答案" not in screen.text:
        screen = await _answer_current(h, screen)
    summary = screen
    assert "80平方公里" in summary.text and "35, 40, 46亿元" in summary.text
    assert "跳过" in summary.text  # the growth question

    # Change one answer from the summary: part 一, then walk back to the summary.
    edit = await h.click(USER, summary, "改：一", lambda m: "第 3/10 步" in m.text)
    for _ in range(4):  # pillar, leading, area, outputs: keep them
        edit = await _answer_current(h, edit)
    edit = await _answer_current(h, edit)  # SME share
    assert "主导产业产值占" in edit.text and "当前答案：70%" in edit.text
    edit = await h.reply(USER, "72", lambda m: "年均增速" in m.text)
    summary = await h.click(USER, edit, "跳过", "核对答案")
    assert "72%" in summary.text

    mark = h.api.mark()
    await h.press(USER, summary, "完成评估")
    result = await h.wait_for(USER, "自评结果", after=mark)
    assert "目前尚不符合本版标准的要求" in result.text
    assert "集群年产值第 1 年 35亿元，需不低于 40亿元，差 5 亿元" in result.text
    assert "按三年产值推算" in result.text  # growth derived from 35 → 46 (14.6%: passes)
    assert "《暂行办法》第六条（一）" in result.text
    assert "县级行政区划中小企业主管部门" in result.text
    photo = await h.wait_for(USER, lambda m: m.kind == "photo", after=mark)
    assert photo.file_bytes is not None and photo.file_bytes.startswith(b"\x89PNG")
    # The Word report is sent by default; it opens with python-docx and holds the verdict.
    document = await h.wait_for(USER, lambda m: m.kind == "document", after=mark)
    assert document.file_name and document.file_name.endswith(".docx")
    assert document.file_bytes is not None
    word = docx.Document(io.BytesIO(document.file_bytes))
    body = "\n".join(paragraph.text for paragraph in word.paragraphs)
    assert "目前尚不符合本版标准的要求" in body and len(word.inline_shapes) == 1
    # HTML stays one button away.
    buttons = next(m for m in h.messages(USER) if "HTML 报告" in m.button_texts)
    mark = h.api.mark()
    await h.press(USER, buttons, "HTML 报告")
    html_file = await h.wait_for(USER, lambda m: m.kind == "document", after=mark)
    assert html_file.file_name and html_file.file_name.endswith(".html")
    assert html_file.file_bytes is not None
    report = html_file.file_bytes.decode("utf-8")
    assert report.startswith("<!DOCTYPE html>") and "data:image/png;base64," in report

    with h.db.session() as session:
        (done,) = repo.list_done(session, user_id=USER)
        answers = repo.answers_of(session, assessment_id=int(done.id or 0))
        rows = {r.indicator: r for r in repo.answer_rows(session, assessment_id=int(done.id or 0))}
    assert done.status == DONE and done.eligible is False
    assert answers["leading_industry_share_pct"] == 72
    assert answers["output_value_yi"] == [35, 40, 46]
    assert rows["specialized_sme_count"].raw_text == "十二"  # saved as given
    assert answers["specialized_sme_count"] == 12
    assert rows["output_growth_pct"].skipped is True
    # The stored verdict is the engine's verdict on the stored answers.
    assert assess("national-2022", answers, with_advice=False).eligible is done.eligible


async def test_restart_in_the_middle_continues_the_draft(make_harness: HarnessFactory) -> None:
    h = await make_harness(smebot_now=NOW)
    screen = await _start(h)
    screen = await _answer_current(h, screen)
    screen = await _answer_current(h, screen)
    assert "第 3/10 步" in screen.text

    await h.restart()  # a new dispatcher and bot, the same database

    offer = await h.reply(USER, "/assess", "未完成的自评")
    assert "已答 2 项" in offer.text
    resumed = await h.click(USER, offer, "继续上次的自评", "第 3/10 步")
    assert "主导产业" in resumed.text
    resumed = await _answer_current(h, resumed)
    resumed = await _answer_current(h, resumed)
    # Typed answers work again after continuing (the FSM state was restored from the draft).
    after = await h.reply(USER, "120", "年产值")
    assert "第 3/10 步" in after.text
    draft = _draft(h)
    assert draft is not None and draft.status == DRAFT  # type: ignore[attr-defined]
    with h.db.session() as session:
        answers = repo.answers_of(session, assessment_id=draft.id)  # type: ignore[attr-defined]
    assert answers["area_km2"] == 120 and answers["no_major_incidents"] is True


async def test_forged_callback_is_refused(make_harness: HarnessFactory) -> None:
    h = await make_harness(smebot_now=NOW)
    screen = await _start(h)
    # Another user presses a button naming USER's assessment (callback data they did not get).
    sent = await h.press(OTHER, screen, "是")
    await h.settle()
    query_id = sent.update["callback_query"]["id"]
    answered = h.api.callback_answers[query_id]
    assert answered.get("show_alert") is True and "无法访问" in answered.get("text", "")
    draft = _draft(h)
    with h.db.session() as session:
        assert repo.answers_of(session, assessment_id=draft.id) == {}  # type: ignore[attr-defined]
    assert draft.step == 0  # type: ignore[attr-defined]


async def test_stale_button_does_not_answer_another_question(
    make_harness: HarnessFactory,
) -> None:
    h = await make_harness(smebot_now=NOW)
    first = await _start(h)
    # The first question's "是" after the flow moved on (the message was edited; the old
    # button is replayed through the stand-in by pressing on a copy of the original markup).
    old_markup = first.reply_markup
    await _answer_current(h, first)
    current = h.api.message(USER, first.message_id)
    assert current is not None
    current.reply_markup = old_markup
    sent = await h.press(USER, current, "是")
    await h.settle()
    answered = h.api.callback_answers[sent.update["callback_query"]["id"]]
    assert "过期" in answered.get("text", "")
    with h.db.session() as session:
        answers = repo.answers_of(session, assessment_id=_draft(h).id)  # type: ignore[attr-defined]
    assert list(answers) == ["no_major_incidents"]


def _finished(h: BotHarness, user_id: int, answers: dict[str, object]) -> int:
    with h.db.session() as session:
        record = repo.create_draft(session, user_id=user_id, chat_id=user_id,
                                   edition="national-2022", lang="zh", now=NOW)
        for key, value in answers.items():
            repo.save_answer(session, assessment_id=int(record.id or 0), indicator=key,
                             value=value, raw_text=str(value), now=NOW)
        result = assess("national-2022", answers, with_advice=False)
        repo.complete(session, assessment_id=int(record.id or 0), eligible=result.eligible,
                      result=result.to_json(), now=NOW)
        return int(record.id or 0)


async def test_history_compare_and_access(make_harness: HarnessFactory) -> None:
    h = await make_harness(smebot_now=NOW)
    await h.reply(USER, "/start", lambda m: True)
    await h.reply(OTHER, "/start", lambda m: True)
    older = _finished(h, USER, {"green_transition": False})
    newer = _finished(h, USER, {"green_transition": True})
    others = _finished(h, OTHER, {"green_transition": True})

    menu = await h.reply(USER, "/assess", "选择认定标准")
    history = await h.click(USER, menu, "历史记录", "历史记录")
    assert f"#{older}" in history.text and f"#{newer}" in history.text
    assert f"#{others}" not in history.text  # only the owner's assessments
    # Finished at 09:00 UTC: shown in the users' zone (Asia/Shanghai), not in UTC.
    assert "2026-04-20 17:00" in history.text and "09:00" not in history.text
    mark = h.api.mark()
    await h.press(USER, history, "对比")
    comparison = await h.wait_for(USER, "对比", after=mark)
    assert f"#{older} → #{newer}" in comparison.text
    assert "❌ → ✅  6. 具有较高绿色化发展水平 ⬆️" in comparison.text
    assert "❔ → ❔  7. 积极参与产业开放合作" in comparison.text

    # OTHER replays the compare button on USER's message: refused, nothing sent to OTHER.
    sent = await h.press(OTHER, history, "对比")
    await h.settle()
    answered = h.api.callback_answers[sent.update["callback_query"]["id"]]
    assert "无法访问" in answered.get("text", "")
    assert not [m for m in h.messages(OTHER) if "对比" in m.text]

    view = await h.click(USER, history, f"查看 #{older}", "自评结果")
    assert "未满足：能源结构清洁化" in view.text


async def test_cancel_keeps_the_draft_and_not_sure_is_unknown(
    make_harness: HarnessFactory,
) -> None:
    h = await make_harness(smebot_now=NOW)
    screen = await _start(h)
    screen = await h.click(USER, screen, "不确定", lambda m: "（2/2）" in m.text)
    left = await h.click(USER, screen, "取消", "已退出自评")
    assert left.buttons == []
    # Out of the flow, typed text is a question again (the catch-all), not an answer.
    await h.send(USER, "是")
    await h.settle()
    with h.db.session() as session:
        rows = repo.answer_rows(session, assessment_id=_draft(h).id)  # type: ignore[attr-defined]
    assert [(r.indicator, r.value, r.raw_text) for r in rows] == [
        ("no_major_incidents", None, "不确定")
    ]
    offer = await h.reply(USER, "/assess", "未完成的自评")
    again = await h.click(USER, offer, "重新开始", "选择认定标准")
    assert "历史记录" in again.button_texts
    assert _draft(h) is None  # the old draft was discarded


async def test_share_out_of_range_is_reasked(make_harness: HarnessFactory) -> None:
    h = await make_harness(smebot_now=NOW)
    screen = await _start(h)
    for _ in range(4):  # gate ×2, pillar, leading
        screen = await _answer_current(h, screen)
    screen = await h.reply(USER, "80", "年产值")
    screen = await h.reply(USER, "40 50", "需要正好 3 个数")  # two numbers: re-asked
    screen = await h.reply(USER, "40，50，60", "中小企业产值占")
    reask = await h.reply(USER, "120%", "0 到 100")
    assert "中小企业产值占" in reask.text
    with h.db.session() as session:
        answers = repo.answers_of(session, assessment_id=_draft(h).id)  # type: ignore[attr-defined]
    assert "sme_output_share_pct" not in answers and answers["output_value_yi"] == [40, 50, 60]


async def test_english_flow(make_harness: HarnessFactory) -> None:
    h = await make_harness(smebot_now=NOW)
    menu = await h.reply(USER, "/assess", "Choose the criteria", language_code="en")
    screen = await h.click(USER, menu, "National (2022 edition)", "Step 2/10")
    assert {"Yes", "No", "Not sure", "Skip", "Cancel"} <= set(screen.button_texts)
    assert "Preconditions" in screen.text
