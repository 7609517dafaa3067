"""The DingTalk channel in process: plain aiogram handlers, the DingTalk session and inbound
adapter, the Stream connection, and the stand-in across real HTTP and websocket."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.filters import Command
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from bot.channels.config import ChannelConfigError
from bot.channels.dingtalk.channel import DingTalkChannel
from bot.channels.identity import Identities
from infra.db import Database
from infra.dedup import MemoryDeduplicator
from infra.settings import Settings
from tests.support.dingtalk_api import CLIENT_ID, CLIENT_SECRET, ROBOT_CODE, DingTalkStandIn


def _router() -> Router:
    router = Router()

    @router.message(Command("pick"))
    async def pick(message: Message) -> None:
        keyboard = InlineKeyboardMarkup(inline_keyboard=[
            [InlineKeyboardButton(text="是", callback_data="pick:yes"),
             InlineKeyboardButton(text="否", callback_data="pick:no")]])
        await message.answer(f"<b>请选择</b> ({message.chat.type})", reply_markup=keyboard)

    @router.callback_query(F.data.startswith("pick:"))
    async def chosen(query: CallbackQuery) -> None:
        await query.answer("收到")
        assert isinstance(query.message, Message)
        await query.message.edit_text(f"您选择了 {query.data}")

    @router.message(Command("files"))
    async def files(message: Message, bot: Bot) -> None:
        await bot.send_photo(message.chat.id, BufferedInputFile(b"\x89PNG-chart", "chart.png"))
        await bot.send_document(message.chat.id, BufferedInputFile(b"<html>", "report.html"))

    @router.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer(f"<b>收到</b>：{message.text}（{message.chat.type}）")

    return router


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[tuple[DingTalkChannel, DingTalkStandIn]]:
    stand_in = await DingTalkStandIn().start()
    env = {"DINGTALK_CLIENT_ID": CLIENT_ID, "DINGTALK_CLIENT_SECRET": CLIENT_SECRET,
           "DINGTALK_ROBOT_CODE": ROBOT_CODE, "DINGTALK_API_BASE": stand_in.base_url}
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        db = Database(f"sqlite:///{tmp_path / 'dingtalk.sqlite3'}")
        channel = DingTalkChannel(Settings(), db, Identities(db.engine),
                                  dedup=MemoryDeduplicator())
    dp = Dispatcher()
    dp.include_router(_router())
    await channel.start(dp)
    await stand_in.wait_connected()
    try:
        yield channel, stand_in
    finally:
        await channel.stop()
        await channel.bot.session.close()
        await stand_in.stop()
        db.dispose()


def test_incomplete_settings_name_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DINGTALK_CLIENT_ID", "ding1")
    with pytest.raises(ChannelConfigError, match="DINGTALK_CLIENT_SECRET, DINGTALK_ROBOT_CODE"):
        DingTalkChannel.check(Settings())


async def test_replies_by_webhook_cards_by_api_and_clicks_by_stream(
    running: tuple[DingTalkChannel, DingTalkStandIn],
) -> None:
    channel, dingtalk = running
    frame, data = await dingtalk.push_robot_message("staff1", "你好")
    reply = await dingtalk.wait_for(lambda o: "收到" in o.text)
    assert (reply.via, reply.chat_id, reply.kind) == ("webhook", "staff1", "markdown")
    assert reply.text == "**收到**：你好（private）"
    assert dingtalk.acks[frame]["code"] == 200

    again = await dingtalk.redeliver(data)
    await dingtalk.wait_ack(again)

    # A reply with buttons: the text by the sessionWebhook, the buttons on a card below it.
    await dingtalk.push_robot_message("staff1", "/pick")
    text = await dingtalk.wait_for(lambda o: "请选择" in o.text)
    assert (text.via, text.kind) == ("webhook", "markdown")
    card = await dingtalk.wait_for(lambda o: o.kind == "card")
    assert (card.via, card.chat_id, card.text) == ("user", "staff1", "👇")
    assert [b["label"]["text"] for b in card.buttons] == ["是", "否"]
    await dingtalk.push_card_click("staff1", card, "否")
    await dingtalk.wait_for(lambda o: o is card and "pick:no" in o.text)  # edited in place
    assert card.buttons == [] and len(card.history) == 1
    await dingtalk.wait_for(lambda o: o.text == "收到")

    await dingtalk.push_robot_message("staff2", "/pick", group_id="cidGroup9")
    await dingtalk.wait_for(lambda o: "(group)" in o.text and o.chat_id == "cidGroup9")
    group_card = await dingtalk.wait_for(lambda o: o.kind == "card" and o.via == "group")
    assert group_card.chat_id == "cidGroup9"
    await dingtalk.push_card_click("staff2", group_card, "是")
    await dingtalk.wait_for(lambda o: o is group_card and "pick:yes" in o.text)

    # Outside an update (a reminder, say), a message with buttons is one whole card.
    user_id = channel.identities.internal_id("dingtalk", "staff1")
    keyboard = InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text="好", callback_data="pick:ok")]])
    await channel.bot.send_message(user_id, "<b>提醒</b>", reply_markup=keyboard)
    whole = await dingtalk.wait_for(lambda o: o.kind == "card" and "提醒" in o.text)
    assert (whole.via, whole.text) == ("user", "**提醒**")
    await channel.bot.send_message(user_id, "没有按钮")
    plain = await dingtalk.wait_for(lambda o: o.text == "没有按钮")
    assert (plain.via, plain.kind) == ("user", "sampleMarkdown")

    await dingtalk.push_robot_message("staff1", "/files")
    document = await dingtalk.wait_for(lambda o: o.kind == "sampleFile")
    image = next(o for o in dingtalk.outbox if o.kind == "sampleImageMsg")
    assert dingtalk.media[image.payload["photoURL"]]["bytes"] == b"\x89PNG-chart"
    assert document.payload["fileName"] == "report.html"
    await asyncio.sleep(0.2)
    assert sum(1 for o in dingtalk.outbox if o.text.startswith("**收到**：你好")) == 1
    assert channel.session.calls["SendMessage"] == 5  # the redelivered "你好" was not handled
