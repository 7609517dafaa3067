"""The outbound side of Telegram: the Bot object and the request middleware that makes sending
reliable.

`RetryMiddleware` sits on the bot session, so every Bot API call from any handler, the scheduler
or the console goes through it. It retries as `infra.retry.RetryPolicy` says (429: wait as asked;
5xx/network: back off). A 403 Forbidden (the user blocked the bot, or it was removed from a
group) is never retried; it is reported to `on_forbidden` — the one place a 403 marks the user
inactive (`infra.users.mark_blocked_chat`, wired by `make_bot(db=...)`) — and re-raised so the
caller can stop talking to that chat. The middleware reports 403s even for callers that retry
themselves (the Sender), so there is exactly one 403 path.

`getUpdates` is left alone: the polling loop has its own backoff and must not sleep here.
A retried send after a timeout may deliver a message twice; Telegram offers no idempotency key,
and a duplicate is better than silence.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramAPIError, TelegramRetryAfter
from aiogram.methods import GetUpdates, Response, TelegramMethod
from aiogram.methods.base import TelegramType

from infra.db import Database
from infra.retry import Failure, RetryPolicy, classify
from infra.settings import Settings
from infra.users import mark_blocked_chat

logger = logging.getLogger(__name__)

ForbiddenCallback = Callable[[int], None]

# True while a caller with its own retry policy is sending (the reminder Sender: it must see every
# 429 to slow that chat down and count attempts for its dead-letter rule). Retrying here as well
# would multiply the attempts, so the middleware then only reports 403s.
_caller_retries: ContextVar[bool] = ContextVar("smebot_caller_retries", default=False)


@contextmanager
def retries_handled_by_caller() -> Iterator[None]:
    """Within this block, Bot API calls are made once: the caller handles 429/5xx itself."""
    token = _caller_retries.set(True)
    try:
        yield
    finally:
        _caller_retries.reset(token)


class RetryMiddleware(BaseRequestMiddleware):
    """Retries what Telegram asks us to retry; reports chats that answer 403."""

    def __init__(
        self,
        policy: RetryPolicy | None = None,
        *,
        on_forbidden: ForbiddenCallback | None = None,
    ) -> None:
        self.policy = policy or RetryPolicy()
        self.on_forbidden = on_forbidden

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if isinstance(method, GetUpdates):
            return await make_request(bot, method)
        max_attempts = 1 if _caller_retries.get() else self.policy.max_attempts
        attempt = 1
        while True:
            try:
                return await make_request(bot, method)
            except TelegramAPIError as exc:  # network errors are TelegramAPIErrors too
                failure = classify(exc)
                if failure is Failure.FORBIDDEN:
                    self._report_forbidden(method)
                    raise
                if failure is Failure.PERMANENT or attempt >= max_attempts:
                    raise
                if isinstance(exc, TelegramRetryAfter):
                    if not self.policy.waits_for(exc.retry_after):
                        raise
                    delay = float(exc.retry_after)
                else:
                    delay = self.policy.backoff(attempt)
                logger.warning(
                    "%s on %s (attempt %d), retrying in %.2fs: %s", type(exc).__name__,
                    type(method).__name__, attempt, delay, exc,
                )
            attempt += 1
            await asyncio.sleep(delay)

    def _report_forbidden(self, method: TelegramMethod[TelegramType]) -> None:
        chat_id = getattr(method, "chat_id", None)
        if self.on_forbidden is not None and isinstance(chat_id, int):
            try:
                self.on_forbidden(chat_id)
            except Exception:  # the report must never hide the original error
                logger.exception("could not record the blocked chat %s", chat_id)


def api_server(settings: Settings) -> TelegramAPIServer | None:
    """The Bot API server from TELEGRAM_API_BASE (a local telegram-bot-api or a test stand-in)."""
    if not settings.telegram_api_base:
        return None
    return TelegramAPIServer.from_base(settings.telegram_api_base)


def make_bot(
    settings: Settings,
    *,
    token: str | None = None,
    db: Database | None = None,
) -> Bot:
    """A Bot speaking HTML by default, with the retry middleware on its session.

    With `db`, a 403 from any call marks the user inactive (`mark_blocked_chat`)."""
    if token is None:
        if settings.telegram_bot_token is None:
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
        token = settings.telegram_bot_token.get_secret_value()
    server = api_server(settings)
    session = AiohttpSession(api=server) if server is not None else AiohttpSession()
    on_forbidden = None if db is None else (lambda chat_id: mark_blocked_chat(db, chat_id))
    session.middleware(RetryMiddleware(RetryPolicy.from_settings(settings),
                                       on_forbidden=on_forbidden))
    return Bot(
        token=token,
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )
