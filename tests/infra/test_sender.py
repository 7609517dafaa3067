"""The rate-limited sender: global and per-chat pacing, 429 / 5xx / 403 / 400 handling."""

from __future__ import annotations

import asyncio
import itertools

from infra.retry import RetryPolicy
from infra.sender import Sender, WindowLimiter
from infra.settings import Settings
from tests.support.fake_telegram import (
    FakeTelegram,
    blocked,
    make_bot,
    server_error,
    too_many,
)


def max_in_window(times: list[float], window: float) -> int:
    """The most events inside any half-open window of `window` seconds."""
    times = sorted(times)
    best = start = 0
    for end, t in enumerate(times):
        while t - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


async def test_global_rate_is_never_exceeded() -> None:
    tg = FakeTelegram()
    sender = Sender(rate_per_second=50.0, per_chat_per_second=100.0)
    bot = make_bot(tg)
    results = await asyncio.gather(*(sender.send_message(bot, chat, "hi")
                                     for chat in range(60)))
    assert all(r.ok for r in results)
    times = [c.at for c in tg.calls]
    # 10 per fifth of a second: 60 messages need six sub-windows, so at least a second.
    assert max(times) - min(times) >= 1.0 - 0.01
    assert max_in_window(times, 1.0) <= 50


async def test_per_chat_spacing_and_order() -> None:
    tg = FakeTelegram()
    sender = Sender(rate_per_second=1000.0, per_chat_per_second=10.0)
    bot = make_bot(tg)
    await asyncio.gather(
        *(sender.send_message(bot, 1, f"m{i}") for i in range(4)),
        *(sender.send_message(bot, 2, f"n{i}") for i in range(4)),
    )
    for chat in (1, 2):
        calls = [c for c in tg.calls if c.chat_id == chat]
        gaps = [b.at - a.at for a, b in itertools.pairwise(calls)]
        assert all(gap >= 0.1 - 0.005 for gap in gaps), gaps
        assert [c.text for c in calls] == [f"{'m' if chat == 1 else 'n'}{i}" for i in range(4)]
    # The two chats interleave: the per-chat limit does not serialise different chats.
    first_of_2 = next(c.at for c in tg.calls if c.chat_id == 2)
    last_of_1 = [c.at for c in tg.calls if c.chat_id == 1][-1]
    assert first_of_2 < last_of_1


async def test_retry_after_is_honoured_for_that_chat() -> None:
    tg = FakeTelegram(script=lambda chat, n: too_many(1) if chat == 5 and n == 0 else None)
    sender = Sender(rate_per_second=1000.0, per_chat_per_second=1000.0)
    bot = make_bot(tg)
    result, other = await asyncio.gather(sender.send_message(bot, 5, "x"),
                                         sender.send_message(bot, 6, "y"))
    assert result.ok and other.ok and result.attempts == 2
    first, retry = [c for c in tg.calls if c.chat_id == 5]
    assert retry.at - first.at >= 1.0 - 0.01
    # Another chat was not held up by chat 5's 429.
    assert next(c.at for c in tg.calls if c.chat_id == 6) - first.at < 0.5
    assert sender.stats["retry_after"] == 1


async def test_retry_after_from_two_chats_pauses_everyone() -> None:
    tg = FakeTelegram(script=lambda chat, n: too_many(1) if chat in (1, 2) and n == 0 else None)
    sender = Sender(rate_per_second=1000.0, per_chat_per_second=1000.0)
    bot = make_bot(tg)
    await asyncio.gather(sender.send_message(bot, 1, "a"), sender.send_message(bot, 2, "b"))
    start = tg.calls[0].at
    await sender.send_message(bot, 3, "c")
    assert tg.calls[-1].chat_id == 3 and tg.calls[-1].at - start >= 0.95


async def test_server_errors_back_off_then_give_up() -> None:
    tg = FakeTelegram(script=lambda chat, n: server_error() if chat == 1 or n < 1 else None)
    sender = Sender(rate_per_second=1000.0, per_chat_per_second=1000.0,
                    retry=RetryPolicy(max_attempts=3, base_delay=0.05))
    bot = make_bot(tg)
    failing, flaky = await asyncio.gather(sender.send_message(bot, 1, "a"),
                                          sender.send_message(bot, 2, "b"))
    assert failing.status == "failed" and failing.retryable and failing.attempts == 3
    assert "Bad Gateway" in (failing.error or "")
    assert flaky.ok and flaky.attempts == 2
    ones = [c.at for c in tg.calls if c.chat_id == 1]
    assert ones[1] - ones[0] >= 0.05 - 0.005 and ones[2] - ones[1] >= 0.1 - 0.005  # doubling


async def test_forbidden_is_reported_and_not_retried() -> None:
    tg = FakeTelegram(script=lambda chat, _n: blocked())
    sender = Sender(rate_per_second=1000.0, per_chat_per_second=1000.0)
    result = await sender.send_message(make_bot(tg), 77, "x")
    assert result.status == "forbidden" and len(tg.calls) == 1


async def test_bad_request_is_permanent() -> None:
    tg = FakeTelegram(script=lambda _c, _n: (400, "Bad Request: can't parse entities", None))
    sender = Sender(rate_per_second=1000.0, per_chat_per_second=1000.0)
    result = await sender.send_message(make_bot(tg), 1, "<b>")
    assert result.status == "failed" and not result.retryable and len(tg.calls) == 1


async def test_gate_aborts_before_sending() -> None:
    tg = FakeTelegram()
    sender = Sender(rate_per_second=1000.0, per_chat_per_second=1000.0)
    result = await sender.send_message(make_bot(tg), 1, "x", gate=lambda: False)
    assert result.status == "aborted" and tg.calls == []


def test_from_settings_and_limiter() -> None:
    settings = Settings(send_rate_per_second=25.0, send_max_attempts=2,
                        telegram_max_retry_after=45.0, telegram_retry_base_delay=0.25)
    sender = Sender.from_settings(settings)
    assert sender.rate_per_second == 25.0 and sender.retry.max_attempts == 2
    # The same policy as the session middleware: TELEGRAM_MAX_RETRY_AFTER is honoured here too.
    assert sender.retry == RetryPolicy.from_settings(settings).with_attempts(2)
    assert sender.retry.max_retry_after == 45.0 and sender.retry.base_delay == 0.25
    assert (WindowLimiter(25.0, lambda: 0.0).period, WindowLimiter(25.0, lambda: 0.0).cap) == (
        0.2, 5)
    assert (WindowLimiter(1.0, lambda: 0.0).period, WindowLimiter(1.0, lambda: 0.0).cap) == (
        1.0, 1)
    assert WindowLimiter(0.5, lambda: 0.0).period == 2.0


async def test_a_stalled_loop_cannot_burst_past_the_limit() -> None:
    import time

    tg = FakeTelegram()
    sender = Sender(rate_per_second=20.0, per_chat_per_second=1000.0)
    bot = make_bot(tg)
    tasks = [asyncio.create_task(sender.send_message(bot, chat, "x")) for chat in range(30)]
    await asyncio.sleep(0.1)
    time.sleep(0.5)  # noqa: ASYNC251 (the point: the loop stalls with sends queued)
    await asyncio.gather(*tasks)
    times = [c.at for c in tg.calls]
    assert max_in_window(times, 1.0) <= 20
