"""The Bot API answered on DingTalk.

| Bot API call             | DingTalk                                                          |
|--------------------------|-------------------------------------------------------------------|
| sendMessage, no buttons  | markdown: a reply goes by the message's sessionWebhook while it is |
|                          | valid; anything else by the robot API (oToMessages/batchSend or    |
|                          | groupMessages/send)                                               |
| sendMessage with buttons | a robot interactive card (StandardCard); clicks come back by Stream; |
|                          | as a reply (webhook valid) the text goes by the webhook and the card |
|                          | carries only the buttons, until an edit changes the text           |
| editMessageText / Markup | the card is updated; a plain markdown message cannot be: posted anew |
| sendPhoto / sendDocument | media/upload, then sampleImageMsg / sampleFile                    |
| answerCallbackQuery      | its text as a message (DingTalk has no toast)                     |
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods import TelegramMethod
from aiogram.types import InlineKeyboardMarkup

from bot.channels.dingtalk.api import DingTalkApi, DingTalkApiError, Target
from bot.channels.dingtalk.render import build_card, markdown_message, markdown_parts
from bot.channels.identity import Identities
from bot.channels.platform_session import Conversation, PlatformSession, handling

# A webhook close to expiry is not worth the race: use the robot API instead.
WEBHOOK_MARGIN_MS = 60_000
BUTTONS_ONLY_TEXT = "👇"  # a card whose text went by the sessionWebhook just above it


class DingTalkSession(PlatformSession):
    channel = "dingtalk"

    def __init__(self, api: DingTalkApi, identities: Identities) -> None:
        super().__init__(identities)
        self.api = api
        self.webhooks: dict[Conversation, tuple[str, int]] = {}
        self.cards: dict[str, Conversation] = {}
        # Cards sent beside a webhook reply -> that reply's HTML (the text they do not repeat).
        self.buttons_only: dict[str, str] = {}

    def remember_webhook(self, where: Conversation, webhook: str | None,
                         expires_ms: int | None) -> None:
        if webhook and expires_ms:
            self.webhooks[where] = (webhook, int(expires_ms))

    def locate_card(self, card_biz_id: str) -> tuple[str, bool] | None:
        where = self.cards.get(card_biz_id)
        return (where.chat_id, where.group) if where else None

    def _webhook(self, where: Conversation) -> str | None:
        """The sessionWebhook, only for a reply: while handling a message from this very
        conversation (reminders and other proactive sends use the robot APIs)."""
        event = handling.get()
        if event is None or Conversation(event.chat_id, event.chat_type == "group") != where:
            return None
        known = self.webhooks.get(where)
        if known and known[1] - WEBHOOK_MARGIN_MS > time.time() * 1000:
            return known[0]
        return None

    async def _markdown(self, where: Conversation, markdown: str) -> str:
        message = markdown_message(markdown)
        webhook = self._webhook(where)
        if webhook is not None:
            await self.api.reply_webhook(webhook, {"msgtype": "markdown", "markdown": message})
            return f"webhook-{uuid.uuid4().hex}"
        return await self.api.send(Target(where.chat_id, where.group), "sampleMarkdown", message)

    async def post(self, where: Conversation, html: str, markup: InlineKeyboardMarkup | None,
                   *, message_id: int) -> tuple[list[str], bool]:
        parts = markdown_parts(html)
        if markup is None:
            return [await self._markdown(where, part) for part in parts], False
        if self._webhook(where) is not None:
            # A reply: the text through the message's sessionWebhook, the buttons on a card.
            ids = [await self._markdown(where, part) for part in parts]
            card_id = await self._card(where, BUTTONS_ONLY_TEXT, markup)
            self.buttons_only[card_id] = html
            return [*ids, card_id], True
        ids = [await self._markdown(where, part) for part in parts[:-1]]
        return [*ids, await self._card(where, parts[-1], markup)], True

    async def _card(self, where: Conversation, markdown: str,
                    markup: InlineKeyboardMarkup | None) -> str:
        card_id = await self.api.send_card(Target(where.chat_id, where.group),
                                           build_card(markdown, markup))
        self.cards[card_id] = where
        return card_id

    async def edit(self, where: Conversation, platform_id: str, html: str,
                   markup: InlineKeyboardMarkup | None) -> None:
        if self.buttons_only.get(platform_id) == html:  # only the buttons change
            await self.api.update_card(platform_id, build_card(BUTTONS_ONLY_TEXT, markup))
            return
        self.buttons_only.pop(platform_id, None)
        parts = markdown_parts(html)
        await self.api.update_card(platform_id, build_card(parts[0], markup if len(parts) == 1
                                                           else None))
        for index, part in enumerate(parts[1:], start=1):
            if index == len(parts) - 1 and markup is not None:
                await self._card(where, part, markup)
            else:
                await self._markdown(where, part)

    async def post_file(self, where: Conversation, data: bytes, name: str, *,
                        photo: bool) -> str:
        target = Target(where.chat_id, where.group)
        media_id = await self.api.upload_media(data, name, "image" if photo else "file")
        if photo:
            return await self.api.send(target, "sampleImageMsg", {"photoURL": media_id})
        extension = name.rsplit(".", 1)[-1].lower() if "." in name else "file"
        return await self.api.send(target, "sampleFile", {"mediaId": media_id, "fileName": name,
                                                          "fileType": extension})

    def translate(self, method: TelegramMethod[Any], exc: Exception) -> TelegramAPIError | None:
        if not isinstance(exc, DingTalkApiError):
            return None
        message = str(exc)
        if exc.retryable and exc.status not in (0,) and exc.status < 500:
            return TelegramRetryAfter(method=method, message=message, retry_after=1)
        if exc.status == 0:
            return TelegramNetworkError(method=method, message=message)
        if exc.status >= 500:
            return TelegramServerError(method=method, message=message)
        if exc.status == 401:
            return TelegramUnauthorizedError(method=method, message=message)
        if exc.status == 403 or exc.code == "invalidStaffId":
            return TelegramForbiddenError(method=method, message=message)
        return TelegramBadRequest(method=method, message=message)
