"""WeComSession on PlatformSession's plumbing: what WeCom does differently is kept (an edit
sends only what changed, numbered menus, one attempt when the caller retries)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramRetryAfter
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.channels.identity import Identities
from bot.channels.wecom.session import WeComSession, wecom_retries_handled_by_caller
from infra.db import Database
from tests.bot.channels.test_wecom_platform import client_for, standin  # noqa: F401
from tests.support.wecom_api import WeComStandIn

USER = "u1"
MARKUP = InlineKeyboardMarkup(inline_keyboard=[[
    InlineKeyboardButton(text="甲", callback_data="a"),
    InlineKeyboardButton(text="乙", callback_data="b"),
]])


@pytest.fixture
async def wecom(standin: WeComStandIn,  # noqa: F811
                tmp_path: Path) -> AsyncIterator[tuple[Bot, int]]:
    db = Database(f"sqlite:///{tmp_path / 'ids.sqlite3'}")
    identities = Identities(db.engine)
    session = WeComSession(client_for(standin), identities)
    bot = Bot(token="5000:wecom", session=session,
              default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    try:
        yield bot, identities.internal_id("wecom", USER)
    finally:
        await session.close()
        db.dispose()


async def test_an_edit_sends_only_what_changed(standin: WeComStandIn,  # noqa: F811
                                               wecom: tuple[Bot, int]) -> None:
    bot, chat = wecom
    sent = await bot.send_message(chat, "<b>请选择</b>", reply_markup=MARKUP)
    assert standin.texts(USER) == ["请选择"] and len(standin.cards_for(USER)) == 1
    session = bot.session
    assert isinstance(session, WeComSession)
    assert [(m, c.data) for m, c in session.menus[USER]] == [(sent.message_id, "a"),
                                                              (sent.message_id, "b")]
    mark = standin.mark()
    # Buttons removed: nothing to send (the text is unchanged).
    await bot.edit_message_reply_markup(chat_id=chat, message_id=sent.message_id)
    assert standin.texts(USER, after=mark) == [] and standin.cards_for(USER, after=mark) == []
    # The same text with buttons again: only the card.
    await bot.edit_message_text("<b>请选择</b>", chat_id=chat, message_id=sent.message_id,
                                reply_markup=MARKUP)
    assert standin.texts(USER, after=mark) == [] and len(standin.cards_for(USER, after=mark)) == 1
    mark = standin.mark()
    # A new text: the text alone.
    edited = await bot.edit_message_text("已选择 甲", chat_id=chat, message_id=sent.message_id)
    assert not isinstance(edited, bool) and edited.message_id == sent.message_id
    assert standin.texts(USER, after=mark) == ["已选择 甲"]
    assert standin.cards_for(USER, after=mark) == []


async def test_a_caller_that_retries_gets_the_first_45009(standin: WeComStandIn,  # noqa: F811
                                                         wecom: tuple[Bot, int]) -> None:
    bot, chat = wecom
    standin.fail_next("/cgi-bin/message/send", 45009, count=1)
    with wecom_retries_handled_by_caller(), pytest.raises(TelegramRetryAfter):
        await bot.send_message(chat, "一次")
    standin.fail_next("/cgi-bin/message/send", 45009, count=1)
    await bot.send_message(chat, "重试")  # the client retries by itself otherwise
    assert standin.texts(USER) == ["重试"]
