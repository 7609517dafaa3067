"""The WeCom channel in process: a dispatcher with plain aiogram handlers, the WeCom session and
inbound adapter, the callback server, and the stand-in on the other side of real HTTP."""

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

from bot.channels.identity import FIRST_FOREIGN_ID, Identities, IdentityError, forget_user
from bot.channels.routing import ChannelSender, RoutingSession
from bot.channels.wecom.channel import WeComChannel
from infra.db import Database
from infra.dedup import MemoryDeduplicator
from infra.sender import Sender
from infra.settings import Settings
from tests.support.wecom_api import WeComStandIn

USER = "LiSi"


def test_identities_keep_telegram_ids_and_allocate_others_above_2_53(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'ids.sqlite3'}")
    ids = Identities(db.engine)
    assert ids.internal_id("telegram", "123456789") == 123456789
    assert ids.identity_of(123456789).channel == "telegram"
    first = ids.internal_id("wecom", "ZhangSan")
    other = ids.internal_id("feishu", "ZhangSan")  # same string, another channel: another user
    assert first >= FIRST_FOREIGN_ID and other >= FIRST_FOREIGN_ID and first != other
    again = Identities(db.engine)  # a restart, or a second replica
    assert again.internal_id("wecom", "ZhangSan") == first
    assert again.external_id("wecom", first) == "ZhangSan"
    with pytest.raises(IdentityError):
        again.external_id("feishu", first)
    with db.session() as session:
        assert forget_user(session, user_id=first) == 1
        session.commit()
    with pytest.raises(IdentityError):
        Identities(db.engine).identity_of(first)
    db.dispose()


def _router() -> Router:
    router = Router()

    @router.message(Command("many"))
    async def many(message: Message) -> None:
        rows = [[InlineKeyboardButton(text=f"城市 {i}", callback_data=f"city:{i}")]
                for i in range(1, 9)]
        rows.append([InlineKeyboardButton(text="工信部", url="https://www.miit.gov.cn")])
        await message.answer("<b>请选择城市</b>", reply_markup=InlineKeyboardMarkup(
            inline_keyboard=rows))

    @router.callback_query(F.data.startswith("city:"))
    async def chosen(query: CallbackQuery) -> None:
        await query.answer("收到")
        assert isinstance(query.message, Message)
        await query.message.edit_text(f"您选择了 {query.data}", reply_markup=None)

    @router.message(Command("files"))
    async def files(message: Message, bot: Bot) -> None:
        await bot.send_photo(message.chat.id, BufferedInputFile(b"\x89PNG-chart", "chart.png"),
                             caption="图表")
        await bot.send_document(message.chat.id, BufferedInputFile(b"<html>", "报告.html"))

    @router.message(Command("long"))
    async def long(message: Message) -> None:
        await message.answer("有效期为三年，期满复核。" * 300)  # 3,900 characters

    return router


@pytest.fixture
async def channel(tmp_path: Path) -> AsyncIterator[tuple[WeComChannel, WeComStandIn]]:
    standin = await WeComStandIn().start()
    port_probe = __import__("socket").socket()
    port_probe.bind(("127.0.0.1", 0))
    port = port_probe.getsockname()[1]
    port_probe.close()
    env = {**standin.env(), "WECOM_CALLBACK_HOST": "127.0.0.1", "WECOM_CALLBACK_PORT": str(port),
           "WECOM_RETRY_BASE_DELAY": "0.01"}
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        db = Database(f"sqlite:///{tmp_path / 'channel.sqlite3'}")
        wecom = WeComChannel(Settings(), db, Identities(db.engine), dedup=MemoryDeduplicator())
    dp = Dispatcher()
    dp.include_router(_router())
    await wecom.start(dp)
    standin.callback_url = f"http://127.0.0.1:{port}/wecom/callback"
    try:
        yield wecom, standin
    finally:
        await wecom.stop()
        await wecom.bot.session.close()
        await standin.stop()
        db.dispose()


async def test_more_than_six_buttons_are_all_reachable_by_card_or_number(
    channel: tuple[WeComChannel, WeComStandIn],
) -> None:
    _, standin = channel
    await standin.send_text(USER, "/many")
    await standin.wait_for(USER, "请选择城市")
    for _ in range(50):
        if len(standin.cards_for(USER)) == 2:
            break
        await asyncio.sleep(0.05)
    first, second = standin.cards_for(USER)
    assert [len(first.buttons), len(second.buttons)] == [6, 2]
    assert second.options == ["城市 7", "城市 8"]
    assert standin.texts(USER)[0] == "请选择城市"  # no markup in plain text
    assert any("https://www.miit.gov.cn" in text for text in standin.texts(USER))
    # Button 8 by a click on the second card.
    mark = standin.mark()
    await standin.click(USER, second, "城市 8")
    await standin.wait_for(USER, "您选择了 city:8", after=mark)
    assert "收到" in standin.texts(USER, after=mark)  # the callback answer's text
    # Button 7 by typing its number (the text menu).
    await standin.send_text(USER, "/many")
    await standin.wait_for(USER, "请选择城市", after=mark)
    mark = standin.mark()
    await standin.send_text(USER, "7")
    await standin.wait_for(USER, "您选择了 city:7", after=mark)
    # Another user cannot use LiSi's card.
    mark = standin.mark()
    await standin.click("WangWu", second, "城市 7")
    await asyncio.sleep(0.5)
    assert standin.texts("WangWu", after=mark) == [] and standin.texts(USER, after=mark) == []


async def test_photos_documents_and_long_texts(channel: tuple[WeComChannel, WeComStandIn]) -> None:
    _, standin = channel
    await standin.send_text(USER, "/files")
    await standin.wait_for(USER, "图表")
    for _ in range(50):
        if len([s for s in standin.sent if s.media]) == 2:
            break
        await asyncio.sleep(0.05)
    kinds = [(s.msgtype, s.media["filename"]) for s in standin.sent if s.media]
    assert kinds == [("image", "chart.png"), ("file", "报告.html")]
    assert standin.sent[0].media is not None and standin.sent[0].media["data"] == b"\x89PNG-chart"
    mark = standin.mark()
    await standin.send_text(USER, "/long")
    await standin.wait_for(USER, "有效期", after=mark)
    await asyncio.sleep(0.5)
    parts = standin.texts(USER, after=mark)
    assert len(parts) == 6 and all(len(p.encode()) <= 2048 for p in parts)
    assert "".join(parts) == "有效期为三年，期满复核。" * 300


async def test_routing_session_sends_through_the_users_own_channel(
    channel: tuple[WeComChannel, WeComStandIn],
) -> None:
    wecom, standin = channel
    internal = wecom.identities.internal_id("wecom", USER)
    router = Bot(token="1:router", session=RoutingSession({"wecom": wecom.bot}, wecom.identities))
    sender = ChannelSender({"wecom": wecom.sender(), "telegram": Sender()}, wecom.identities,
                           default="telegram")
    assert sender.sender_for(internal) is sender.senders["wecom"]
    assert sender.senders["wecom"].per_chat_interval == pytest.approx(2.0)  # 30 a minute
    result = await sender.send_message(router, internal, "截止日期提醒：测试")
    assert result.ok, result.error
    assert standin.texts(USER) == ["截止日期提醒：测试"]
    # A user nobody knows is reported like a blocked chat (403), not retried.
    unknown = await sender.send_message(router, FIRST_FOREIGN_ID + 5, "x")
    assert unknown.status == "forbidden"
    # 45009 is retried by the sender within WeCom's limits, then delivered.
    standin.fail_next("/cgi-bin/message/send", 45009, count=1)
    again = await sender.send_message(router, internal, "第二条")
    assert again.ok and again.attempts == 2


def test_a_channel_with_incomplete_settings_names_the_variable(tmp_path: Path) -> None:
    from bot.channels.config import ChannelConfigError

    db = Database(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with pytest.raises(ChannelConfigError, match="WECOM_CORP_ID"):
        WeComChannel(Settings(), db, Identities(db.engine))
    db.dispose()


