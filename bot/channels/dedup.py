"""Inbound de-duplication: platforms redeliver events (Feishu retries an unanswered callback,
DingTalk redelivers an un-ACKed Stream frame), so each event id is processed once.

`EventDeduplicator` is the small interface the channels call; `SqlDeduplicator` keeps the ids in
the bot's database (survives restarts, shared by processes on one database). A Redis-backed
implementation (SET NX with a TTL) can replace it without touching the channels; the signature
is the one `infra.dedup.Deduplicator` announces, so that one drops in when it lands.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import Column, DateTime, MetaData, String, Table, delete, insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

metadata = MetaData()

# One row per (channel, event id) seen. Portable SQL only (SQLite and PostgreSQL).
seen_events = Table(
    "channel_seen_events",
    metadata,
    Column("channel", String(16), primary_key=True),
    Column("event_id", String(128), primary_key=True),
    Column("seen_at", DateTime(timezone=True), nullable=False, index=True),
)


class EventDeduplicator(Protocol):
    async def first_time(self, scope: str, key: str | int, *,
                         ttl_seconds: float = 86400.0) -> bool:
        """Record (scope, key); True only the first time it is seen within ttl_seconds."""
        ...


class MemoryDeduplicator:
    """For tests and the console: forgets on restart."""

    def __init__(self) -> None:
        self._seen: set[tuple[str, str]] = set()

    async def first_time(self, scope: str, key: str | int, *,
                         ttl_seconds: float = 86400.0) -> bool:
        item = (scope, str(key))
        if item in self._seen:
            return False
        self._seen.add(item)
        return True


class SqlDeduplicator:
    """Event ids in a table; the primary key makes the check-and-record atomic."""

    def __init__(self, engine: Engine, *, keep: timedelta = timedelta(days=3)) -> None:
        self.engine = engine
        self.keep = keep  # platforms retry for hours at most; older rows are pruned
        self._writes = 0
        metadata.create_all(engine)

    async def first_time(self, scope: str, key: str | int, *,
                         ttl_seconds: float = 86400.0) -> bool:
        return await asyncio.to_thread(self._record, scope, str(key)[:128])

    def _record(self, channel: str, event_id: str) -> bool:
        now = datetime.now(UTC)
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    insert(seen_events).values(channel=channel, event_id=event_id, seen_at=now)
                )
        except IntegrityError:
            return False
        self._writes += 1
        if self._writes % 500 == 0:
            with self.engine.begin() as connection:
                connection.execute(
                    delete(seen_events).where(seen_events.c.seen_at < now - self.keep))
        return True
