"""Rate-limited, retrying delivery of outbound messages (reminders, broadcasts, documents).

Telegram allows about 30 messages a second in all and about one a second per chat. The sender
keeps under `send_rate_per_second` globally and `send_rate_per_chat_per_second` per chat with
a sliding-window limiter (never more than the rate in any second, counted on actual send
times) and a per-chat spacing of 1/rate seconds, and handles the Bot API's answers:

- **429** `retry_after`: that chat waits exactly as long as Telegram asks, then the message is
  retried (up to `retry.max_retry_afters` times; a wait longer than `retry.max_retry_after`,
  TELEGRAM_MAX_RETRY_AFTER, is not waited for). If a second chat gets a 429 within a second, the
  limit is the bot's, not the chat's, so everyone waits (pausing all traffic for every
  single-chat 429 would stall a broadcast).
- **5xx / network errors**: retried with the policy's backoff, up to `retry.max_attempts`.
- **403**: the user blocked the bot or removed it from the group: no retry, status "forbidden"
  (the scheduler deactivates that chat's subscriptions). The user is marked inactive by the
  bot session's middleware, the one 403 path (infra/telegram.py).
- **Anything else** (400 bad request, 401 …): permanent; returned as a failure for the caller to
  dead-letter, never silently dropped.

The retry numbers are the one `infra.retry.RetryPolicy`, shared with the session middleware.

Rate limiting uses the event loop's monotonic time, not the application clock: the clock may be
frozen (SMEBOT_NOW) and pacing must still advance.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import InputFile, Message

from infra.retry import RetryPolicy
from infra.settings import Settings
from infra.telegram import retries_handled_by_caller

logger = logging.getLogger(__name__)

SendStatus = Literal["sent", "forbidden", "failed", "aborted"]
Gate = Callable[[], bool]


class SharedLimiter(Protocol):
    """Send limits shared by replicas (infra.shared_limits.RedisSendLimiter)."""

    async def acquire(self, chat_id: int) -> None: ...
    async def pause(self, seconds: float) -> None: ...
    async def delay_chat(self, chat_id: int, seconds: float) -> None: ...


@dataclass(slots=True)
class SendResult:
    status: SendStatus
    message_id: int | None = None
    error: str | None = None
    attempts: int = 0
    retryable: bool = False  # a failure worth trying again later (5xx, network, long 429)

    @property
    def ok(self) -> bool:
        return self.status == "sent"


class WindowLimiter:
    """At most `cap` sends in any window of `period` seconds, counted on *actual* send times.

    The period is a fifth of a second when the rate allows (25/s -> 5 per 0.2 s), which keeps
    traffic smooth and still guarantees the rate over every sliding second (five consecutive
    sub-windows cover any second). Counting actual times, not reservations, means a stalled
    event loop can never let a backlog burst past the limit, and a stall costs no capacity
    afterwards. Waiters queue on a FIFO lock, so one of them at a time watches the window
    (no thundering herd of sleeping tasks).
    """

    def __init__(self, rate: float, now: Callable[[], float]) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        fifth = rate * 0.2
        if fifth >= 1 and abs(fifth - round(fifth)) < 1e-9:
            self.period, self.cap = 0.2, round(fifth)
        elif rate >= 1:
            self.period, self.cap = 1.0, int(rate)
        else:
            self.period, self.cap = 1.0 / rate, 1
        self._now = now
        self._sent: deque[float] = deque()
        self._lock = asyncio.Lock()
        self.paused_until = 0.0

    def pause(self, seconds: float) -> None:
        self.paused_until = max(self.paused_until, self._now() + seconds)

    def _wait_needed(self) -> float:
        now = self._now()
        while self._sent and self._sent[0] <= now - self.period:
            self._sent.popleft()
        wait = self.paused_until - now
        if len(self._sent) >= self.cap:
            wait = max(wait, self._sent[0] + self.period - now)
        return wait

    async def acquire(self) -> float:
        """Wait for a free place in the window; returns the send time it was granted."""
        async with self._lock:
            while (wait := self._wait_needed()) > 0:  # noqa: ASYNC110 (time, not an event)
                await asyncio.sleep(wait)
            granted = self._now()
            self._sent.append(granted)
            return granted


@dataclass(slots=True)
class _ChatState:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    next_at: float = 0.0
    users: int = 0


class Sender:
    """Send through this, never through `bot.send_message` directly, for bulk traffic."""

    def __init__(
        self,
        *,
        rate_per_second: float = 25.0,
        per_chat_per_second: float = 1.0,
        retry: RetryPolicy | None = None,
        monotonic: Callable[[], float] | None = None,
        shared_limiter: SharedLimiter | None = None,
    ) -> None:
        self.rate_per_second = rate_per_second
        # Several replicas: the window and the per-chat spacing live in Redis (one for all).
        self.shared_limiter = shared_limiter
        self.per_chat_interval = 1.0 / per_chat_per_second
        self.retry = retry or RetryPolicy(max_attempts=3)
        self._monotonic = monotonic
        self._global: WindowLimiter | None = None
        self._chats: dict[int, _ChatState] = {}
        self._last_429: tuple[int, float] | None = None
        self.stats: dict[str, int] = {"sent": 0, "retry_after": 0, "server_error": 0,
                                      "forbidden": 0, "failed": 0}

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> Sender:
        kwargs: dict[str, Any] = {
            "rate_per_second": settings.send_rate_per_second,
            "per_chat_per_second": settings.send_rate_per_chat_per_second,
            "retry": RetryPolicy.from_settings(settings, max_attempts=settings.send_max_attempts),
        }
        kwargs.update(overrides)
        return cls(**kwargs)

    # --- time ----------------------------------------------------------------------------------

    def _now(self) -> float:
        if self._monotonic is not None:
            return self._monotonic()
        return asyncio.get_running_loop().time()

    @property
    def limiter(self) -> WindowLimiter:
        # Built lazily: the loop's clock and lock belong to a running loop.
        if self._global is None:
            self._global = WindowLimiter(self.rate_per_second, self._now)
        return self._global

    async def _wait_turn(self, chat_id: int, state: _ChatState) -> None:
        wait = state.next_at - self._now()
        if wait > 0:
            await asyncio.sleep(wait)
        if self.shared_limiter is not None:
            await self.shared_limiter.acquire(chat_id)
            granted = self._now()
        else:
            granted = await self.limiter.acquire()
        # Spacing per chat counts from the actual send, so global waits never squeeze it.
        state.next_at = granted + self.per_chat_interval

    # --- public API ----------------------------------------------------------------------------

    async def send_message(
        self, bot: Bot, chat_id: int, text: str, *, gate: Gate | None = None, **kwargs: Any
    ) -> SendResult:
        return await self.deliver(
            chat_id, lambda: bot.send_message(chat_id=chat_id, text=text, **kwargs), gate=gate
        )

    async def send_document(
        self, bot: Bot, chat_id: int, document: InputFile | str, *, gate: Gate | None = None,
        **kwargs: Any,
    ) -> SendResult:
        return await self.deliver(
            chat_id,
            lambda: bot.send_document(chat_id=chat_id, document=document, **kwargs),
            gate=gate,
        )

    async def deliver(
        self,
        chat_id: int,
        call: Callable[[], Awaitable[Message]],
        *,
        gate: Gate | None = None,
    ) -> SendResult:
        """Run `call` within the limits, retrying as described in the module docstring.

        `gate` is asked right before every HTTP attempt; when it says no (the scheduler is
        stopping) nothing is sent and the result is "aborted", so the caller can hand the work
        back instead of losing it.
        """
        state = self._chats.setdefault(chat_id, _ChatState())
        state.users += 1
        try:
            # One message at a time per chat keeps the chat's order and its 1/s spacing.
            async with state.lock:
                return await self._deliver_locked(chat_id, state, call, gate)
        finally:
            state.users -= 1
            if state.users == 0 and self._now() >= state.next_at:
                self._chats.pop(chat_id, None)

    async def _deliver_locked(
        self,
        chat_id: int,
        state: _ChatState,
        call: Callable[[], Awaitable[Message]],
        gate: Gate | None,
    ) -> SendResult:
        attempts = retry_afters = 0
        while True:
            await self._wait_turn(chat_id, state)
            if gate is not None and not gate():
                return SendResult("aborted", attempts=attempts)
            attempts += 1
            try:
                with retries_handled_by_caller():
                    message = await call()
            except TelegramRetryAfter as exc:
                retry_afters += 1
                self.stats["retry_after"] += 1
                await self._on_retry_after(chat_id, state, float(exc.retry_after))
                if retry_afters >= self.retry.max_retry_afters or not self.retry.waits_for(
                    exc.retry_after
                ):
                    return self._failed(exc, attempts, retryable=True)
                continue
            except TelegramForbiddenError as exc:
                self.stats["forbidden"] += 1
                return SendResult("forbidden", error=_describe(exc), attempts=attempts)
            except (TelegramServerError, TelegramNetworkError) as exc:
                self.stats["server_error"] += 1
                if attempts - retry_afters >= self.retry.max_attempts:
                    return self._failed(exc, attempts, retryable=True)
                delay = self.retry.backoff(attempts - retry_afters)
                logger.warning("chat %s: %s, retry in %.2fs", chat_id, _describe(exc), delay)
                await asyncio.sleep(delay)
                continue
            except TelegramAPIError as exc:
                return self._failed(exc, attempts, retryable=False)
            self.stats["sent"] += 1
            return SendResult("sent", message_id=message.message_id, attempts=attempts)

    async def _on_retry_after(self, chat_id: int, state: _ChatState, seconds: float) -> None:
        now = self._now()
        state.next_at = max(state.next_at, now + seconds)
        last = self._last_429
        bot_wide = last is not None and last[0] != chat_id and now - last[1] <= 1.0
        if self.shared_limiter is not None:
            try:  # every replica must hold back, not only this one
                await self.shared_limiter.delay_chat(chat_id, seconds)
                if bot_wide:
                    await self.shared_limiter.pause(seconds)
            except Exception:  # Redis hiccup: this replica still waits (state.next_at)
                logger.warning("could not share a 429 wait through Redis", exc_info=True)
        elif bot_wide:
            # Two chats throttled within a second: the bot-wide limit was hit.
            self.limiter.pause(seconds)
        self._last_429 = (chat_id, now)
        logger.warning("chat %s: 429, waiting %.1fs", chat_id, seconds)

    def _failed(self, exc: Exception, attempts: int, *, retryable: bool) -> SendResult:
        self.stats["failed"] += 1
        return SendResult("failed", error=_describe(exc), attempts=attempts, retryable=retryable)


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]
