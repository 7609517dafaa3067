"""The Bot API answered on Feishu: every message an interactive card (so it can be edited),
files and images uploaded through the SDK. Errors become aiogram's exceptions so the retry
middleware and the reminder sender treat Feishu like every other channel."""

from __future__ import annotations

from typing import Any

from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.methods import TelegramMethod
from aiogram.types import InlineKeyboardMarkup

from bot.channels.feishu.api import RATE_LIMITED, TOKEN_INVALID, FeishuApi, FeishuApiError
from bot.channels.feishu.render import render_cards
from bot.channels.identity import Identities
from bot.channels.platform_session import Conversation, PlatformSession

# The user is outside the app's availability, or the bot is not (or no longer) in the chat.
UNREACHABLE = frozenset({230002, 230013, 230006, 230035, 230047})


class FeishuSession(PlatformSession):
    channel = "feishu"

    def __init__(self, api: FeishuApi, identities: Identities) -> None:
        super().__init__(identities)
        self.api = api

    @staticmethod
    def _id_type(where: Conversation) -> str:
        return "chat_id" if where.group else "open_id"

    async def post(self, where: Conversation, html: str, markup: InlineKeyboardMarkup | None,
                   *, message_id: int) -> tuple[list[str], bool]:
        ids = [await self.api.send_card(where.chat_id, card, id_type=self._id_type(where))
               for card in render_cards(html, markup)]
        return ids, True

    async def edit(self, where: Conversation, platform_id: str, html: str,
                   markup: InlineKeyboardMarkup | None) -> None:
        cards = render_cards(html, markup)
        await self.api.update_card(platform_id, cards[0])
        for card in cards[1:]:  # an edit that grew past one card: the rest follows
            await self.api.send_card(where.chat_id, card, id_type=self._id_type(where))

    async def post_file(self, where: Conversation, data: bytes, name: str, *,
                        photo: bool) -> str:
        if photo:
            return await self.api.send_image(where.chat_id, data, id_type=self._id_type(where))
        return await self.api.send_file(where.chat_id, data, name, id_type=self._id_type(where))

    def translate(self, method: TelegramMethod[Any], exc: Exception) -> TelegramAPIError | None:
        if not isinstance(exc, FeishuApiError):
            return None
        message = str(exc)
        if exc.code == RATE_LIMITED:
            return TelegramRetryAfter(method=method, message=message, retry_after=1)
        if exc.code in TOKEN_INVALID:
            return TelegramUnauthorizedError(method=method, message=message)
        if exc.code in UNREACHABLE:
            return TelegramForbiddenError(method=method, message=message)
        if exc.code < 0:
            return TelegramNetworkError(method=method, message=message)
        return TelegramBadRequest(method=method, message=message)
