"""Seen-before checks for inbound platform callbacks (WeCom retries a callback three times,
Feishu and DingTalk redeliver events): each delivery key is processed once, across restarts.

`Deduplicator` is the interface (the same `first_time(scope, key)` as `infra.dedup` on the svc
branch, whose Redis/database implementation replaces this one when the composition root passes
`services.dedup`); `SqlDeduplicator` backs it with a table in the bot's database (an INSERT that
fails on the primary key means "seen"), atomic across processes sharing the database. Its table
lives on a private MetaData, outside the Alembic-managed schema: it is a cache of recent keys,
created on first use, and goes away with the svc implementation.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import Column, DateTime, MetaData, String, Table, delete, insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

# Platforms retry within minutes; keys older than this are forgotten.
DEFAULT_RETENTION = timedelta(days=3)


class Deduplicator(Protocol):
    async def first_time(self, scope: str, key: str) -> bool:
        """True exactly once per (scope, key); False for every later delivery."""
        ...


_METADATA = MetaData()
PROCESSED_EVENT = Table(
    "processed_event", _METADATA,
    Column("channel", String(32), primary_key=True),
    Column("event_key", String(255), primary_key=True),
    Column("seen_at", DateTime(timezone=True), nullable=False, index=True),
)


class SqlDeduplicator:
    """Deduplicator on the SQL database (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine, *, retention: timedelta = DEFAULT_RETENTION) -> None:
        self.engine = engine
        self.retention = retention
        _METADATA.create_all(engine)
        self._inserts = 0

    def first_time_sync(self, channel: str, key: str) -> bool:
        now = datetime.now(UTC)
        try:
            with self.engine.begin() as connection:
                connection.execute(insert(PROCESSED_EVENT).values(
                    channel=channel, event_key=key[:255], seen_at=now))
        except IntegrityError:
            return False
        self._inserts += 1
        if self._inserts % 500 == 0:
            self.prune(now - self.retention)
        return True

    async def first_time(self, channel: str, key: str) -> bool:
        return await asyncio.to_thread(self.first_time_sync, channel, key)

    def prune(self, before: datetime) -> int:
        with self.engine.begin() as connection:
            result = connection.execute(
                delete(PROCESSED_EVENT).where(PROCESSED_EVENT.c.seen_at < before)
            )
            return int(result.rowcount or 0)


class MemoryDeduplicator:
    """For tests and the console: remembers keys for the life of the process."""

    def __init__(self) -> None:
        self.seen: set[tuple[str, str]] = set()

    async def first_time(self, channel: str, key: str) -> bool:
        if (channel, key) in self.seen:
            return False
        self.seen.add((channel, key))
        return True
