"""The WeCom channel on the seam: callback server in, `WeComSession` out."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import TYPE_CHECKING, ClassVar

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode
from aiohttp import web

from bot.channels.base import Channel
from bot.channels.wecom.callback import WeComCallback
from bot.channels.wecom.client import WeComClient
from bot.channels.wecom.inbound import WeComInbound
from bot.channels.wecom.session import WeComSession
from bot.channels.wecom.settings import WeComSettings
from infra.dedup import DatabaseDeduplicator, Deduplicator
from infra.retry import RetryPolicy
from infra.sender import Sender
from infra.telegram import _caller_retries

if TYPE_CHECKING:
    from bot.channels.identity import Identities
    from infra.db import Database
    from infra.settings import Settings

logger = logging.getLogger(__name__)

# aiogram checks only the token's shape; WeCom authenticates with corp id + secret.
WECOM_BOT_TOKEN = "5000:wecom-self-built-application"


class WeComChannel(Channel):
    name: ClassVar[str] = "wecom"

    def __init__(self, settings: Settings, db: Database, identities: Identities,
                 *, dedup: Deduplicator | None = None) -> None:
        super().__init__(settings, db, identities, dedup=dedup)
        self.wecom = wecom_settings(settings).require()
        self.client = WeComClient(self.wecom)
        self.session = WeComSession(self.client, identities, caller_retries=_caller_retries)
        self._bot = Bot(token=WECOM_BOT_TOKEN, session=self.session,
                        default=DefaultBotProperties(parse_mode=ParseMode.HTML))
        self.dedup: Deduplicator = dedup or DatabaseDeduplicator(db)
        self.inbound: WeComInbound | None = None
        self.callback: WeComCallback | None = None
        self._runner: web.AppRunner | None = None

    @property
    def bot(self) -> Bot:
        return self._bot

    @classmethod
    def check(cls, settings: Settings) -> None:
        wecom_settings(settings).require()

    def sender(self) -> Sender:
        attempts = self.settings.send_max_attempts
        base = RetryPolicy.from_settings(self.settings, max_attempts=attempts)
        return Sender(
            rate_per_second=self.wecom.wecom_send_rate_per_second,
            per_chat_per_second=self.wecom.wecom_send_rate_per_user_per_minute / 60.0,
            # WeCom's 45009 carries no wait time: the session reports 1 s, backoff does the rest.
            retry=replace(base, base_delay=self.wecom.wecom_retry_base_delay),
        )

    def build_app(self, dp: Dispatcher) -> web.Application:
        self.inbound = WeComInbound(dp, self._bot, self.session, self.identities)
        self.callback = WeComCallback(self.wecom, dedup=self.dedup,
                                      handler=self.inbound.handle)
        return self.callback.app()

    async def start(self, dp: Dispatcher) -> None:
        app = self.build_app(dp)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.wecom.wecom_callback_host,
                           self.wecom.wecom_callback_port)
        await site.start()
        logger.info("WeCom callback listening on http://%s:%s%s",
                    self.wecom.wecom_callback_host, self.wecom.wecom_callback_port,
                    self.wecom.wecom_callback_path)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.shutdown()  # no new callbacks
        if self.callback is not None:
            await self.callback.drain()
        if self.inbound is not None and self.inbound.background:
            await asyncio.wait(set(self.inbound.background), timeout=10)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


def wecom_settings(settings: object) -> WeComSettings:
    """The WeCom part of the application settings (its own class until Settings composes it)."""
    composed = getattr(settings, "wecom", None)
    return composed if isinstance(composed, WeComSettings) else WeComSettings()
