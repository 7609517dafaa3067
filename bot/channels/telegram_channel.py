"""Telegram on the seam: the Bot API is already what the handlers speak, so the outbound bot
is the real one (with the retry middleware) and the inbound side is aiogram's long polling, or
the webhook server when WEBHOOK_URL is set. Either owns the process (`blocking`): it emits the
dispatcher's start-up and shutdown and stops on SIGINT/SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from types import SimpleNamespace
from typing import TYPE_CHECKING, ClassVar

from aiogram import Bot, Dispatcher

from bot.channels.base import Channel
from bot.channels.config import ChannelConfigError
from infra.telegram import make_bot

if TYPE_CHECKING:
    from bot.channels.identity import Identities
    from infra.db import Database
    from infra.dedup import Deduplicator
    from infra.settings import Settings

logger = logging.getLogger(__name__)

POLLING_TIMEOUT = 30  # seconds Telegram holds a getUpdates open when there is nothing new


class TelegramChannel(Channel):
    name: ClassVar[str] = "telegram"
    blocking: ClassVar[bool] = True

    def __init__(self, settings: Settings, db: Database, identities: Identities,
                 *, dedup: Deduplicator | None = None) -> None:
        super().__init__(settings, db, identities, dedup=dedup)
        self._bot = make_bot(settings, db=db)  # a 403 marks the user inactive

    @classmethod
    def check(cls, settings: Settings) -> None:
        token = settings.telegram_bot_token
        if token is None or not token.get_secret_value():
            raise ChannelConfigError(
                "the Telegram channel needs TELEGRAM_BOT_TOKEN (from @BotFather)"
            )

    @property
    def bot(self) -> Bot:
        return self._bot

    async def start(self, dp: Dispatcher) -> None:
        raise NotImplementedError("Telegram polls: use run_blocking")

    async def stop(self) -> None:
        await self._bot.session.close()

    async def run_blocking(self, dp: Dispatcher, outbound: Bot) -> None:
        if self.settings.webhook_url:
            await self._serve_webhook(dp)
            return
        # A webhook left over from webhook mode would make getUpdates fail with 409 Conflict.
        await self._bot.delete_webhook(drop_pending_updates=False)
        await dp.start_polling(self._bot, polling_timeout=POLLING_TIMEOUT,
                               close_bot_session=False)

    async def _serve_webhook(self, dp: Dispatcher) -> None:
        from aiohttp import web

        from bot.channels.webhook import build_webhook_app

        # The webhook app needs only the settings and the database of the services.
        context = SimpleNamespace(settings=self.settings, db=self.db)
        app = build_webhook_app(context, bot=self._bot, dp=dp)  # type: ignore[arg-type]
        runner = web.AppRunner(app, access_log=None)
        try:
            await runner.setup()  # on_startup: the dispatcher's start-up, then setWebhook
        except BaseException:
            await runner.cleanup()  # as aiohttp's run_app: the shutdown hooks still run
            raise
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            # Not in the main thread (tests) there are no signal handlers: nothing to catch.
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, stop.set)
        try:
            # reuse_port: WEBHOOK_WORKERS processes (or replicas on one host) share the port.
            await web.TCPSite(runner, self.settings.webhook_host,
                              self.settings.webhook_port, reuse_port=True).start()
            await stop.wait()
        finally:
            await runner.cleanup()  # on_shutdown: in-flight updates, scheduler, bot session
