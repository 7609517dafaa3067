"""The outbound side of Telegram: the Bot object and the request middleware that makes sending
reliable.

`RetryMiddleware` sits on the bot session, so every Bot API call from any handler, the scheduler
or the console goes through it:

- 429 Too Many Requests: wait `retry_after` seconds (Telegram's own number), then retry;
- 5xx and network errors (timeouts, refused connections): retry with exponential backoff;
- 403 Forbidden (the user blocked the bot, or it was removed from a group): no retry; the chat
  is reported to `on_forbidden` (which marks the user inactive) and the error is re-raised so
  the caller can stop talking to that chat.

`getUpdates` is left alone: the polling loop has its own backoff and must not sleep here.
A retried send after a timeout may deliver a message twice; Telegram offers no idempotency key,
and a duplicate is better than silence.
"""

from __future__ import annotations

import asyncio
import logging
import random
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
from aiogram.exceptions import (
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import GetUpdates, Response, TelegramMethod
from aiogram.methods.base import TelegramType

from infra.settings import Settings

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
        *,
        max_attempts: int = 4,
        base_delay: float = 0.5,
        max_delay: float = 10.0,
        max_retry_after: float = 60.0,
        on_forbidden: ForbiddenCallback | None = None,
    ) -> None:
        self.max_attempts = max(1, max_attempts)
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.max_retry_after = max_retry_after
        self.on_forbidden = on_forbidden

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if isinstance(method, GetUpdates):
            return await make_request(bot, method)
        max_attempts = 1 if _caller_retries.get() else self.max_attempts
        attempt = 1
        while True:
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                if attempt >= max_attempts or exc.retry_after > self.max_retry_after:
                    raise
                delay = float(exc.retry_after)
                logger.warning(
                    "429 on %s (attempt %d), retrying in %.1fs", type(method).__name__,
                    attempt, delay,
                )
            except (TelegramServerError, TelegramNetworkError) as exc:
                if attempt >= max_attempts:
                    raise
                delay = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
                delay *= 1 + random.random() * 0.1  # a little jitter so retries do not align
                logger.warning(
                    "%s on %s (attempt %d), retrying in %.2fs: %s", type(exc).__name__,
                    type(method).__name__, attempt, delay, exc,
                )
            except TelegramForbiddenError:
                chat_id = getattr(method, "chat_id", None)
                if self.on_forbidden is not None and isinstance(chat_id, int):
                    try:
                        self.on_forbidden(chat_id)
                    except Exception:  # the report must never hide the original error
                        logger.exception("could not record the blocked chat %s", chat_id)
                raise
            attempt += 1
            await asyncio.sleep(delay)


def api_server(settings: Settings) -> TelegramAPIServer | None:
    """The Bot API server from TELEGRAM_API_BASE (a local telegram-bot-api or a test stand-in)."""
    if not settings.telegram_api_base:
        return None
    return TelegramAPIServer.from_base(settings.telegram_api_base)


def make_bot(
    settings: Settings,
    *,
    token: str | None = None,
    on_forbidden: ForbiddenCallback | None = None,
) -> Bot:
    """A Bot speaking HTML by default, with the retry middleware on its session."""
    if token is None:
        if settings.telegram_bot_token is None:
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
        token = settings.telegram_bot_token.get_secret_value()
    server = api_server(settings)
    session = AiohttpSession(api=server) if server is not None else AiohttpSession()
    session.middleware(
        RetryMiddleware(
            max_attempts=settings.telegram_max_attempts,
            base_delay=settings.telegram_retry_base_delay,
            max_retry_after=settings.telegram_max_retry_after,
            on_forbidden=on_forbidden,
        )
    )
    return Bot(
        token=token,
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )
