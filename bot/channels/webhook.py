"""Webhook mode: `smebot run` with WEBHOOK_URL set.

An aiohttp server on WEBHOOK_HOST:WEBHOOK_PORT receives updates at the path of WEBHOOK_URL
(or WEBHOOK_PATH when the URL has none); Telegram must send the secret token in the
`X-Telegram-Bot-Api-Secret-Token` header or the request is refused (401); a body that is not
an Update (malformed JSON, a JSON array, a broken update) is refused with 400 and never reaches
the dispatcher. Without WEBHOOK_SECRET the secret is derived from the bot token (the same in
every worker and replica) and registered with setWebhook; if Telegram refuses setWebhook,
start-up ends with `WebhookSetupError` (a clear message from `smebot run`, no traceback).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from urllib.parse import urlsplit, urlunsplit

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError, TelegramUnauthorizedError
from aiogram.types import Update
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web
from pydantic import ValidationError

from bot.app import Services, build_dispatcher, build_ops_server, create_bot
from infra.settings import Settings

logger = logging.getLogger(__name__)


class WebhookSetupError(RuntimeError):
    """Telegram refused setWebhook (e.g. the URL is not HTTPS or not reachable by Telegram)."""


class CheckedRequestHandler(SimpleRequestHandler):
    """aiogram's handler, with a 400 for a body that is not an Update (aiogram answers 500)."""

    async def handle(self, request: web.Request) -> web.Response:
        bot = await self.resolve_bot(request)
        if not self.verify_secret(request.headers.get("X-Telegram-Bot-Api-Secret-Token", ""), bot):
            return web.Response(body="Unauthorized", status=401)
        try:
            payload = await request.json(loads=bot.session.json_loads)
            if not isinstance(payload, dict):
                raise ValueError("not a JSON object")
            Update.model_validate(payload, context={"bot": bot})
        except (ValueError, ValidationError) as exc:  # JSONDecodeError is a ValueError
            logger.warning("webhook: refused a malformed update (%s)", type(exc).__name__)
            return web.Response(body="Bad Request: not a Telegram update", status=400)
        # aiohttp keeps the body it read, so aiogram parses the same bytes again.
        return await super().handle(request)


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
    CheckedRequestHandler(dispatcher=dp, bot=bot, secret_token=secret).register(app, path=path)

    async def register_webhook(_: web.Application) -> None:
        try:
            await bot.set_webhook(url=url, secret_token=secret, drop_pending_updates=False)
        except TelegramAPIError as exc:
            # Start-up failed, so aiohttp will not run the shutdown hook that closes the session.
            await bot.session.close()
            if isinstance(exc, TelegramNetworkError | TelegramUnauthorizedError):
                raise  # `smebot run` explains these (unreachable API, bad token)
            raise WebhookSetupError(
                f"Telegram refused setWebhook for WEBHOOK_URL={url}: {exc.message}"
            ) from exc
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
        close = getattr(services, "close", None)  # the channel runner passes settings and db only
        if close is not None:
            await close()
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
