"""The application's notion of "now": real time, or frozen by SMEBOT_NOW for tests and demos."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def make_clock(frozen: datetime | None) -> Clock:
    """Return a clock giving aware datetimes; frozen at `frozen` when it is set."""
    if frozen is None:
        return system_clock
    if frozen.tzinfo is None:
        raise ValueError("a frozen clock needs a timezone-aware datetime")

    def frozen_clock() -> datetime:
        return frozen

    return frozen_clock
