"""The Feishu channel in process: plain aiogram handlers, the Feishu session and inbound adapter,
the HTTP callback (or the long connection), and the stand-in across real HTTP."""

from __future__ import annotations

import socket
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
from bot.channels.feishu.channel import FeishuChannel
from bot.channels.identity import Identities
from infra.db import Database
from infra.dedup import MemoryDeduplicator
from infra.settings import Settings
from tests.support.feishu_api import (
    APP_ID,
    APP_SECRET,
    ENCRYPT_KEY,
    VERIFICATION_TOKEN,
    FeishuStandIn,
)


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
        await query.message.edit_text(f"您选择了 {query.data} · {query.from_user.id}")

    @router.message(Command("files"))
    async def files(message: Message, bot: Bot) -> None:
        await bot.send_photo(message.chat.id, BufferedInputFile(b"\x89PNG-chart", "chart.png"))
        await bot.send_document(message.chat.id, BufferedInputFile(b"<html>", "report.html"),
                                caption="报告")

    @router.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer(f"收到：{message.text} &lt;{message.chat.type}&gt;")

    return router


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def feishu() -> AsyncIterator[FeishuStandIn]:
    stand_in = await FeishuStandIn().start()
    yield stand_in
    await stand_in.stop()


async def start_channel(feishu: FeishuStandIn, tmp_path: Path, mode: str
                        ) -> tuple[FeishuChannel, Database, str]:
    port = _free_port()
    env = {"FEISHU_APP_ID": APP_ID, "FEISHU_APP_SECRET": APP_SECRET,
           "FEISHU_ENCRYPT_KEY": ENCRYPT_KEY, "FEISHU_VERIFICATION_TOKEN": VERIFICATION_TOKEN,
           "FEISHU_MODE": mode, "FEISHU_API_BASE": feishu.base_url,
           "FEISHU_CALLBACK_HOST": "127.0.0.1", "FEISHU_CALLBACK_PORT": str(port)}
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        db = Database(f"sqlite:///{tmp_path / 'feishu.sqlite3'}")
        channel = FeishuChannel(Settings(), db, Identities(db.engine), dedup=MemoryDeduplicator())
    dp = Dispatcher()
    dp.include_router(_router())
    await channel.start(dp)
    return channel, db, f"http://127.0.0.1:{port}/feishu/events"


async def stop_channel(channel: FeishuChannel, db: Database) -> None:
    await channel.stop()
    await channel.bot.session.close()
    db.dispose()


def test_incomplete_settings_name_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FEISHU_APP_ID", "cli_x")
    with pytest.raises(ChannelConfigError, match="FEISHU_APP_SECRET"):
        FeishuChannel.check(Settings())


async def test_http_mode_private_group_buttons_and_files(feishu: FeishuStandIn,
                                                         tmp_path: Path) -> None:
    channel, db, url = await start_channel(feishu, tmp_path, "http")
    try:
        await feishu.post_event(url, feishu.message_event("ou_alice", "你好"))
        reply = await feishu.wait_for(lambda m: "收到：你好" in m.text)
        assert reply.receive_id == "ou_alice" and reply.receive_id_type == "open_id"
        assert reply.text.endswith("&lt;private&gt;")  # HTML entities kept literal

        await feishu.post_event(url, feishu.message_event("ou_alice", "/pick"))
        card = await feishu.wait_for(lambda m: "请选择" in m.text)
        assert [b["value"]["data"] for b in card.buttons] == ["pick:yes", "pick:no"]
        await feishu.post_event(url, feishu.card_action_event("ou_alice", card, "否"))
        await feishu.wait_for(lambda m: m.message_id == card.message_id and "pick:no" in m.text)
        assert card.buttons == []  # the edit removed the keyboard
        notice = await feishu.wait_for(lambda m: m.text == "收到")  # the callback answer
        assert notice.receive_id == "ou_alice"

        group = feishu.message_event("ou_bob", "/pick", chat_id="oc_group1", chat_type="group",
                                     mention=True)
        await feishu.post_event(url, group)
        group_card = await feishu.wait_for(lambda m: "(group)" in m.text)
        assert (group_card.receive_id, group_card.receive_id_type) == ("oc_group1", "chat_id")

        await feishu.post_event(url, feishu.message_event("ou_alice", "/files"))
        caption = await feishu.wait_for(lambda m: m.text == "报告")
        kinds = [m.msg_type for m in feishu.sent("ou_alice")]
        assert kinds[-3:] == ["image", "file", "interactive"] and caption.msg_type == "interactive"
        image = next(m for m in feishu.sent("ou_alice") if m.msg_type == "image")
        assert feishu.uploads[image.content["image_key"]]["bytes"] == b"\x89PNG-chart"
    finally:
        await stop_channel(channel, db)


async def test_long_connection_mode_answers_through_the_api(feishu: FeishuStandIn,
                                                            tmp_path: Path) -> None:
    channel, db, _ = await start_channel(feishu, tmp_path, "ws")
    try:
        await feishu.long_connection.wait_connected()
        await feishu.long_connection.push_event(feishu.message_event("ou_carol", "长连接"))
        reply = await feishu.wait_for(lambda m: "收到：长连接" in m.text)
        assert reply.receive_id == "ou_carol"
    finally:
        await stop_channel(channel, db)
