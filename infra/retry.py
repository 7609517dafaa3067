"""One retry/backoff policy for every Bot API call: the session middleware (interactive calls)
and the bulk Sender (reminders) read the same numbers from the same settings.

- 429 Too Many Requests: wait Telegram's `retry_after`, unless it asks for longer than
  `max_retry_after` (TELEGRAM_MAX_RETRY_AFTER): then give up and let the caller decide.
- 5xx and network errors: exponential backoff from `base_delay` (TELEGRAM_RETRY_BASE_DELAY),
  doubling, capped at `max_delay`, with a little jitter so retries of many chats do not align.
- 403 Forbidden: never retried (the user blocked the bot); see `infra.users.mark_blocked_chat`.
- Anything else (400, 401 …): permanent.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from enum import Enum
from typing import TYPE_CHECKING

from aiogram.exceptions import (
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)

if TYPE_CHECKING:
    from infra.settings import Settings


class Failure(Enum):
    """What a failed Bot API call means for retrying it."""

    RETRY_AFTER = "retry_after"  # 429: wait as asked
    TRANSIENT = "transient"  # 5xx, timeouts, refused connections: back off
    FORBIDDEN = "forbidden"  # 403: the chat is gone for us
    PERMANENT = "permanent"  # anything else: retrying cannot help


def classify(exc: BaseException) -> Failure:
    if isinstance(exc, TelegramRetryAfter):
        return Failure.RETRY_AFTER
    if isinstance(exc, TelegramForbiddenError):
        return Failure.FORBIDDEN
    if isinstance(exc, TelegramServerError | TelegramNetworkError):
        return Failure.TRANSIENT
    return Failure.PERMANENT


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long to retry. Immutable; derive variants with `with_attempts`."""

    max_attempts: int = 4  # tries of one call (the first included)
    base_delay: float = 0.5  # first backoff after a 5xx / network error; doubles each time
    max_delay: float = 30.0  # backoff cap
    max_retry_after: float = 60.0  # a 429 asking to wait longer than this is not waited for
    max_retry_afters: int = 10  # 429s the bulk Sender honours for one message before giving up
    jitter: float = 0.1  # up to +10 % on every backoff

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.max_retry_afters < 1:
            raise ValueError("a retry policy needs at least one attempt")
        if self.base_delay < 0 or self.max_delay < 0 or self.jitter < 0:
            raise ValueError("delays must not be negative")

    @classmethod
    def from_settings(cls, settings: Settings, *, max_attempts: int | None = None) -> RetryPolicy:
        """The policy the settings describe (interactive calls: TELEGRAM_MAX_ATTEMPTS tries;
        pass `max_attempts` for another caller, e.g. the Sender's SEND_MAX_ATTEMPTS)."""
        return cls(
            max_attempts=settings.telegram_max_attempts if max_attempts is None else max_attempts,
            base_delay=settings.telegram_retry_base_delay,
            max_retry_after=settings.telegram_max_retry_after,
        )

    def with_attempts(self, max_attempts: int) -> RetryPolicy:
        return replace(self, max_attempts=max_attempts)

    def backoff(self, failures: int) -> float:
        """The wait after the `failures`-th transient failure (1-based), jittered."""
        delay = min(self.max_delay, self.base_delay * 2 ** max(0, failures - 1))
        return delay * (1 + random.random() * self.jitter)

    def waits_for(self, retry_after: float) -> bool:
        """Whether a 429's `retry_after` is short enough to wait for."""
        return retry_after <= self.max_retry_after
