"""The Bot API, answered in WeCom: a `PlatformSession` (bot/channels/platform_session.py keeps
the message records, callback answers, error translation and the Bot API plumbing) whose hooks
speak WeCom, so the handlers stay channel-neutral.

| Bot API call              | WeCom                                                             |
|---------------------------|-------------------------------------------------------------------|
| sendMessage               | text messages (HTML -> plain, split at 2,048 bytes) + button cards |
| editMessageText           | WeCom cannot edit: the new text (and its cards) as new messages    |
| editMessageReplyMarkup    | new cards when there are buttons; nothing when they are removed    |
| sendPhoto / sendDocument  | media/upload, then an image / file message; the caption as text   |
| answerCallbackQuery       | its text (if any) as a text message: WeCom has no toast            |
| getMe, setMyCommands, …   | answered locally                                                   |

Chat ids are internal user ids (private chats); `Identities` gives the WeCom user id. A card's
task_id names its Bot API message, so a click finds the message (also after a restart), and its
buttons are numbered: typing a number presses the button (`menus`). WeCom errors become aiogram's
exceptions (45009 -> TelegramRetryAfter, an unreachable user -> TelegramForbiddenError, …) so
the retry middleware and the reminder sender treat every channel alike.
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
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

from bot.channels.identity import Identities
from bot.channels.platform_session import Conversation, PlatformSession, Record
from bot.channels.wecom.client import WeComClient
from bot.channels.wecom.errors import (
    WeComAPIError,
    WeComNetworkError,
    WeComRateLimited,
    WeComTokenError,
    WeComUnreachable,
)
from bot.channels.wecom.render import (
    Choice,
    card_title,
    html_to_text,
    keyboard_cards,
    split_text,
)

CHANNEL = "wecom"
_CJK = re.compile(r"[\u4e00-\u9fff]")  # Chinese text gets the Chinese card hint

# True while a caller with its own retry policy (the reminder Sender) is sending: the client
# then tries each API call once, so every 45009 reaches the caller.
_caller_retries: ContextVar[bool] = ContextVar("smebot_wecom_caller_retries", default=False)


@contextmanager
def wecom_retries_handled_by_caller() -> Iterator[None]:
    token = _caller_retries.set(True)
    try:
        yield
    finally:
        _caller_retries.reset(token)


class WeComSession(PlatformSession):
    """One per WeCom application; shared by the dispatcher's bot and the reminder sender."""

    channel = CHANNEL

    def __init__(self, client: WeComClient, identities: Identities, *,
                 caller_retries: ContextVar[bool] | None = None) -> None:
        super().__init__(identities)
        self.client = client
        # The numbered menu each WeCom user saw last: typing a number presses that button.
        self.menus: dict[str, list[tuple[int, Choice]]] = {}
        self._external_retries = caller_retries

    async def close(self) -> None:
        await self.client.close()

    def _attempts(self) -> int | None:
        caller = _caller_retries.get() or (
            self._external_retries is not None and self._external_retries.get()
        )
        return 1 if caller else None

    def remember(self, message_id: int, chat_id: int) -> Record:
        """The record of the message a click or a menu number refers to (a bare one after a
        restart: its edits arrive as new messages anyway)."""
        return self._existing(chat_id, message_id)

    # -- the hooks -----------------------------------------------------------------------------

    async def post(self, where: Conversation, html: str, markup: InlineKeyboardMarkup | None,
                   *, message_id: int) -> tuple[list[str], bool]:
        # Never editable: WeCom has no edit for text, so every edit comes to `repost`.
        return await self._send(where, html, markup, message_id, text=True), False

    async def repost(self, where: Conversation, html: str, markup: InlineKeyboardMarkup | None,
                     *, message_id: int, previous: str) -> tuple[list[str], bool]:
        # Only what changed is sent: repeating an unchanged text above each new set of buttons
        # (or when buttons are removed after a click) would flood the chat.
        changed = html_to_text(html) != html_to_text(previous)
        return await self._send(where, html, markup, message_id, text=changed), False

    async def edit(self, where: Conversation, platform_id: str, html: str,
                   markup: InlineKeyboardMarkup | None) -> None:
        raise NotImplementedError("WeCom records are never editable; edits go to repost")

    async def post_file(self, where: Conversation, data: bytes, name: str, *,
                        photo: bool) -> str:
        attempts = self._attempts()
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        media_id = await self.client.upload_media("image" if photo else "file", name, data,
                                                  content_type, max_attempts=attempts)
        send = self.client.send_image if photo else self.client.send_file
        await send(where.chat_id, media_id, max_attempts=attempts)
        return media_id  # the file_id the handlers see

    def translate(self, method: TelegramMethod[Any], exc: Exception) -> TelegramAPIError | None:
        message = str(exc)
        if isinstance(exc, WeComRateLimited):  # 45009 names no wait: the sender backs off
            return TelegramRetryAfter(method=method, message=message, retry_after=1)
        if isinstance(exc, WeComUnreachable):
            return TelegramForbiddenError(method=method, message=message)
        if isinstance(exc, WeComTokenError):
            return TelegramUnauthorizedError(method=method, message=message)
        if isinstance(exc, WeComNetworkError):
            return TelegramNetworkError(method=method, message=message)
        if isinstance(exc, WeComAPIError):
            return TelegramBadRequest(method=method, message=message)
        return None

    # -- WeCom messages ------------------------------------------------------------------------

    async def _send(self, where: Conversation, html: str, markup: InlineKeyboardMarkup | None,
                    message_id: int, *, text: bool) -> list[str]:
        """The text (when `text`) in parts of 2,048 bytes, then the buttons: URL buttons as text
        lines, the others on numbered cards. Returns the WeCom msgids."""
        user, attempts = where.chat_id, self._attempts()
        plain = html_to_text(html)
        answers = []
        if text and plain:
            for part in split_text(plain):
                answers.append(await self.client.send_text(user, part, max_attempts=attempts))
        if markup is not None:
            lang = "zh" if not plain or _CJK.search(plain) else "en"
            plan = keyboard_cards(markup, message_id=message_id,
                                  title=card_title(plain, lang), lang=lang)
            if plan.url_lines:
                for part in split_text("\n".join(plan.url_lines)):
                    answers.append(await self.client.send_text(user, part,
                                                               max_attempts=attempts))
            for card in plan.cards:
                answers.append(await self.client.send_template_card(user, card,
                                                                    max_attempts=attempts))
            self.menus[user] = [(message_id, choice) for choice in plan.choices]
        return [str(answer["msgid"]) for answer in answers if answer.get("msgid")]
