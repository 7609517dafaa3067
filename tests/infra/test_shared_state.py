"""State shared by replicas: de-duplication (memory, database, Redis) and the Redis send limits.
Redis tests exist when TEST_REDIS_URL is set (CI); database ones run on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from infra.db import Database
from infra.dedup import DatabaseDeduplicator, MemoryDeduplicator, RedisDeduplicator
from infra.shared_limits import RedisSendLimiter, window_shape


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[Any]:
    from redis.asyncio import Redis

    client = Redis.from_url(redis_url)
    try:
        yield client
    finally:
        await client.aclose()


async def _check_dedup(first: Any, second: Any) -> None:
    assert await first.first_time("wecom", "msg-1")
    assert not await second.first_time("wecom", "msg-1")  # the other replica sees it
    assert not await first.first_time("wecom", "msg-1")
    assert await second.first_time("feishu", "msg-1")  # scopes are separate
    await first.forget("wecom", "msg-1")  # handling failed: the retry is processed
    assert await second.first_time("wecom", "msg-1")
    assert await first.first_time("tg", 7, ttl_seconds=0.05)
    await asyncio.sleep(0.1)
    assert await second.first_time("tg", 7)  # expired


async def test_memory_dedup() -> None:
    dedup = MemoryDeduplicator(max_keys=3)
    await _check_dedup(dedup, dedup)
    for key in range(10):  # bounded: the oldest keys go first
        assert await dedup.first_time("x", key)
    assert len(dedup._seen) <= 3


async def test_database_dedup_is_shared_by_processes_on_one_database(db_url: str) -> None:
    import bot.schema  # noqa: F401

    one, two = Database(db_url), Database(db_url)
    one.create_all()
    try:
        await _check_dedup(DatabaseDeduplicator(one), DatabaseDeduplicator(two))
        # Racing replicas: exactly one of them takes the event.
        racers = [DatabaseDeduplicator(Database(db_url)) for _ in range(4)]
        results = await asyncio.gather(*(r.first_time("dingtalk", "race") for r in racers))
        assert sorted(results) == [False, False, False, True]
        for racer in racers:
            racer.db.dispose()
    finally:
        one.dispose()
        two.dispose()


async def test_redis_dedup(redis_client: Any, redis_prefix: str) -> None:
    await _check_dedup(RedisDeduplicator(redis_client, prefix=redis_prefix),
                       RedisDeduplicator(redis_client, prefix=redis_prefix))


def test_window_shape_matches_the_in_process_limiter() -> None:
    assert window_shape(25) == (0.2, 5)
    assert window_shape(30) == (0.2, 6)
    assert window_shape(7) == (1.0, 7)
    assert window_shape(0.5) == (2.0, 1)


async def test_two_replicas_share_one_global_rate(redis_client: Any, redis_prefix: str) -> None:
    """Two limiters (two replicas) sending as fast as they may: together never more than the
    rate in any second, and not much less either."""
    rate = 20.0
    a, b = (RedisSendLimiter(redis_client, rate_per_second=rate, per_chat_per_second=1000,
                             prefix=redis_prefix) for _ in range(2))
    granted: list[float] = []

    async def send(limiter: RedisSendLimiter, chat: int) -> None:
        await limiter.acquire(chat)
        granted.append(time.monotonic())

    started = time.monotonic()
    await asyncio.gather(*(send(a if i % 2 else b, i) for i in range(60)))
    elapsed = time.monotonic() - started
    granted.sort()
    busiest = max(sum(1 for t in granted if start <= t < start + 1.0) for start in granted)
    assert busiest <= rate + 1  # +1: grant times are read a moment after Redis' own clock
    assert 60 / rate - 1.2 <= elapsed <= 60 / rate + 1.5


async def test_per_chat_spacing_and_pauses_hold_across_replicas(
    redis_client: Any, redis_prefix: str
) -> None:
    a, b = (RedisSendLimiter(redis_client, rate_per_second=100, per_chat_per_second=4,
                             prefix=redis_prefix) for _ in range(2))
    times: list[float] = []
    for limiter in (a, b, a, b):
        await limiter.acquire(42)
        times.append(time.monotonic())
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert min(gaps) >= 0.2  # 4 per second in one chat, whichever replica sends
    await a.pause(0.5)  # a bot-wide 429 seen by replica A …
    started = time.monotonic()
    await b.acquire(7)  # … holds replica B back too
    assert time.monotonic() - started >= 0.4
    await b.delay_chat(9, 0.3)
    started = time.monotonic()
    await a.acquire(9)
    assert time.monotonic() - started >= 0.25


async def test_redis_isolation_keeps_arrival_order_and_excludes_replicas(
    redis_client: Any, redis_prefix: str
) -> None:
    """One user's updates run one at a time across replicas, and in arrival order within one
    (aiogram's bare Redis lock let whichever waiter polled first win)."""
    from aiogram.fsm.storage.base import DefaultKeyBuilder, StorageKey

    from infra.shared_state import OrderedRedisEventIsolation

    keys = DefaultKeyBuilder(prefix=f"{redis_prefix}:fsm", with_destiny=True)
    replicas = [OrderedRedisEventIsolation(redis_client, key_builder=keys, lock_timeout=10)
                for _ in range(2)]
    key = StorageKey(bot_id=1, chat_id=5, user_id=5)
    order: list[tuple[int, int]] = []
    holders = 0

    async def update(replica: int, n: int) -> None:
        nonlocal holders
        async with replicas[replica].lock(key):
            holders += 1
            assert holders == 1  # never two at once, whichever replica
            order.append((replica, n))
            await asyncio.sleep(0.01)
            holders -= 1

    await asyncio.gather(*(update(n % 2, n) for n in range(12)))
    for replica in (0, 1):
        seen = [n for r, n in order if r == replica]
        assert seen == sorted(seen)  # each replica: arrival order
    assert len(order) == 12
    assert all(not r._local for r in replicas)  # nothing left behind per user


async def test_closing_shared_state_closes_every_redis_connection(
    redis_url: str, redis_prefix: str
) -> None:
    from infra.settings import Settings
    from infra.shared_state import build_shared_state

    settings = Settings(redis_url=redis_url, redis_prefix=redis_prefix)
    shared = build_shared_state(settings, db=None)  # type: ignore[arg-type]  (Redis needs none)
    await shared.ping()
    await shared.storage.set_state(_key(), "flow:step")
    pools = [shared.redis.connection_pool, shared.storage.redis.connection_pool]  # type: ignore[union-attr, attr-defined]
    await shared.close()
    for pool in pools:
        idle, busy = pool._available_connections, pool._in_use_connections
        assert not any(c.is_connected for c in [*idle, *busy])


def _key() -> Any:
    from aiogram.fsm.storage.base import StorageKey

    return StorageKey(bot_id=1, chat_id=9, user_id=9)


async def test_update_dedup_releases_the_mark_when_handling_raises() -> None:
    from types import SimpleNamespace

    from infra.dedup import UpdateDedupMiddleware

    middleware = UpdateDedupMiddleware(MemoryDeduplicator())
    update = SimpleNamespace(update_id=41)
    handled: list[int] = []

    async def failing(event: Any, _data: dict[str, Any]) -> None:
        raise ConnectionError("redis went away")

    async def working(event: Any, _data: dict[str, Any]) -> str:
        handled.append(event.update_id)
        return "ok"

    with pytest.raises(ConnectionError):
        await middleware(failing, update, {})
    assert await middleware(working, update, {}) == "ok"  # Telegram's redelivery is handled
    assert await middleware(working, update, {}) is None  # and then it is a duplicate
    assert handled == [41]
