"""De-duplication of inbound events shared across replicas: one implementation for every channel.

Platforms deliver at least once: Telegram re-sends a webhook update that was not answered 200 in
time, WeCom retries a callback three times when the answer takes more than 5 s, Feishu and
DingTalk re-deliver events. With several replicas behind one address the retry may reach another
process, so "seen" must be shared:

- `RedisDeduplicator` (`REDIS_URL` set): `SET key 1 NX PX ttl`, atomic across every replica;
- `DatabaseDeduplicator` (no Redis): an INSERT on the `dedup_keys` table's primary key, shared by
  every process on the same database; expired keys are swept now and then;
- `MemoryDeduplicator`: one process only (tests, the console).

Call `first_time(scope, key)` when the event arrives, before handling it; when handling raises,
`release_after_failure` undoes it, so a redelivery of the event (any replica) is handled.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Column, DateTime, Index, delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, SQLModel

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from infra.db import Database

logger = logging.getLogger(__name__)

DEFAULT_TTL_SECONDS = 24 * 3600.0
_SWEEP_EVERY_SECONDS = 600.0


class DedupKey(SQLModel, table=True):
    """An inbound event already taken by some process, until `expires_at`."""

    __tablename__ = "dedup_keys"
    __table_args__ = (Index("ix_dedup_keys_expires_at", "expires_at"),)

    scope: str = Field(primary_key=True, max_length=32)
    key: str = Field(primary_key=True, max_length=200)
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class Deduplicator(Protocol):
    async def first_time(
        self, scope: str, key: str | int, *, ttl_seconds: float = DEFAULT_TTL_SECONDS
    ) -> bool:
        """True for the first caller of (scope, key) on any replica within the TTL."""

    async def forget(self, scope: str, key: str | int) -> None:
        """Undo `first_time` after a failed handling, so a retry is processed."""

    async def close(self) -> None: ...


class MemoryDeduplicator:
    """In-process: keys with their expiry on the monotonic clock, swept as they are added."""

    def __init__(self, *, max_keys: int = 100_000) -> None:
        self._seen: dict[tuple[str, str], float] = {}
        self.max_keys = max_keys

    async def first_time(
        self, scope: str, key: str | int, *, ttl_seconds: float = DEFAULT_TTL_SECONDS
    ) -> bool:
        now = time.monotonic()
        item = (scope, str(key))
        expires = self._seen.get(item)
        if expires is not None and expires > now:
            return False
        if len(self._seen) >= self.max_keys:
            self._seen = {k: v for k, v in self._seen.items() if v > now}
            while len(self._seen) >= self.max_keys:  # still full: drop the oldest
                self._seen.pop(next(iter(self._seen)))
        self._seen[item] = now + ttl_seconds
        return True

    async def forget(self, scope: str, key: str | int) -> None:
        self._seen.pop((scope, str(key)), None)

    async def close(self) -> None:
        self._seen.clear()


class RedisDeduplicator:
    """`SET NX` with an expiry: one round trip, atomic across replicas."""

    def __init__(self, redis: Redis, *, prefix: str = "smebot") -> None:
        self.redis = redis
        self.prefix = prefix

    def _key(self, scope: str, key: str | int) -> str:
        return f"{self.prefix}:dedup:{scope}:{key}"

    async def first_time(
        self, scope: str, key: str | int, *, ttl_seconds: float = DEFAULT_TTL_SECONDS
    ) -> bool:
        created = await self.redis.set(
            self._key(scope, key), b"1", nx=True, px=max(1, int(ttl_seconds * 1000))
        )
        return bool(created)

    async def forget(self, scope: str, key: str | int) -> None:
        await self.redis.delete(self._key(scope, key))

    async def close(self) -> None:
        return None  # the connection belongs to whoever made it


class DatabaseDeduplicator:
    """A primary-key INSERT on `dedup_keys`: the database refuses the second one."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._last_sweep = 0.0

    async def first_time(
        self, scope: str, key: str | int, *, ttl_seconds: float = DEFAULT_TTL_SECONDS
    ) -> bool:
        return await asyncio.to_thread(self._first_time, scope, str(key), ttl_seconds)

    def _first_time(self, scope: str, key: str, ttl_seconds: float) -> bool:
        now = datetime.now(UTC)
        with self.db.session() as session:
            if time.monotonic() - self._last_sweep > _SWEEP_EVERY_SECONDS:
                self._last_sweep = time.monotonic()
                session.execute(delete(DedupKey).where(DedupKey.expires_at < now))  # type: ignore[arg-type]
                session.commit()
            existing = session.get(DedupKey, (scope, key))
            if existing is not None:
                if _aware(existing.expires_at) > now:
                    return False
                session.delete(existing)
                session.commit()
            session.add(
                DedupKey(scope=scope, key=key, expires_at=now + timedelta(seconds=ttl_seconds))
            )
            try:
                session.commit()
            except IntegrityError:  # another process inserted it between our read and write
                session.rollback()
                return False
        return True

    async def forget(self, scope: str, key: str | int) -> None:
        await asyncio.to_thread(self._forget, scope, str(key))

    def _forget(self, scope: str, key: str) -> None:
        with self.db.session() as session:
            session.execute(
                delete(DedupKey).where(DedupKey.scope == scope, DedupKey.key == key)  # type: ignore[arg-type]
            )
            session.commit()

    async def close(self) -> None:
        return None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


async def release_after_failure(dedup: Deduplicator, scope: str, key: str | int) -> None:
    """Handling (scope, key) raised: forget the mark, or a redelivery would be dropped as a
    duplicate of an event nobody handled. Never raises: the handling error is the one to log."""
    try:
        await dedup.forget(scope, key)
    except Exception:
        logger.warning("could not release the de-dup mark of %s %s", scope, key, exc_info=True)


async def handle_once(
    dedup: Deduplicator,
    scope: str,
    key: str | int,
    handle: Callable[[], Awaitable[object]],
    *,
    source: str,
) -> None:
    """Run `handle` unless any replica took (scope, key) before; when it raises, release the
    mark so a redelivery is handled. Logs and never raises: the bot never dies on an event."""
    try:
        if not await dedup.first_time(scope, key):
            logger.info("%s event %s seen before; skipped", source, key)
            return
    except Exception:
        logger.exception("%s event %s: de-duplication failed", source, key)
        return
    try:
        await handle()
    except Exception:
        logger.exception("%s event %s failed", source, key)
        await release_after_failure(dedup, scope, key)


class UpdateDedupMiddleware:
    """Outer update middleware: an update_id already taken by any replica is dropped; an update
    whose handling raised (the error middleware answers handler errors, so: the database, Redis
    or a shutdown) gives its update_id back for a redelivery."""

    def __init__(self, dedup: Deduplicator, *, scope: str = "tg") -> None:
        self.dedup = dedup
        self.scope = scope

    async def __call__(
        self,
        handler: Callable[[Any, dict[str, Any]], Awaitable[Any]],
        event: Any,
        data: dict[str, Any],
    ) -> Any:
        update_id = getattr(event, "update_id", None)
        if update_id is not None and not await self.dedup.first_time(self.scope, update_id):
            logger.info("update %s already handled elsewhere: dropped", update_id)
            return None
        try:
            return await handler(event, data)
        except (Exception, asyncio.CancelledError):
            if update_id is not None:
                await release_after_failure(self.dedup, self.scope, update_id)
            raise
