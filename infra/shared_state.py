"""State shared by every replica when `REDIS_URL` is set; in-process (or database) otherwise.

| what | with Redis | without |
|---|---|---|
| FSM state and data (/assess, /remind in progress) | aiogram `RedisStorage` | the database |
| per-user ordering of updates | `OrderedRedisEventIsolation` (FIFO, Redis lock) | per process |
| bot-wide and per-chat send limits | `RedisSendLimiter` (Lua, one window for all) | per process |
| inbound de-duplication (update_id, MsgId …) | `RedisDeduplicator` (`SET NX`) | the database |

Every key starts with `REDIS_PREFIX` (default "smebot"), so several bots (or test runs) can share
one Redis.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiogram.fsm.storage.base import (
    BaseEventIsolation,
    BaseStorage,
    DefaultKeyBuilder,
    KeyBuilder,
    StorageKey,
)
from aiogram.fsm.storage.memory import MemoryStorage, SimpleEventIsolation

from infra.dedup import DatabaseDeduplicator, Deduplicator, RedisDeduplicator
from infra.fsm import DatabaseStorage, FsmRecord
from infra.shared_limits import RedisSendLimiter

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from infra.db import Database
    from infra.settings import Settings

logger = logging.getLogger(__name__)

# A conversation left half-way is forgotten after this long (Redis expires its keys).
FSM_TTL_SECONDS = 30 * 24 * 3600
# How long one user's update may hold the per-user lock before another replica may take it.
ISOLATION_LOCK_SECONDS = 120
# Connections per pool (the process has two: FSM storage, and everything else).
REDIS_MAX_CONNECTIONS = 32


@dataclass
class SharedState:
    redis: Redis | None
    storage: BaseStorage
    isolation: BaseEventIsolation
    dedup: Deduplicator
    limiter: RedisSendLimiter | None
    prefix: str

    @property
    def fsm_key_builder(self) -> DefaultKeyBuilder:
        return DefaultKeyBuilder(prefix=f"{self.prefix}:fsm", with_destiny=True)

    async def count_fsm_sessions(self) -> int:
        """Conversations with a state set (a flow in progress), on every replica."""
        if self.redis is not None:
            count = 0
            async for _ in self.redis.scan_iter(match=f"{self.prefix}:fsm:*:state", count=1000):
                count += 1
            return count
        if isinstance(self.storage, MemoryStorage):
            return sum(1 for record in self.storage.storage.values() if record.state)
        if isinstance(self.storage, DatabaseStorage):
            return await asyncio.to_thread(_count_db_states, self.storage)
        return 0

    def send_limiter(
        self, scope: str, *, rate_per_second: float, per_chat_per_second: float
    ) -> RedisSendLimiter | None:
        """The send window of one platform (`scope`: "telegram", "wecom" …), shared by every
        replica; None without Redis. Telegram's is `limiter` itself (keys `<prefix>:send:…`);
        another platform's limits are its own, so its keys are `<prefix>:<scope>:send:…`."""
        if self.redis is None:
            return None
        if scope == "telegram" and self.limiter is not None:
            return self.limiter
        return RedisSendLimiter(
            self.redis, rate_per_second=rate_per_second,
            per_chat_per_second=per_chat_per_second, prefix=f"{self.prefix}:{scope}",
        )

    async def ping(self) -> None:
        if self.redis is not None:
            await self.redis.ping()

    async def close(self) -> None:
        await self.storage.close()
        await self.isolation.close()
        await self.dedup.close()
        if self.redis is not None:
            # The client was built on its own pool: `aclose()` alone would return its
            # connections to the pool and leave them open (unclosed sockets at exit).
            await self.redis.aclose(close_connection_pool=True)


class OrderedRedisEventIsolation(BaseEventIsolation):
    """One user's updates one at a time across replicas, and in arrival order within one.

    aiogram's `RedisEventIsolation` alone is a Redis lock whose waiters poll it (every 0.1 s):
    whichever poll comes first wins, so of two updates of one user fetched in one batch the
    second could run first (and not see the state the first one sets), and five queued
    questions were answered out of order. Here a local `asyncio.Lock` per key queues this
    process' waiters first-come first-served, and only the head of that queue contends for
    the Redis lock with the other replicas.
    """

    def __init__(self, redis: Redis, *, key_builder: KeyBuilder, lock_timeout: float) -> None:
        self.redis = redis
        self.key_builder = key_builder
        self.lock_timeout = lock_timeout
        # key -> (lock, users): an entry lives while someone holds or waits for the key.
        self._local: dict[str, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def lock(self, key: StorageKey) -> AsyncGenerator[None, None]:
        name = self.key_builder.build(key, "lock")
        local, users = self._local.get(name, (asyncio.Lock(), 0))
        self._local[name] = (local, users + 1)
        try:
            async with local, self.redis.lock(name=name, timeout=self.lock_timeout):
                yield None
        finally:
            local, users = self._local[name]
            if users <= 1:
                del self._local[name]
            else:
                self._local[name] = (local, users - 1)

    async def close(self) -> None:
        """Nothing to close: the client belongs to `SharedState`."""


def _client(url: str) -> Any:
    """A client whose pool queues a burst instead of opening a connection per waiting command
    (a hundred users at once made hundreds of connects, and some timed out)."""
    from redis.asyncio import BlockingConnectionPool, Redis

    pool = BlockingConnectionPool.from_url(
        url, max_connections=REDIS_MAX_CONNECTIONS, timeout=30, socket_connect_timeout=10
    )
    # from_pool: the client owns the pool, so closing the client disconnects it.
    return Redis.from_pool(pool)


def _count_db_states(storage: DatabaseStorage) -> int:
    from sqlalchemy import func, select

    with storage.db.session() as session:
        query = select(func.count()).select_from(FsmRecord).where(FsmRecord.state.isnot(None))  # type: ignore[union-attr]
        return int(session.execute(query).scalar_one())


def build_shared_state(
    settings: Settings, db: Database, *, storage: BaseStorage | None = None
) -> SharedState:
    """Redis-backed when `settings.redis_url` is set, else in-process/database.

    `storage` is the no-Redis FSM storage (default: in memory)."""
    prefix = settings.redis_prefix
    if settings.redis_url:
        from aiogram.fsm.storage.redis import RedisStorage

        redis: Any = _client(settings.redis_url)
        keys = DefaultKeyBuilder(prefix=f"{prefix}:fsm", with_destiny=True)
        return SharedState(
            redis=redis,
            # Its own connection pool: the dispatcher closes its storage at shutdown, while the
            # scheduler may still be sending through the limiter.
            storage=RedisStorage(
                _client(settings.redis_url), key_builder=keys,
                state_ttl=FSM_TTL_SECONDS, data_ttl=FSM_TTL_SECONDS,
            ),
            isolation=OrderedRedisEventIsolation(
                redis, key_builder=keys, lock_timeout=ISOLATION_LOCK_SECONDS
            ),
            dedup=RedisDeduplicator(redis, prefix=prefix),
            limiter=RedisSendLimiter(
                redis,
                rate_per_second=settings.send_rate_per_second,
                per_chat_per_second=settings.send_rate_per_chat_per_second,
                prefix=prefix,
            ),
            prefix=prefix,
        )
    return SharedState(
        redis=None,
        storage=storage or MemoryStorage(),
        isolation=SimpleEventIsolation(),
        dedup=DatabaseDeduplicator(db),
        limiter=None,
        prefix=prefix,
    )
