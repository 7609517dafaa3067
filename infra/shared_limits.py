"""Send limits shared by every replica through Redis (the in-process limiter stays for one process).

Telegram's limits are per bot: about 30 messages a second in all and one a second per chat. With
two replicas each keeping its own limiter the bot sends twice the rate. `RedisSendLimiter` keeps
the same sliding-window rule as `WindowLimiter` (never more than `cap` sends in any `period`),
counted on grant times in one Redis sorted set, plus the per-chat spacing, in one Lua script so
the check and the grant are atomic across replicas. Redis' own clock (`TIME`) is the clock, so
replicas whose clocks disagree still share one window.

The script returns 0 when the send may go now (and records it), a negative number of milliseconds
when the chat must wait, a positive one when the bot-wide window must. Within one replica a FIFO
lock lets one task at a time wait on the bot-wide window (no herd of tasks polling Redis), while a
task whose chat must wait steps aside.
"""

from __future__ import annotations

import asyncio
import itertools
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from redis.asyncio import Redis

# KEYS: 1 global window (zset), 2 global pause-until (string, ms), 3 chat next-at (string, ms)
# ARGV: 1 cap, 2 period ms, 3 per-chat interval ms, 4 unique member
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local cap = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
local interval = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - period)
if interval > 0 then
  local chat_next = tonumber(redis.call('GET', KEYS[3]) or '0')
  if chat_next > now then return now - chat_next end
end
local wait = 0
local paused = tonumber(redis.call('GET', KEYS[2]) or '0')
if paused - now > wait then wait = paused - now end
if redis.call('ZCARD', KEYS[1]) >= cap then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  local free_at = tonumber(oldest[2]) + period
  if free_at - now > wait then wait = free_at - now end
end
if wait > 0 then return wait end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], period * 2)
if interval > 0 then
  redis.call('SET', KEYS[3], now + interval, 'PX', interval * 2)
end
return 0
"""

_PAUSE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local until_ms = now + tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if until_ms > current then
  redis.call('SET', KEYS[1], until_ms, 'PX', tonumber(ARGV[1]) + 1000)
end
return until_ms
"""


def window_shape(rate: float) -> tuple[float, int]:
    """(period seconds, cap): the same shape as the in-process WindowLimiter."""
    if rate <= 0:
        raise ValueError("rate must be positive")
    fifth = rate * 0.2
    if fifth >= 1 and abs(fifth - round(fifth)) < 1e-9:
        return 0.2, round(fifth)
    if rate >= 1:
        return 1.0, int(rate)
    return 1.0 / rate, 1


class RedisSendLimiter:
    """The bot-wide window and the per-chat spacing, shared through Redis."""

    def __init__(
        self,
        redis: Redis,
        *,
        rate_per_second: float,
        per_chat_per_second: float,
        prefix: str = "smebot",
    ) -> None:
        self.redis = redis
        self.period, self.cap = window_shape(rate_per_second)
        self.chat_interval = 1.0 / per_chat_per_second if per_chat_per_second > 0 else 0.0
        self.prefix = prefix
        self._acquire = redis.register_script(_ACQUIRE)
        self._pause = redis.register_script(_PAUSE)
        self._ids = itertools.count()
        self._lock = asyncio.Lock()
        self._origin = f"{os.getpid()}-{id(self):x}"

    @property
    def window_key(self) -> str:
        return f"{self.prefix}:send:window"

    @property
    def pause_key(self) -> str:
        return f"{self.prefix}:send:paused"

    def chat_key(self, chat_id: int) -> str:
        return f"{self.prefix}:send:chat:{chat_id}"

    async def _try(self, chat_id: int) -> int:
        member = f"{self._origin}-{next(self._ids)}"
        args = [self.cap, int(self.period * 1000), int(self.chat_interval * 1000), member]
        keys = [self.window_key, self.pause_key, self.chat_key(chat_id)]
        return int(await self._acquire(keys=keys, args=args))

    async def acquire(self, chat_id: int) -> None:
        """Wait until this replica may send to `chat_id`; the grant is recorded for everyone."""
        while True:
            async with self._lock:
                while (wait_ms := await self._try(chat_id)) > 0:  # noqa: ASYNC110 (time)
                    await asyncio.sleep(wait_ms / 1000 + 0.001)
                if wait_ms == 0:
                    return
            await asyncio.sleep(-wait_ms / 1000 + 0.001)  # the chat waits; others go first

    async def pause(self, seconds: float) -> None:
        """Everyone waits `seconds` (Telegram said the bot-wide limit was hit)."""
        await self._pause(keys=[self.pause_key], args=[max(1, int(seconds * 1000))])

    async def delay_chat(self, chat_id: int, seconds: float) -> None:
        """One chat waits `seconds` on every replica (a 429 for that chat)."""
        ms = max(1, int(seconds * 1000))
        await self._pause(keys=[self.chat_key(chat_id)], args=[ms])
