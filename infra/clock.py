"""The application's notion of "now": real time, or frozen by SMEBOT_NOW for tests and demos."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, tzinfo

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


def local_time(moment: datetime, zone: tzinfo) -> datetime:
    """A stored timestamp in the users' zone. Naive values are UTC (SQLite returns aware
    datetimes without their offset)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone)


def local_date(moment: datetime, zone: tzinfo) -> date:
    """The calendar date of `moment` in `zone` (naive moments are UTC)."""
    return local_time(moment, zone).date()


def today_in(clock: Clock, zone: tzinfo) -> date:
    """"Today" in the configured zone (settings.tz): the one way every feature computes it."""
    return local_date(clock(), zone)
