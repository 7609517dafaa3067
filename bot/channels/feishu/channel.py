"""The Feishu channel on the seam: long connection (default) or HTTP events in, cards out."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode

from bot.channels.base import Channel
from bot.channels.feishu.api import FeishuApi
from bot.channels.feishu.session import FeishuSession
from bot.channels.feishu.settings import FeishuSettings, load_feishu_settings
from bot.channels.feishu.transport import (
    FeishuEventRouter,
    FeishuHttpCallback,
    FeishuLongConnection,
)
from bot.channels.platform_session import PlatformInbound
from infra.dedup import DatabaseDeduplicator, Deduplicator
from infra.retry import RetryPolicy
from infra.sender import Sender
from infra.telegram import _caller_retries

if TYPE_CHECKING:
    from bot.channels.identity import Identities
    from infra.db import Database
    from infra.settings import Settings

FEISHU_BOT_TOKEN = "5001:feishu-custom-app"  # aiogram checks the token's shape only
# Feishu: 5 messages/s to one user or group, about 1000/min per app for message sending.
SEND_RATE_PER_SECOND = 15.0
SEND_RATE_PER_CHAT_PER_SECOND = 5.0


class FeishuChannel(Channel):
    name: ClassVar[str] = "feishu"

    def __init__(self, settings: Settings, db: Database, identities: Identities,
                 *, dedup: Deduplicator | None = None) -> None:
        super().__init__(settings, db, identities, dedup=dedup)
        self.feishu = feishu_settings()
        self.api = FeishuApi(self.feishu, single_attempt=_caller_retries.get)
        self.session = FeishuSession(self.api, identities)
        self._bot = Bot(token=FEISHU_BOT_TOKEN, session=self.session,
                        default=DefaultBotProperties(parse_mode=ParseMode.HTML))
        self.dedup: Deduplicator = dedup or DatabaseDeduplicator(db)
        self.transport: FeishuHttpCallback | FeishuLongConnection | None = None

    @property
    def bot(self) -> Bot:
        return self._bot

    @classmethod
    def check(cls, settings: Settings) -> None:
        feishu_settings()

    def sender(self) -> Sender:
        retry = RetryPolicy.from_settings(self.settings,
                                          max_attempts=self.settings.send_max_attempts)
        return Sender(rate_per_second=SEND_RATE_PER_SECOND,
                      per_chat_per_second=SEND_RATE_PER_CHAT_PER_SECOND, retry=retry)

    def router(self, dp: Dispatcher) -> FeishuEventRouter:
        """The SDK dispatcher wired to the handlers (also used by tests of the long connection,
        which feed it the SDK's event objects)."""
        inbound = PlatformInbound(dp, self._bot, self.session)
        return FeishuEventRouter(self.feishu, inbound, self.dedup)

    async def start(self, dp: Dispatcher) -> None:
        router = self.router(dp)
        self.transport = (FeishuHttpCallback(router) if self.feishu.mode == "http"
                          else FeishuLongConnection(router))
        await self.transport.start()

    async def stop(self) -> None:
        if self.transport is not None:
            await self.transport.stop()
            self.transport = None


def feishu_settings() -> FeishuSettings:
    return load_feishu_settings()
