"""Webhook mode: `smebot run` with WEBHOOK_URL set.

An aiohttp server on WEBHOOK_HOST:WEBHOOK_PORT receives updates at the path of WEBHOOK_URL
(or WEBHOOK_PATH when the URL has none); Telegram must send the secret token in the
`X-Telegram-Bot-Api-Secret-Token` header or the request is refused (401). Without
WEBHOOK_SECRET the secret is derived from the bot token (the same in every worker and replica)
and registered with setWebhook.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from urllib.parse import urlsplit, urlunsplit

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

from bot.app import Services, build_dispatcher, build_ops_server, create_bot
from infra.settings import Settings

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


def derived_secret(settings: Settings) -> str:
    """Without WEBHOOK_SECRET: a secret derived from the bot token, so every worker and replica
    registers and checks the same one (a random one per process would lock the others out)."""
    token = settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token else ""
    if not token:
        return secrets.token_urlsafe(32)
    digest = hmac.new(token.encode(), b"smebot-webhook-secret", hashlib.sha256).hexdigest()
    return digest[:48]


def build_webhook_app(
    services: Services,
    *,
    bot: Bot | None = None,
    dp: Dispatcher | None = None,
    serve_metrics: bool = False,
) -> web.Application:
    """The aiohttp application serving the webhook (also used by the tests)."""
    settings = services.settings
    dp = dp or build_dispatcher(services, dedup_updates=True)
    bot = bot or create_bot(services)
    url, path = webhook_target(services)
    secret = (
        settings.webhook_secret.get_secret_value()
        if settings.webhook_secret is not None
        else derived_secret(settings)
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

    ops = build_ops_server(services) if serve_metrics else None

    async def start_ops(_: web.Application) -> None:
        if ops is not None:
            await ops.start()

    app.on_startup.append(start_ops)

    async def dispose_db(_: web.Application) -> None:
        if ops is not None:
            await ops.stop()
        await services.close()
        services.db.dispose()

    app.on_cleanup.append(dispose_db)
    return app


def run_webhook(services: Services) -> None:
    """Serve until SIGINT/SIGTERM; aiohttp's run_app turns them into a graceful shutdown
    (on_shutdown: wait for in-flight updates, stop the scheduler, close the bot session)."""
    settings = services.settings
    app = build_webhook_app(services, serve_metrics=True)
    # reuse_port: several worker processes (WEBHOOK_WORKERS, or replicas on one host) listen on
    # the same port and the kernel spreads the connections over them.
    web.run_app(
        app, host=settings.webhook_host, port=settings.webhook_port, print=None, reuse_port=True
    )
