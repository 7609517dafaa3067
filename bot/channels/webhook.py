"""Webhook mode: `smebot run` with WEBHOOK_URL set.

An aiohttp server on WEBHOOK_HOST:WEBHOOK_PORT receives updates at the path of WEBHOOK_URL
(or WEBHOOK_PATH when the URL has none); Telegram must send the secret token in the
`X-Telegram-Bot-Api-Secret-Token` header or the request is refused (401). Without
WEBHOOK_SECRET a random secret is made for this process and registered with setWebhook.
"""

from __future__ import annotations

import logging
import secrets
from urllib.parse import urlsplit, urlunsplit

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

from bot.app import Services, build_dispatcher, create_bot

logger = logging.getLogger(__name__)


def webhook_target(services: Services) -> tuple[str, str]:
    """(public URL given to Telegram, local path served)."""
    settings = services.settings
    if not settings.webhook_url:
        raise ValueError("WEBHOOK_URL is not set")
    parts = urlsplit(settings.webhook_url)
    path = parts.path if parts.path not in ("", "/") else settings.webhook_path
    url = urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))
    return url, path


def build_webhook_app(
    services: Services, *, bot: Bot | None = None, dp: Dispatcher | None = None
) -> web.Application:
    """The aiohttp application serving the webhook (also used by the tests)."""
    settings = services.settings
    dp = dp or build_dispatcher(services)
    bot = bot or create_bot(services)
    url, path = webhook_target(services)
    secret = (
        settings.webhook_secret.get_secret_value()
        if settings.webhook_secret is not None
        else secrets.token_urlsafe(32)
    )
    app = web.Application()
    # setup_application first: aiohttp runs on_shutdown callbacks in order, and the dispatcher's
    # shutdown (which waits for in-flight updates) must run before the handler closes the bot
    # session.
    setup_application(app, dp, bot=bot)
    SimpleRequestHandler(dispatcher=dp, bot=bot, secret_token=secret).register(app, path=path)

    async def register_webhook(_: web.Application) -> None:
        await bot.set_webhook(url=url, secret_token=secret, drop_pending_updates=False)
        logger.info("webhook registered at %s", url)

    app.on_startup.append(register_webhook)

    async def dispose_db(_: web.Application) -> None:
        services.db.dispose()

    app.on_cleanup.append(dispose_db)
    return app


def run_webhook(services: Services) -> None:
    """Serve until SIGINT/SIGTERM; aiohttp's run_app turns them into a graceful shutdown
    (on_shutdown: wait for in-flight updates, stop the scheduler, close the bot session)."""
    settings = services.settings
    app = build_webhook_app(services)
    web.run_app(app, host=settings.webhook_host, port=settings.webhook_port, print=None)
