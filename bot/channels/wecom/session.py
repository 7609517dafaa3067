"""The Bot API, answered in WeCom: an aiogram `BaseSession` that turns the handlers' calls into
WeCom API calls, so the handlers stay channel-neutral.

| Bot API call              | WeCom                                                             |
|---------------------------|-------------------------------------------------------------------|
| sendMessage               | text messages (HTML -> plain, split at 2,048 bytes) + button cards |
| editMessageText           | WeCom cannot edit: the new text (and its cards) as new messages    |
| editMessageReplyMarkup    | new cards when there are buttons; nothing when they are removed    |
| sendPhoto / sendDocument  | media/upload, then an image / file message; the caption as text   |
| answerCallbackQuery       | its text (if any) as a text message: WeCom has no toast            |
| getMe, setMyCommands, …   | answered locally                                                   |

Chat ids are internal user ids (private chats); `Identities` gives the WeCom user id. Message
ids are allocated here; what each message showed (text, buttons) is kept in memory so a click
can carry its message like Telegram's callback queries do, and so typing a button's number
presses it. WeCom errors become aiogram's exceptions (45009 -> TelegramRetryAfter, an
unreachable user -> TelegramForbiddenError, …) so the retry middleware and the reminder sender
treat every channel alike.
"""

from __future__ import annotations

import itertools
import json
import logging
import mimetypes
import re
import time
from collections import OrderedDict
from collections.abc import AsyncGenerator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageReplyMarkup,
    EditMessageText,
    GetMe,
    SendDocument,
    SendMessage,
    SendPhoto,
    TelegramMethod,
)
from aiogram.methods.base import TelegramType
from aiogram.types import InputFile

from bot.channels.identity import Identities
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

logger = logging.getLogger(__name__)

CHANNEL = "wecom"
BOT_NAME = "集群通"
_CJK = re.compile(r"[\u4e00-\u9fff]")  # Chinese text gets the Chinese card hint
_KEPT_MESSAGES = 20_000  # message records kept for clicks and number menus (LRU)

# True while a caller with its own retry policy (the reminder Sender) is sending: the client
# then tries each API call once, so every 45009 reaches the caller.
_caller_retries: ContextVar[bool] = ContextVar("smebot_wecom_caller_retries", default=False)


@contextmanager
def wecom_retries_handled_by_caller() -> Any:
    token = _caller_retries.set(True)
    try:
        yield
    finally:
        _caller_retries.reset(token)


@dataclass(slots=True)
class SentMessage:
    """What one Bot API message showed on WeCom."""

    message_id: int
    chat_id: int
    text: str
    choices: list[Choice] = field(default_factory=list)
    markup: dict[str, Any] | None = None
    date: int = 0


class WeComSession(BaseSession):
    """One per WeCom application; shared by the dispatcher's bot and the reminder sender."""

    def __init__(self, client: WeComClient, identities: Identities, *,
                 caller_retries: ContextVar[bool] | None = None) -> None:
        super().__init__()
        self.client = client
        self.identities = identities
        self.me = {"id": 0x5EC0, "is_bot": True, "first_name": BOT_NAME,
                   "username": "smebot_wecom"}
        self.messages: OrderedDict[int, SentMessage] = OrderedDict()
        # The numbered menu each user saw last: typing a number presses that button.
        self.menus: dict[int, list[tuple[int, Choice]]] = {}
        self.query_chats: dict[str, int] = {}  # callback query id -> chat (for its answer)
        self._ids = itertools.count(int(time.time() * 1000) % 10**12 * 1000)
        self._external_retries = caller_retries
        self.calls: dict[str, int] = {}

    # -- aiogram plumbing ------------------------------------------------------------------

    async def close(self) -> None:
        await self.client.close()

    async def stream_content(
        self, url: str, headers: dict[str, Any] | None = None,
        timeout: int = 30,  # noqa: ASYNC109  (aiogram's BaseSession signature)
        chunk_size: int = 65536, raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        raise TelegramBadRequest(GetMe(), "WeCom files cannot be downloaded through the Bot API")
        yield b""  # pragma: no cover - makes this an async generator

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109  (aiogram's BaseSession signature)
    ) -> TelegramType:
        name = type(method).__name__
        self.calls[name] = self.calls.get(name, 0) + 1
        try:
            result = await self._perform(bot, method)
        except WeComRateLimited as exc:
            raise TelegramRetryAfter(method=method, message=str(exc), retry_after=1) from exc
        except WeComUnreachable as exc:
            raise TelegramForbiddenError(method=method, message=str(exc)) from exc
        except WeComTokenError as exc:
            raise TelegramUnauthorizedError(method=method, message=str(exc)) from exc
        except WeComNetworkError as exc:
            raise TelegramNetworkError(method=method, message=str(exc)) from exc
        except WeComAPIError as exc:
            raise TelegramBadRequest(method=method, message=str(exc)) from exc
        response = self.check_response(
            bot=bot, method=method, status_code=200,
            content=json.dumps({"ok": True, "result": result}, ensure_ascii=False),
        )
        return response.result  # type: ignore[return-value]

    def _attempts(self) -> int | None:
        caller = _caller_retries.get() or (
            self._external_retries is not None and self._external_retries.get()
        )
        return 1 if caller else None

    # -- the methods ---------------------------------------------------------------------------

    async def _perform(self, bot: Bot, method: TelegramMethod[Any]) -> Any:
        if isinstance(method, GetMe):
            return self.me
        if isinstance(method, SendMessage):
            record = self._new(int(method.chat_id), self._plain(method.text, method.parse_mode,
                                                                bot))
            await self._show(record, method.reply_markup, send_text=True)
            return self._json(record)
        if isinstance(method, EditMessageText):
            record = self._existing(method.chat_id, method.message_id)
            text = self._plain(method.text, method.parse_mode, bot)
            changed = text != record.text
            record.text = text
            await self._show(record, method.reply_markup, send_text=changed)
            return self._json(record)
        if isinstance(method, EditMessageReplyMarkup):
            record = self._existing(method.chat_id, method.message_id)
            await self._show(record, method.reply_markup, send_text=False)
            return self._json(record)
        if isinstance(method, SendPhoto | SendDocument):
            return await self._send_file(bot, method)
        if isinstance(method, AnswerCallbackQuery):
            chat = self.query_chats.pop(method.callback_query_id, None)
            if method.text and chat is not None:
                await self.client.send_text(self._user(chat), method.text,
                                            max_attempts=self._attempts())
            return True
        if method.__returning__ is bool:
            # setMyCommands, sendChatAction, deleteMessage, …: nothing to do on WeCom.
            return True
        raise TelegramBadRequest(method, f"{type(method).__name__} is not supported on WeCom")

    def _plain(self, text: str, parse_mode: Any, bot: Bot) -> str:
        mode = parse_mode if isinstance(parse_mode, str) else bot.default["parse_mode"]
        return html_to_text(text) if mode == ParseMode.HTML else text.strip()

    def _user(self, chat_id: int) -> str:
        return self.identities.external_id(CHANNEL, chat_id)

    def _new(self, chat_id: int, text: str) -> SentMessage:
        now = int(datetime.now(UTC).timestamp())
        record = SentMessage(next(self._ids), chat_id, text, date=now)
        self.messages[record.message_id] = record
        while len(self.messages) > _KEPT_MESSAGES:
            self.messages.popitem(last=False)
        return record

    def _existing(self, chat_id: Any, message_id: Any) -> SentMessage:
        record = self.messages.get(int(message_id))
        if record is None:  # from before a restart: edits arrive as new messages anyway
            record = SentMessage(int(message_id), int(chat_id), "")
            self.messages[record.message_id] = record
        return record

    def remember(self, message_id: int, chat_id: int) -> SentMessage:
        """The record of a message a click refers to (a bare one after a restart)."""
        return self._existing(chat_id, message_id)

    async def _show(self, record: SentMessage, markup: Any, *, send_text: bool) -> None:
        user = self._user(record.chat_id)
        attempts = self._attempts()
        if send_text and record.text:
            for part in split_text(record.text):
                await self.client.send_text(user, part, max_attempts=attempts)
        if markup is None or not getattr(markup, "inline_keyboard", None):
            record.choices, record.markup = [], None
            return
        lang = "zh" if not record.text or _CJK.search(record.text) else "en"
        plan = keyboard_cards(markup, message_id=record.message_id,
                              title=card_title(record.text, lang), lang=lang)
        record.choices = plan.choices
        record.markup = markup.model_dump(mode="json", exclude_none=True)
        if plan.url_lines:
            for part in split_text("\n".join(plan.url_lines)):
                await self.client.send_text(user, part, max_attempts=attempts)
        for card in plan.cards:
            await self.client.send_template_card(user, card, max_attempts=attempts)
        self.menus[record.chat_id] = [(record.message_id, choice) for choice in plan.choices]

    async def _send_file(self, bot: Bot, method: SendPhoto | SendDocument) -> dict[str, Any]:
        photo = isinstance(method, SendPhoto)
        source = method.photo if isinstance(method, SendPhoto) else method.document
        if not isinstance(source, InputFile):
            raise TelegramBadRequest(method, "WeCom needs the file itself, not a file id or URL")
        data = bytearray()
        async for chunk in source.read(bot):
            data.extend(chunk)
        name = Path(source.filename or ("image.png" if photo else "file.bin")).name
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        user = self._user(int(method.chat_id))
        attempts = self._attempts()
        media_id = await self.client.upload_media("image" if photo else "file", name,
                                                  bytes(data), content_type,
                                                  max_attempts=attempts)
        if photo:
            await self.client.send_image(user, media_id, max_attempts=attempts)
        else:
            await self.client.send_file(user, media_id, max_attempts=attempts)
        caption = self._plain(method.caption, method.parse_mode, bot) if method.caption else ""
        record = self._new(int(method.chat_id), caption)
        await self._show(record, method.reply_markup, send_text=bool(caption))
        result = self._json(record)
        file_json = {"file_id": media_id, "file_unique_id": media_id}
        if photo:
            result["photo"] = [{**file_json, "width": 1, "height": 1}]
        else:
            result["document"] = {**file_json, "file_name": name}
        result.pop("text", None)
        if caption:
            result["caption"] = caption
        return result

    def _json(self, record: SentMessage) -> dict[str, Any]:
        """The record as a Telegram Message object."""
        message: dict[str, Any] = {
            "message_id": record.message_id,
            "date": record.date or int(datetime.now(UTC).timestamp()),
            "chat": {"id": record.chat_id, "type": "private"},
            "from": self.me,
            "text": record.text,
        }
        if record.markup:
            message["reply_markup"] = record.markup
        return message

    def message_json(self, record: SentMessage) -> dict[str, Any]:
        return self._json(record)
