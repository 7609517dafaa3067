"""/assess asks back before storing an implausible figure (issue #15), end to end through the
Bot API stand-in; editions (广东 沿用国家标准, another province) and button ownership."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import docx
import pytest

from handlers.assess import repo
from tests.support.bot_api import SentMessage
from tests.support.fixtures import BotHarness, HarnessFactory

pytestmark = pytest.mark.e2e

USER = 7171
OTHER = 8282
NOW = datetime(2026, 4, 20, 9, 0, tzinfo=UTC)


def _answers(h: BotHarness) -> dict[str, object]:
    with h.db.session() as session:
        draft = repo.get_draft(session, user_id=USER)
        assert draft is not None
        return repo.answers_of(session, assessment_id=int(draft.id or 0))


async def _press_next(h: BotHarness, screen: SentMessage, button: str) -> SentMessage:
    """Press `button` on the question and wait until the message shows another question (the
    stand-in edits the message in place, so compare with the text as it was)."""
    before = screen.text
    return await h.click(USER, screen, button,
                         lambda m: m.message_id == screen.message_id and m.text != before)


async def _to_outputs(h: BotHarness) -> SentMessage:
    menu = await h.reply(USER, "/assess", "选择认定标准")
    screen = await h.click(USER, menu, "全国（2022年版）", "第 2/10 步")
    for _ in range(4):  # the two gates, pillar industry, leading position
        screen = await _press_next(h, screen, "是")
    assert "占地面积" in screen.text
    return await h.reply(USER, "80", "年产值")


async def test_the_chat_asks_back_before_storing_each_implausible_figure(
    make_harness: HarnessFactory,
) -> None:
    h = await make_harness(smebot_now=NOW)
    await _to_outputs(h)

    # Outputs typed in yuan: asked back, nothing stored until the user answers.
    ask = await h.reply(USER, "4500000000, 4800000000, 5200000000", "您是指")
    assert "您是指 45, 48, 52 亿元吗？" in ask.text and "按“元”填写" in ask.text
    assert "是，按 45, 48, 52 亿元" in ask.button_texts
    assert any(text.startswith("否，保留 4500000000") for text in ask.button_texts)
    assert "output_value_yi" not in _answers(h)
    share = await h.click(USER, ask, "是，按 45, 48, 52 亿元", "中小企业产值占")
    assert share.message_id == ask.message_id  # the ask-back turned into the next question
    assert _answers(h)["output_value_yi"] == [45, 48, 52]
    answered = list(h.api.callback_answers.values())[-1]
    assert "已按 45, 48, 52 亿元 记录" in answered.get("text", "")

    # A share typed as a fraction: asked back; the user keeps the typed 0.72 on purpose.
    ask = await h.reply(USER, "0.72", "您是指 72%吗？")
    assert "sme_output_share_pct" not in _answers(h)
    await h.click(USER, ask, "否，保留 0.72%", "主导产业产值占")
    assert _answers(h)["sme_output_share_pct"] == 0.72

    # A growth rate contradicting the three outputs (7.5 % a year): asked back.
    await h.reply(USER, "75", "年均增速")
    ask = await h.reply(USER, "2.8%", "您是指 7.5%吗？")
    assert "相差 4.7 个百分点" in ask.text
    # Typing another figure instead of pressing replaces the pending one; the old buttons are
    # then out of date and change nothing.
    await h.reply(USER, "7.6", lambda m: "步" in m.text and "年均增速" not in m.text)
    assert _answers(h)["output_growth_pct"] == 7.6
    sent = await h.press(USER, ask, "是，按 7.5%")
    await h.settle()
    assert "过期" in h.api.callback_answers[sent.update["callback_query"]["id"]].get("text", "")
    assert _answers(h)["output_growth_pct"] == 7.6


async def test_a_share_above_100_is_asked_again(make_harness: HarnessFactory) -> None:
    h = await make_harness(smebot_now=NOW)
    await _to_outputs(h)
    await h.reply(USER, "45, 48, 52", "中小企业产值占")
    reask = await h.reply(USER, "120%", "0 到 100")
    assert "中小企业产值占" in reask.text and "sme_output_share_pct" not in _answers(h)


async def test_result_shows_warnings_either_or_uncertain_and_not_assessed(
    make_harness: HarnessFactory,
) -> None:
    h = await make_harness(smebot_now=NOW)
    await _to_outputs(h)
    ask = await h.reply(USER, "45, 48, 52", "中小企业产值占")
    ask = await h.reply(USER, "0.72", "您是指 72%吗？")
    screen = await h.click(USER, ask, "否，保留 0.72%", "主导产业产值占")
    screen = await h.reply(USER, "75", "年均增速")
    screen = await _press_next(h, screen, "跳过")
    assert "持续开展" in screen.text
    screen = await _press_next(h, screen, "不确定")
    assert "单项冠军" in screen.text
    screen = await h.reply(USER, "0", "合计有多少家")
    screen = await h.reply(USER, "4", "产业链")
    # Leave the rest of the questions: cancel, come back, finish from the summary.
    await h.click(USER, screen, "取消", "已退出自评")
    offer = await h.reply(USER, "/assess", "未完成的自评")
    screen = await h.click(USER, offer, "继续上次的自评", "产业链")
    for _ in range(14):
        if "核对答案" in screen.text:
            break
        screen = await _press_next(h, screen, "跳过")
    assert "核对答案" in screen.text
    mark = h.api.mark()
    await h.press(USER, screen, "完成评估")
    document = await h.wait_for(USER, lambda m: m.kind == "document", after=mark)
    text = "\n".join(m.text for m in h.messages(USER, after=mark) if m.kind == "text")
    assert "需要核对的数值" in text and "应为 72%" in text
    assert "二者满足其一即可" in text
    assert "❓ 不确定：持续开展优质中小企业梯度培育" in text
    assert "⬜" in text and "未评估" in text
    # Advice with targets in the user's figures, and the lever cited.
    assert "按最近一年产值 52 亿元计，中小企业产值需不低于 36.4 亿元" in text
    assert "明年产值需高于 58.08亿元" in text
    assert "《暂行办法》第六条（一）“提升集群主导产业优势”" in text
    assert document.file_name and document.file_name.endswith(".docx")
    assert document.file_bytes is not None
    body = "\n".join(p.text for p in docx.Document(io.BytesIO(document.file_bytes)).paragraphs)
    assert "未回答的项目" in body and "回答“不确定”的项目" in body


async def test_edition_buttons_belong_to_their_owner_and_guangdong_is_offered(
    make_harness: HarnessFactory,
) -> None:
    h = await make_harness(smebot_now=NOW)
    await h.reply(OTHER, "/start", lambda m: True)
    menu = await h.reply(USER, "/assess", "选择认定标准")
    assert "广东（沿用国家标准）" in menu.button_texts
    sent = await h.press(OTHER, menu, "全国（2022年版）")
    await h.settle()
    answered = h.api.callback_answers[sent.update["callback_query"]["id"]]
    assert answered.get("show_alert") is True and "属于其他用户" in answered.get("text", "")
    assert h.api.message(USER, menu.message_id).text == menu.text  # unchanged
    with h.db.session() as session:
        assert repo.get_draft(session, user_id=OTHER) is None
        assert repo.get_draft(session, user_id=USER) is None
    history = await h.press(OTHER, menu, "历史记录")
    await h.settle()
    assert "属于其他用户" in h.api.callback_answers[history.update["callback_query"]["id"]].get(
        "text", "")
    # The owner's own press works: 广东 is assessed by the national figures.
    screen = await h.click(USER, menu, "广东（沿用国家标准）", "第 2/10 步")
    with h.db.session() as session:
        draft = repo.get_draft(session, user_id=USER)
    assert draft is not None and draft.edition == "guangdong"
    assert "（1/2）" in screen.text


async def test_another_province_is_told_the_national_edition_applies(
    make_harness: HarnessFactory,
) -> None:
    h = await make_harness(smebot_now=NOW)
    menu = await h.reply(USER, "/assess 江苏", "选择认定标准")
    assert "适用国家标准" in menu.text and "如江苏省另行发布省级标准，以其为准" in menu.text
    menu = await h.reply(USER, "/assess 广东", "选择认定标准")
    assert "广东省省级集群沿用国家标准" in menu.text


async def test_a_button_from_the_old_callback_format_is_answered(
    make_harness: HarnessFactory,
) -> None:
    h = await make_harness(smebot_now=NOW)
    menu = await h.reply(USER, "/assess", "选择认定标准")
    old = h.api.message(USER, menu.message_id)
    assert old is not None and old.reply_markup is not None
    old.reply_markup["inline_keyboard"][0][0]["callback_data"] = "as:ed:0:national-2022"
    sent = await h.press(USER, old, "全国（2022年版）")
    await h.settle()
    # No handler of the slice takes it: the composition root's fallback answers it.
    answered = h.api.callback_answers[sent.update["callback_query"]["id"]]
    assert "已失效" in answered.get("text", "")
    with h.db.session() as session:
        assert repo.get_draft(session, user_id=USER) is None


async def test_an_assessment_in_progress_survives_a_restart(make_harness: HarnessFactory) -> None:
    """The FSM state lives in the database: right after a restart a typed figure is still an
    answer (not a question), and a figure waiting for confirmation can still be confirmed."""
    h = await make_harness(smebot_now=NOW)
    await _to_outputs(h)
    ask = await h.reply(USER, "4500000000, 4800000000, 5200000000", "您是指")

    await h.restart()  # a new dispatcher and bot, the same database

    share = await h.click(USER, ask, "是，按 45, 48, 52 亿元", "中小企业产值占")
    assert _answers(h)["output_value_yi"] == [45, 48, 52]
    await h.restart()
    after = await h.reply(USER, "75", "主导产业产值占")
    assert after.message_id != share.message_id and _answers(h)["sme_output_share_pct"] == 75
