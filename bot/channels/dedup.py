"""Seen-before checks for inbound platform callbacks (WeCom retries a callback three times,
Feishu and DingTalk redeliver events): each delivery key is processed once, across restarts.

`Deduplicator` is the interface; `SqlDeduplicator` backs it with a table in the bot's database
(an INSERT that fails on the primary key means "seen"), which is atomic across processes that
share the database. A Redis-backed implementation (SET NX with a TTL) can replace it without
touching the channels.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel

# Platforms retry within minutes; keys older than this are forgotten.
DEFAULT_RETENTION = timedelta(days=3)


class Deduplicator(Protocol):
    async def first_time(self, channel: str, key: str) -> bool:
        """True exactly once per (channel, key); False for every later delivery."""
        ...


class ProcessedEvent(SQLModel, table=True):
    """One inbound delivery already accepted (message id or event key, per channel)."""

    __tablename__ = "processed_event"

    channel: str = Field(primary_key=True, max_length=32)
    event_key: str = Field(primary_key=True, max_length=255)
    seen_at: datetime = Field(index=True)


class SqlDeduplicator:
    """Deduplicator on the SQL database (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine, *, retention: timedelta = DEFAULT_RETENTION) -> None:
        self.engine = engine
        self.retention = retention
        SQLModel.metadata.create_all(engine, tables=[ProcessedEvent.__table__])  # type: ignore[list-item]
        self._inserts = 0

    def first_time_sync(self, channel: str, key: str) -> bool:
        now = datetime.now(UTC)
        try:
            with Session(self.engine) as session:
                session.add(ProcessedEvent(channel=channel, event_key=key[:255], seen_at=now))
                session.commit()
        except IntegrityError:
            return False
        self._inserts += 1
        if self._inserts % 500 == 0:
            self.prune(now - self.retention)
        return True

    async def first_time(self, channel: str, key: str) -> bool:
        return await asyncio.to_thread(self.first_time_sync, channel, key)

    def prune(self, before: datetime) -> int:
        with Session(self.engine) as session:
            result = session.execute(
                delete(ProcessedEvent).where(ProcessedEvent.seen_at < before)  # type: ignore[arg-type]
            )
            session.commit()
            return int(result.rowcount or 0)  # type: ignore[attr-defined]


class MemoryDeduplicator:
    """For tests and the console: remembers keys for the life of the process."""

    def __init__(self) -> None:
        self.seen: set[tuple[str, str]] = set()

    async def first_time(self, channel: str, key: str) -> bool:
        if (channel, key) in self.seen:
            return False
        self.seen.add((channel, key))
        return True
