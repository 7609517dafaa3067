"""/start, /help, /lang and the example buttons, over HTTP with the retrieval doubles."""

from __future__ import annotations

from tests.support.doubles import FakeAnswerer
from tests.support.fixtures import BotHarness


async def test_start_greets_in_three_lines_with_example_buttons(fake_harness: BotHarness) -> None:
    h = fake_harness
    reply = await h.reply(11, "/start", first_name="<王>&总")
    assert reply.text.startswith("您好，<王>&总！")  # the name arrived escaped, shown verbatim
    numbered = [line for line in reply.text.splitlines() if line[:2] in ("1.", "2.", "3.")]
    assert len(numbered) == 3
    assert reply.button_texts == list(h.api.messages(11)[0].button_texts)
    assert "集群认定后有效期多久？" in reply.button_texts
    row = h.user_row(11)
    assert row is not None and row.first_name == "<王>&总" and row.is_active


async def test_example_button_asks_that_question(fake_harness: BotHarness) -> None:
    h = fake_harness
    start = await h.reply(12, "/start")
    answer = await h.click(12, start, "有效期", "出处")
    assert "集群认定后有效期多久？" in answer.text
    answerer = h.answerer
    assert isinstance(answerer, FakeAnswerer)
    assert answerer.calls[-1] == ("集群认定后有效期多久？", "zh")
    await h.settle()
    # The button's spinner was stopped.
    assert h.api.callback_answers


async def test_english_client_gets_english(fake_harness: BotHarness) -> None:
    reply = await fake_harness.reply(13, "/start", language_code="en-US")
    assert reply.text.startswith("Hello, ")
    assert "How long is a cluster's recognition valid?" in reply.button_texts


async def test_help_lists_the_commands(fake_harness: BotHarness) -> None:
    reply = await fake_harness.reply(14, "/help", "/assess")
    for command in ("/assess", "/remind", "/subscribe", "/reminders", "/cancel", "/forget",
                    "/lang"):
        assert command in reply.text
    assert "<批次年份>" in reply.text


async def test_lang_is_stored_and_overrides_telegram(fake_harness: BotHarness) -> None:
    h = fake_harness
    assert "English" in (await h.reply(15, "/lang en")).text
    assert h.user_row(15).lang_override == "en"  # type: ignore[union-attr]
    # The Telegram client still says Chinese, but the stored choice wins.
    assert (await h.reply(15, "/help")).text.startswith("How to use")
    # And it survives a restart (it lives in the DB).
    await h.restart()
    assert (await h.reply(15, "/start")).text.startswith("Hello")
    assert "不支持" in (await h.reply(15, "/lang fr")).text or "Unsupported" in (
        h.messages(15)[-1].text
    )


async def test_lang_buttons(fake_harness: BotHarness) -> None:
    h = fake_harness
    menu = await h.reply(16, "/lang", "Choose")
    assert menu.button_texts == ["中文", "English"]
    done = await h.click(16, menu, "English", "Language set to English.")
    assert done.text == "Language set to English."
    assert h.user_row(16).lang_override == "en"  # type: ignore[union-attr]


async def test_forget_deletes_every_feature_row_after_confirmation(
    fake_harness: BotHarness,
) -> None:
    from sqlalchemy import text

    h = fake_harness
    answer = await h.reply(17, "集群有效期多久？", "出处")
    await h.click(17, answer, "👍", lambda m: "👍 ✓" in m.button_texts)
    ask = await h.reply(17, "/forget", "无法撤销")
    kept = await h.click(17, ask, "取消", "保持不变")
    assert kept.message_id == ask.message_id and not kept.buttons
    assert len(h.feedback()) == 1
    ask = await h.reply(17, "/forget", "无法撤销")
    done = await h.click(17, ask, "确认删除", "已删除")
    assert done.message_id == ask.message_id
    assert h.user_row(17) is None
    assert h.feedback() == []
    with h.db.session() as session:
        assert session.execute(text("SELECT COUNT(*) FROM answers")).scalar() == 0


async def test_cancel_without_a_flow(fake_harness: BotHarness) -> None:
    reply = await fake_harness.reply(18, "/cancel")
    assert "没有进行中的流程" in reply.text
