"""The DingTalk channel on the seam: Stream mode in (no public URL), robot APIs out."""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, ClassVar

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode

from bot.channels.base import Channel
from bot.channels.dingtalk.api import DingTalkApi
from bot.channels.dingtalk.session import DingTalkSession
from bot.channels.dingtalk.settings import DingTalkSettings, load_dingtalk_settings
from bot.channels.dingtalk.stream import SmebotStreamClient
from bot.channels.inbound import InboundEvent, InboundMessage
from bot.channels.platform_session import Conversation, PlatformInbound
from infra.dedup import DatabaseDeduplicator, Deduplicator
from infra.retry import RetryPolicy
from infra.sender import Sender
from infra.telegram import _caller_retries

if TYPE_CHECKING:
    from bot.channels.identity import Identities
    from infra.db import Database
    from infra.settings import Settings

DINGTALK_BOT_TOKEN = "5002:dingtalk-app-robot"  # aiogram checks the token's shape only
# DingTalk: a robot may post about 20 messages a minute into one conversation; the app's
# robot APIs allow about 20 calls a second.
SEND_RATE_PER_SECOND = 15.0
SEND_RATE_PER_CHAT_PER_SECOND = 20 / 60


class DingTalkInbound(PlatformInbound):
    session: DingTalkSession

    def before_update(self, event: InboundEvent, chat: int) -> None:
        if isinstance(event, InboundMessage):
            where = Conversation(event.chat_id, event.chat_type == "group")
            self.session.remember_webhook(where, event.reply_context.get("session_webhook"),
                                          event.reply_context.get("session_webhook_expires_ms"))


class DingTalkChannel(Channel):
    name: ClassVar[str] = "dingtalk"

    def __init__(self, settings: Settings, db: Database, identities: Identities,
                 *, dedup: Deduplicator | None = None) -> None:
        super().__init__(settings, db, identities, dedup=dedup)
        self.dingtalk = dingtalk_settings()
        self.api = DingTalkApi(self.dingtalk, single_attempt=_caller_retries.get)
        self.session = DingTalkSession(self.api, identities)
        self._bot = Bot(token=DINGTALK_BOT_TOKEN, session=self.session,
                        default=DefaultBotProperties(parse_mode=ParseMode.HTML))
        self.dedup: Deduplicator = dedup or DatabaseDeduplicator(db)
        self.stream: SmebotStreamClient | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def bot(self) -> Bot:
        return self._bot

    @classmethod
    def check(cls, settings: Settings) -> None:
        dingtalk_settings()

    def sender(self) -> Sender:
        retry = RetryPolicy.from_settings(self.settings,
                                          max_attempts=self.settings.send_max_attempts)
        return Sender(rate_per_second=SEND_RATE_PER_SECOND,
                      per_chat_per_second=SEND_RATE_PER_CHAT_PER_SECOND, retry=retry)

    async def start(self, dp: Dispatcher) -> None:
        inbound = DingTalkInbound(dp, self._bot, self.session)
        self.stream = SmebotStreamClient(self.dingtalk, inbound, self.dedup,
                                         locate_card=self.session.locate_card)
        self._task = asyncio.create_task(self.stream.start(), name="dingtalk-stream")

    async def stop(self) -> None:
        if self.stream is not None:
            await self.stream.stop()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        await self.api.close()


def dingtalk_settings() -> DingTalkSettings:
    return load_dingtalk_settings()
