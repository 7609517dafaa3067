"""Middlewares: outbound retries (unit), throttling, per-user ordering, errors, users/lang."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram import Bot
from aiogram.exceptions import (
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import GetUpdates, SendMessage

import infra.telegram as telegram_module
from infra.retry import RetryPolicy
from infra.telegram import RetryMiddleware, retries_handled_by_caller
from tests.support.doubles import FakeAnswerer
from tests.support.fixtures import BotHarness, HarnessFactory

METHOD = SendMessage(chat_id=77, text="x")


class Script:
    """A make_request that raises the scripted errors, then succeeds."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self, bot: Bot, method: Any) -> Any:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    recorded: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        recorded.append(seconds)

    monkeypatch.setattr(telegram_module.asyncio, "sleep", fake_sleep)
    return recorded


BOT = Bot("1:x")


async def test_retry_after_waits_exactly_as_asked(sleeps: list[float]) -> None:
    script = Script(TelegramRetryAfter(METHOD, "Too Many Requests", retry_after=7))
    assert await RetryMiddleware()(script, BOT, METHOD) == "ok"
    assert (script.calls, sleeps) == (2, [7.0])


async def test_server_and_network_errors_back_off_exponentially(sleeps: list[float]) -> None:
    script = Script(
        TelegramServerError(METHOD, "Bad Gateway"),
        TelegramNetworkError(METHOD, "Request timeout error"),
        TelegramServerError(METHOD, "Internal Server Error"),
    )
    middleware = RetryMiddleware(RetryPolicy(max_attempts=4, base_delay=0.5))
    assert await middleware(script, BOT, METHOD) == "ok"
    assert script.calls == 4
    assert len(sleeps) == 3
    for delay, base in zip(sleeps, (0.5, 1.0, 2.0), strict=True):
        assert base <= delay <= base * 1.1  # doubling, with at most 10 % jitter


async def test_gives_up_after_max_attempts(sleeps: list[float]) -> None:
    script = Script(*(TelegramServerError(METHOD, "down") for _ in range(5)))
    with pytest.raises(TelegramServerError):
        await RetryMiddleware(RetryPolicy(max_attempts=3))(script, BOT, METHOD)
    assert script.calls == 3


async def test_absurd_retry_after_is_not_waited_for(sleeps: list[float]) -> None:
    script = Script(TelegramRetryAfter(METHOD, "flood", retry_after=3600))
    with pytest.raises(TelegramRetryAfter):
        await RetryMiddleware(RetryPolicy(max_retry_after=60))(script, BOT, METHOD)
    assert sleeps == []


async def test_forbidden_reports_the_chat_and_does_not_retry(sleeps: list[float]) -> None:
    blocked: list[int] = []
    script = Script(TelegramForbiddenError(METHOD, "Forbidden: bot was blocked by the user"))
    with pytest.raises(TelegramForbiddenError):
        await RetryMiddleware(on_forbidden=blocked.append)(script, BOT, METHOD)
    assert (script.calls, blocked, sleeps) == (1, [77], [])


async def test_callers_with_their_own_retry_policy_get_one_attempt(sleeps: list[float]) -> None:
    # The reminder Sender retries itself; a second layer here would multiply its attempts.
    script = Script(TelegramServerError(METHOD, "Bad Gateway"))
    with retries_handled_by_caller(), pytest.raises(TelegramServerError):
        await RetryMiddleware(RetryPolicy(max_attempts=4))(script, BOT, METHOD)
    assert (script.calls, sleeps) == (1, [])
    # Outside the block the middleware retries again, and 403s are still reported inside it.
    retrying = RetryMiddleware(RetryPolicy(max_attempts=4))
    assert await retrying(Script(TelegramServerError(METHOD, "x")), BOT, METHOD) == "ok"
    blocked: list[int] = []
    with retries_handled_by_caller(), pytest.raises(TelegramForbiddenError):
        await RetryMiddleware(on_forbidden=blocked.append)(
            Script(TelegramForbiddenError(METHOD, "Forbidden")), BOT, METHOD
        )
    assert blocked == [77]


async def test_get_updates_is_left_to_the_polling_loop(sleeps: list[float]) -> None:
    script = Script(TelegramServerError(GetUpdates(), "down"))
    with pytest.raises(TelegramServerError):
        await RetryMiddleware()(script, BOT, GetUpdates())
    assert script.calls == 1


async def test_throttling_lets_a_short_burst_through(make_harness: HarnessFactory) -> None:
    # /start and a question sent right after it: both are answered, nothing is lost.
    h = await make_harness(throttle_seconds=30, throttle_burst=3)
    first = await h.send(204, "/start")
    await h.send(204, "集群有效期多久？")
    await h.send(204, "年报什么时候交？")
    await h.settle()
    texts = [m.text for m in h.messages(204, after=first.mark)]
    assert sum("/assess" in t for t in texts) == 1  # the greeting
    assert sum("📖" in t for t in texts) == 2  # both answers, with their sources
    assert not any("请稍等" in t for t in texts)


async def test_throttling_drops_floods_with_one_hint(make_harness: HarnessFactory) -> None:
    h = await make_harness(throttle_seconds=30, throttle_burst=2)
    first = await h.send(201, "集群有效期多久？")
    for _ in range(4):
        await h.send(201, "集群有效期多久？")
    await h.settle()
    texts = [m.text for m in h.messages(201, after=first.mark)]
    assert sum("出处" in t for t in texts) == 2  # the burst
    assert sum("请稍等" in t for t in texts) == 1  # one hint for the rest of the flood
    # Buttons are not throttled.
    answer = next(m for m in h.messages(201) if m.buttons)
    await h.click(201, answer, "查看原文", "第十五条")
    # Another user is not affected.
    assert "出处" in (await h.reply(202, "集群有效期多久？", "出处")).text


async def test_one_users_updates_are_handled_in_order(fake_harness: BotHarness) -> None:
    h = fake_harness
    questions = [f"问题{n}：天气" for n in range(5)]
    for question in questions:
        await h.send(203, question)
    await h.settle()
    echoed = [m.text.splitlines()[0] for m in h.messages(203)]
    assert echoed == [f"❓ {q}" for q in questions]


async def test_failing_button_handler_stops_spinner_and_apologises(
    make_harness: HarnessFactory,
) -> None:
    class Broken(FakeAnswerer):
        def ask(self, question: str, lang: str | None = None) -> Any:
            raise ValueError("boom")

    h = await make_harness(answerer=Broken())
    start = await h.reply(204, "/start")
    sent = await h.press(204, start, "有效期")
    apology = await h.wait_for(204, "出了点问题", after=sent.mark)
    assert apology.text.startswith("抱歉")
    assert str(sent.update["callback_query"]["id"]) in h.api.callback_answers
    assert "Hello" in (await h.reply(204, "/start", language_code="en")).text


async def test_user_row_tracks_profile_and_language(fake_harness: BotHarness) -> None:
    h = fake_harness
    await h.reply(205, "/help", first_name="张三", language_code="zh-hans")
    row = h.user_row(205)
    assert row is not None and (row.first_name, row.language_code) == ("张三", "zh-hans")
    reply = await h.reply(205, "/help", first_name="Zhang", language_code="en-GB")
    assert reply.text.startswith("How to use")
    assert h.user_row(205).first_name == "Zhang"  # type: ignore[union-attr]


async def test_state_set_by_one_update_is_seen_by_the_next(fake_harness: BotHarness) -> None:
    """Two updates of one user in one getUpdates batch: the second must see the FSM state the
    first one set (events isolation: the state is read once the first update is done)."""
    from aiogram import Router
    from aiogram.filters import Command, StateFilter
    from aiogram.fsm.context import FSMContext
    from aiogram.types import Message

    h = fake_harness
    await h.stop()
    probe = Router(name="probe")

    @probe.message(Command("begin"))
    async def begin(message: Message, state: FSMContext) -> None:
        await message.answer("begun")  # a network wait before the state changes
        await state.set_state("probing")

    @probe.message(StateFilter("probing"))
    async def in_state(message: Message, state: FSMContext) -> None:
        await state.clear()
        await message.answer(f"got {message.text}")

    # Queue both before the bot polls, so they arrive in one batch and run as concurrent tasks.
    h.api.send_message(206, "/begin")
    h.api.send_message(206, "42")
    await h.start(extra_routers=[probe])
    await h.wait_for(206, "got 42")
    assert [m.text for m in h.messages(206)] == ["begun", "got 42"]


def test_retry_policy_from_settings_and_backoff() -> None:
    from infra.settings import Settings

    policy = RetryPolicy.from_settings(
        Settings(telegram_max_attempts=5, telegram_retry_base_delay=1.0,
                 telegram_max_retry_after=30.0)
    )
    assert (policy.max_attempts, policy.base_delay, policy.max_retry_after) == (5, 1.0, 30.0)
    assert policy.waits_for(30.0) and not policy.waits_for(31.0)
    assert 4.0 <= policy.backoff(3) <= 4.4
    assert RetryPolicy(base_delay=1.0, max_delay=3.0, jitter=0.0).backoff(10) == 3.0
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
