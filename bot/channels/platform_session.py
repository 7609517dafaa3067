"""The Bot API answered on a card platform (Feishu, DingTalk, WeCom): the part they share.

`PlatformSession` is an aiogram `BaseSession`: the unchanged handlers call sendMessage,
editMessageText, editMessageReplyMarkup, sendPhoto, sendDocument and answerCallbackQuery, and a
subclass carries each out in its platform's API (`post`, `edit`, `post_file`, `notice`, and
`repost` where a platform cannot edit).
It keeps a record per Bot API message (an integer id, the platform's message ids, the text and
the keyboard), so a card click can be handed to the handlers as a callback query on the right
message, and an edit reaches the right card, also after a restart (the card's platform id is
then mapped to a fresh record).

Chats: a private chat's id is the user's internal id; a group's is the internal id of
`(channel, "group:<platform chat id>")`. `Identities` maps both ways.

`PlatformInbound` turns the platform layers' neutral events (bot/channels/inbound.py) into
`Update`s for the shared dispatcher.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import re
import time
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import AsyncGenerator
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from aiogram import Bot, Dispatcher
from aiogram.client.session.base import BaseSession
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
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
from aiogram.types import InlineKeyboardMarkup, InputFile, Update

from bot.channels.identity import Identities
from bot.channels.inbound import InboundAction, InboundEvent, InboundMessage

logger = logging.getLogger(__name__)

GROUP_PREFIX = "group:"
BOT_NAME = "集群通"
_KEPT = 20_000  # message records kept (LRU) for clicks and edits
_COMMAND = re.compile(r"^/[A-Za-z0-9_]{1,32}")

# The inbound event being handled in this task (None for the scheduler and other proactive
# traffic): a platform may answer it through a reply-only path (DingTalk's sessionWebhook).
handling: ContextVar[InboundEvent | None] = ContextVar("smebot_platform_event", default=None)


@dataclass(frozen=True, slots=True)
class Conversation:
    """Where a chat lives on the platform."""

    chat_id: str  # open_id / staff id for a private chat, the group's id for a group
    group: bool


@dataclass(slots=True)
class Record:
    """One Bot API message and what it is on the platform."""

    message_id: int
    chat_id: int
    platform_ids: list[str] = field(default_factory=list)
    html: str = ""
    markup: InlineKeyboardMarkup | None = None
    date: int = 0
    editable: bool = True  # False: the platform cannot change it; an edit goes to `repost`


class PlatformSession(BaseSession, ABC):
    channel: ClassVar[str]

    def __init__(self, identities: Identities) -> None:
        super().__init__()
        self.identities = identities
        self.me = {"id": 0x5EC1, "is_bot": True, "first_name": BOT_NAME,
                   "username": f"smebot_{self.channel}"}
        self.records: OrderedDict[int, Record] = OrderedDict()
        self.by_platform_id: dict[str, int] = {}
        self.query_chats: dict[str, int] = {}  # callback query id -> chat, for its answer
        self._ids = itertools.count(int(time.time() * 1000) % 10**12 * 1000)
        self.calls: dict[str, int] = {}

    # -- what a platform implements ------------------------------------------------------------

    @abstractmethod
    async def post(self, where: Conversation, html: str, markup: InlineKeyboardMarkup | None,
                   *, message_id: int) -> tuple[list[str], bool]:
        """Send Bot API message `message_id`; returns its platform ids and whether it can be
        edited later. (WeCom names the id in its cards, so a click finds its message even after
        a restart; the other platforms need not use it.)"""

    @abstractmethod
    async def edit(self, where: Conversation, platform_id: str, html: str,
                   markup: InlineKeyboardMarkup | None) -> None:
        """Replace an editable message's text and buttons."""

    @abstractmethod
    async def post_file(self, where: Conversation, data: bytes, name: str, *,
                        photo: bool) -> str:
        """Upload and send an image or a file; returns the platform message id."""

    @abstractmethod
    def translate(self, method: TelegramMethod[Any], exc: Exception) -> TelegramAPIError | None:
        """The platform's error as the aiogram exception the retry logic understands."""

    async def repost(self, where: Conversation, html: str, markup: InlineKeyboardMarkup | None,
                     *, message_id: int, previous: str) -> tuple[list[str], bool]:
        """An edit of a message the platform cannot change (`editable=False`): by default the
        whole message anew. `previous` is the HTML it showed, for a platform that would rather
        send only what changed (WeCom)."""
        return await self.post(where, html, markup, message_id=message_id)

    async def notice(self, where: Conversation, text: str) -> None:
        """A callback answer's text: these platforms have no toast, so it becomes a message."""
        await self.post(where, text, None, message_id=0)  # not a Bot API message: no id

    # -- aiogram plumbing ----------------------------------------------------------------------

    async def close(self) -> None:
        return None

    async def stream_content(
        self, url: str, headers: dict[str, Any] | None = None,
        timeout: int = 30,  # noqa: ASYNC109  (aiogram's BaseSession signature)
        chunk_size: int = 65536, raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        raise TelegramBadRequest(GetMe(), f"{self.channel} files cannot be downloaded here")
        yield b""  # pragma: no cover - makes this an async generator

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109  (aiogram's BaseSession signature)
    ) -> TelegramType:
        name = type(method).__name__
        self.calls[name] = self.calls.get(name, 0) + 1
        try:
            result = await self._perform(bot, method)
        except TelegramAPIError:
            raise
        except Exception as exc:
            translated = self.translate(method, exc)
            if translated is None:
                raise
            raise translated from exc
        response = self.check_response(
            bot=bot, method=method, status_code=200,
            content=json.dumps({"ok": True, "result": result}, ensure_ascii=False))
        return response.result  # type: ignore[return-value]

    # -- the Bot API methods -------------------------------------------------------------------

    async def _perform(self, bot: Bot, method: TelegramMethod[Any]) -> Any:
        if isinstance(method, GetMe):
            return self.me
        if isinstance(method, SendMessage):
            record = self._new(int(method.chat_id))
            record.html = self._html(method.text, method.parse_mode, bot)
            record.markup = _keyboard(method.reply_markup)
            record.platform_ids, record.editable = await self.post(
                self.conversation(record.chat_id), record.html, record.markup,
                message_id=record.message_id)
            self._index(record)
            return self.message_json(record)
        if isinstance(method, EditMessageText | EditMessageReplyMarkup):
            record = self._existing(method.chat_id, method.message_id)
            previous = record.html
            if isinstance(method, EditMessageText):
                record.html = self._html(method.text, method.parse_mode, bot)
            record.markup = _keyboard(method.reply_markup)
            where = self.conversation(record.chat_id)
            if record.editable and record.platform_ids:
                await self.edit(where, record.platform_ids[-1], record.html, record.markup)
            else:
                record.platform_ids, record.editable = await self.repost(
                    where, record.html, record.markup, message_id=record.message_id,
                    previous=previous)
                self._index(record)
            return self.message_json(record)
        if isinstance(method, SendPhoto | SendDocument):
            return await self._send_file(bot, method)
        if isinstance(method, AnswerCallbackQuery):
            chat = self.query_chats.pop(method.callback_query_id, None)
            if method.text and chat is not None:
                await self.notice(self.conversation(chat), _escape(method.text))
            return True
        if method.__returning__ is bool:
            return True  # setMyCommands, sendChatAction, deleteWebhook…: nothing to do here
        raise TelegramBadRequest(method, f"{type(method).__name__} is not supported on "
                                         f"{self.channel}")

    async def _send_file(self, bot: Bot, method: SendPhoto | SendDocument) -> dict[str, Any]:
        photo = isinstance(method, SendPhoto)
        source = method.photo if isinstance(method, SendPhoto) else method.document
        if not isinstance(source, InputFile):
            raise TelegramBadRequest(method, f"{self.channel} needs the file, not an id or URL")
        data = bytearray()
        async for chunk in source.read(bot):
            data.extend(chunk)
        name = Path(source.filename or ("chart.png" if photo else "file.bin")).name
        where = self.conversation(int(method.chat_id))
        record = self._new(int(method.chat_id))
        record.platform_ids = [await self.post_file(where, bytes(data), name, photo=photo)]
        record.editable = False
        if method.caption or method.reply_markup:
            record.html = self._html(method.caption or "", method.parse_mode, bot)
            record.markup = _keyboard(method.reply_markup)
            ids, record.editable = await self.post(where, record.html or " ", record.markup,
                                                   message_id=record.message_id)
            record.platform_ids += ids
        self._index(record)
        result = self.message_json(record)
        result.pop("text", None)
        file_json = {"file_id": record.platform_ids[0], "file_unique_id": record.platform_ids[0]}
        if photo:
            result["photo"] = [{**file_json, "width": 1, "height": 1}]
        else:
            result["document"] = {**file_json, "file_name": name}
        if record.html:
            result["caption"] = record.html
        return result

    # -- records -------------------------------------------------------------------------------

    def conversation(self, chat_id: int) -> Conversation:
        external = self.identities.external_id(self.channel, int(chat_id))
        if external.startswith(GROUP_PREFIX):
            return Conversation(external[len(GROUP_PREFIX):], group=True)
        return Conversation(external, group=False)

    def _html(self, text: str, parse_mode: Any, bot: Bot) -> str:
        mode = parse_mode if isinstance(parse_mode, str) else bot.default["parse_mode"]
        return text if mode == ParseMode.HTML else _escape(text)

    def _new(self, chat_id: int) -> Record:
        record = Record(next(self._ids), chat_id, date=int(datetime.now(UTC).timestamp()))
        self.records[record.message_id] = record
        while len(self.records) > _KEPT:
            _, old = self.records.popitem(last=False)
            for platform_id in old.platform_ids:
                self.by_platform_id.pop(platform_id, None)
        return record

    def _index(self, record: Record) -> None:
        for platform_id in record.platform_ids:
            self.by_platform_id[platform_id] = record.message_id

    def _existing(self, chat_id: Any, message_id: Any) -> Record:
        record = self.records.get(int(message_id))
        if record is None:  # from before a restart and not clicked since: post anew
            record = Record(int(message_id), int(chat_id), editable=False)
            self.records[record.message_id] = record
        return record

    def record_for_click(self, platform_id: str, chat_id: int) -> Record:
        """The record of the card a click came from (a fresh one after a restart)."""
        known = self.by_platform_id.get(platform_id)
        if known is not None and known in self.records:
            return self.records[known]
        record = self._new(chat_id)
        record.platform_ids = [platform_id]
        self._index(record)
        return record

    def message_json(self, record: Record) -> dict[str, Any]:
        """The record as a Telegram Message object."""
        group = self.conversation(record.chat_id).group
        message: dict[str, Any] = {
            "message_id": record.message_id, "date": record.date or int(time.time()),
            "chat": {"id": record.chat_id, "type": "group" if group else "private"},
            "from": self.me,
            "text": _plain(record.html) or " ",
        }
        if record.markup is not None:
            message["reply_markup"] = record.markup.model_dump(mode="json", exclude_none=True)
        return message


class PlatformInbound:
    """Neutral inbound events -> `Update`s fed to the dispatcher (one task per event)."""

    def __init__(self, dispatcher: Dispatcher, bot: Bot, session: PlatformSession) -> None:
        self.dp = dispatcher
        self.bot = bot
        self.session = session
        self.identities = session.identities
        self._update_ids = itertools.count(int(time.time()))
        self._message_ids = itertools.count(int(time.time() * 1000) % 10**12 * 1000 + 500)
        self._query_ids = itertools.count(1)
        self.group_chats: set[int] = set()

    async def __call__(self, event: InboundEvent) -> None:
        channel = self.session.channel
        user = await asyncio.to_thread(self.identities.internal_id, channel, event.user_id)
        chat = user
        if event.chat_type == "group":
            chat = await asyncio.to_thread(self.identities.internal_id, channel,
                                           GROUP_PREFIX + event.chat_id)
            self.group_chats.add(chat)
        self.before_update(event, chat)
        sender = {"id": user, "is_bot": False, "first_name": event.user_name or event.user_id,
                  "language_code": "zh-hans"}
        chat_json = ({"id": chat, "type": "group", "title": event.chat_id}
                     if chat in self.group_chats else
                     {"id": chat, "type": "private", "first_name": sender["first_name"]})
        if isinstance(event, InboundMessage):
            payload = self._message(event, sender, chat_json)
        else:
            payload = self._query(event, sender, chat_json)
        update = Update.model_validate({"update_id": next(self._update_ids), **payload},
                                       context={"bot": self.bot})
        token = handling.set(event)
        try:
            await self.dp.feed_update(self.bot, update)
        finally:
            handling.reset(token)

    def before_update(self, event: InboundEvent, chat: int) -> None:
        """A platform's hook (DingTalk keeps the message's sessionWebhook for the reply)."""

    def _message(self, event: InboundMessage, sender: dict[str, Any],
                 chat: dict[str, Any]) -> dict[str, Any]:
        message: dict[str, Any] = {"message_id": next(self._message_ids),
                                   "date": int(time.time()), "chat": chat, "from": sender,
                                   "text": event.text}
        command = _COMMAND.match(event.text)
        if command:
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": command.end()}]
        return {"message": message}

    def _query(self, event: InboundAction, sender: dict[str, Any],
               chat: dict[str, Any]) -> dict[str, Any]:
        record = self.session.record_for_click(event.message_id, chat["id"])
        query_id = f"{self.session.channel}-{next(self._query_ids)}"
        self.session.query_chats[query_id] = chat["id"]
        message = self.session.message_json(record)
        message["chat"] = chat
        return {"callback_query": {"id": query_id, "from": sender, "data": event.data,
                                   "chat_instance": f"{self.session.channel}-{chat['id']}",
                                   "message": message}}


def _keyboard(markup: Any) -> InlineKeyboardMarkup | None:
    if isinstance(markup, InlineKeyboardMarkup) and markup.inline_keyboard:
        return markup
    return None


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _plain(html: str) -> str:
    import html as html_lib

    return html_lib.unescape(re.sub(r"<[^>]*>", "", html))
