"""Shared pytest fixtures (registered from tests/conftest.py): the bot driven over real HTTP.

The harness runs the production code path: `build_services` -> `build_dispatcher` ->
`create_bot` (AiohttpSession + retry middleware, TELEGRAM_API_BASE = the stand-in) ->
`dp.start_polling(bot)` as an asyncio task, against `tests/support/bot_api.BotAPIStandIn`, an
aiohttp server on 127.0.0.1 with a free port. Each test gets a fresh stand-in and a temp SQLite
file; the real answerer is built once per test session.

Fixtures
--------
``bot_api`` -> BotAPIStandIn
    The running stand-in (see its module docstring: error injection, recorded requests, ...).
``harness`` -> BotHarness
    A started bot with the REAL knowledge base and answerer (session-scoped, loaded once).
``fake_harness`` -> BotHarness
    A started bot with the deterministic doubles of tests/support/doubles.py (FakeKnowledgeBase,
    FakeAnswerer): fast, for tests about flows rather than retrieval.
``make_harness`` -> async factory ``(*, answerer=None, kb=None, start=True, **settings)``
    Build a harness with other settings, e.g. ``await make_harness(smebot_now=datetime(...),
    throttle_seconds=1.0)``. Defaults: the doubles, ``throttle_seconds=0`` (tests send fast),
    short retry backoff. Every harness it made is stopped at teardown.
``real_answerer`` / ``real_kb`` / ``answerer_data_dir`` (session)
    The real retrieval answerer and knowledge base,
    and the data dir with the answerer's index (point a subprocess's SMEBOT_DATA_DIR at it).
``fake_answerer`` / ``fake_kb``
    Fresh doubles.

BotHarness API (all waits raise TimeoutError with the chat's last messages when they expire)
----------------------------------------------------------------------------------------------
``harness.api``, ``.services``, ``.settings``, ``.db``, ``.dp``, ``.bot``
``await harness.send(user_id, text, *, chat_id=None, chat_type="private", reply_to=None,
        first_name=None, language_code=None) -> Sent``
    Queue a user message (commands and mentions get real entities). ``Sent.mark`` is the
    change counter before it, ``Sent.update`` the update dict.
``await harness.send_content(user_id, kind, **kw) -> Sent``   photo/sticker/voice/document/location
``await harness.press(user_id, message, button) -> Sent``
    Press a button the bot actually sent on ``message`` (SentMessage), by its text (exact, then
    substring) or callback data.
``await harness.wait_for(chat_id, predicate=None, timeout=10, *, after=None) -> SentMessage``
    First message (sent or edited after ``after``) whose visible text contains ``predicate``
    (str) or for which ``predicate(msg)`` is true.
``await harness.reply(user_id, text, predicate=None, timeout=10, **send_kw) -> SentMessage``
    ``send`` + ``wait_for`` the first matching message in the user's private chat after it.
``await harness.click(user_id, message, button, predicate=None, timeout=10) -> SentMessage``
    ``press`` + ``wait_for`` in the message's chat.
``await harness.settle(timeout=10)``
    Wait until every queued update was fetched and all handlers finished.
``harness.messages(chat_id, *, after=None) -> list[SentMessage]``   what the chat shows
``harness.user_row(user_id) -> infra.users.User | None``
``harness.feedback() -> list[handlers.ask.models.Feedback]``
``await harness.restart()``   stop polling, then a new dispatcher + bot on the same DB and
    stand-in (the answerer and knowledge base are reused)
``await harness.start(*, handle_signals=False, extra_routers=())``   (re)start after ``stop()``
    or with ``make_harness(start=False)``; ``extra_routers`` (test-only routers) see updates
    before the bot's own routers
``await harness.stop()``   clean stop (shutdown hooks run, session closed); teardown calls it

SentMessage (tests/support/bot_api.py): ``.text`` (visible), ``.html`` (as sent), ``.buttons``,
``.button_texts``, ``.reply_markup``, ``.kind`` ("text"/"photo"/"document"), ``.file_name``,
``.file_bytes``, ``.history`` (earlier texts), ``.message_id``, ``.chat_id``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiogram import Router

from bot.app import Services, build_dispatcher, build_services, create_bot
from handlers.ask.models import Feedback
from infra.middlewares import in_flight_tracker
from infra.settings import Settings
from infra.users import User
from tests.support.bot_api import DEFAULT_TOKEN, BotAPIStandIn, SentMessage
from tests.support.doubles import FakeAnswerer, FakeKnowledgeBase
from tests.support.engines import Backend

POLLING_TIMEOUT = 5  # seconds the bot's getUpdates waits; new updates wake it at once


@dataclass(frozen=True)
class Sent:
    """What `send`/`press` queued: the update and the change counter just before it."""

    update: dict[str, Any]
    mark: int

    @property
    def update_id(self) -> int:
        return int(self.update["update_id"])


class BotHarness:
    """One bot process, driven through the stand-in. See the module docstring."""

    def __init__(
        self,
        api: BotAPIStandIn,
        settings: Settings,
        *,
        answerer: Any,
        kb: Any,
    ) -> None:
        self.api = api
        self.settings = settings
        self.answerer = answerer
        self.kb = kb
        self.services: Services | None = None
        self._task: asyncio.Task[None] | None = None
        self.dp: Any = None
        self.bot: Any = None

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(
        self,
        timeout: float = 15.0,  # noqa: ASYNC109
        *,
        handle_signals: bool = False,
        extra_routers: Sequence[Router] = (),
    ) -> BotHarness:
        """Build services, dispatcher and bot, start polling, return once it polls.
        `handle_signals=True` lets aiogram install its SIGTERM/SIGINT handlers (shutdown tests);
        `extra_routers` are test routers offered every update before the bot's own.
        """
        if self._task is not None:
            raise RuntimeError("already running")
        self.services = build_services(self.settings, kb=self.kb, answerer=self.answerer)
        self.dp = build_dispatcher(self.services)
        for router in reversed(extra_routers):
            self.dp.include_router(router)
            # aiogram offers updates to sub-routers in list order: put the test router first.
            self.dp.sub_routers.remove(router)
            self.dp.sub_routers.insert(0, router)
        self.bot = create_bot(self.services)
        calls_before = self.api.get_updates_calls
        self._task = asyncio.create_task(
            self.dp.start_polling(
                self.bot, handle_signals=handle_signals, polling_timeout=POLLING_TIMEOUT
            ),
            name="smebot-polling",
        )
        # Ready once the loop asks for updates: startup hooks (menu, scheduler) have run.
        deadline = time.monotonic() + timeout
        while self.api.get_updates_calls <= calls_before:
            if self._task.done():
                await self._task  # re-raise what broke start-up
                raise RuntimeError("polling ended during start-up")
            if time.monotonic() > deadline:
                raise TimeoutError("the bot did not start polling")
            await asyncio.sleep(0.01)
        return self

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        if not task.done():
            await self.dp.stop_polling()
        await task  # propagates an exception that ended polling
        if self.services is not None:
            await self.services.close()
            self.services.db.dispose()

    async def restart(self) -> BotHarness:
        await self.stop()
        return await self.start()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    @property
    def db(self) -> Any:
        assert self.services is not None, "harness not started"
        return self.services.db

    # -- user side ---------------------------------------------------------------------------

    async def send(self, user_id: int, text: str, **kwargs: Any) -> Sent:
        mark = self.api.mark()
        update = self.api.send_message(user_id, text, **kwargs)
        await asyncio.sleep(0)
        return Sent(update, mark)

    async def send_content(self, user_id: int, kind: str, **kwargs: Any) -> Sent:
        mark = self.api.mark()
        update = self.api.send_content(user_id, kind, **kwargs)
        await asyncio.sleep(0)
        return Sent(update, mark)

    async def press(self, user_id: int, message: SentMessage, button: str) -> Sent:
        mark = self.api.mark()
        update = self.api.press(user_id, message, button)
        await asyncio.sleep(0)
        return Sent(update, mark)

    # -- waiting -----------------------------------------------------------------------------

    async def wait_for(
        self,
        chat_id: int,
        predicate: Callable[[SentMessage], bool] | str | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109
        *,
        after: int | None = None,
    ) -> SentMessage:
        self._check_alive()
        return await self.api.wait_for(chat_id, predicate, timeout, after=after)

    async def reply(
        self,
        user_id: int,
        text: str,
        predicate: Callable[[SentMessage], bool] | str | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109
        **send_kwargs: Any,
    ) -> SentMessage:
        sent = await self.send(user_id, text, **send_kwargs)
        chat_id = send_kwargs.get("chat_id") or user_id
        return await self.wait_for(chat_id, predicate, timeout, after=sent.mark)

    async def click(
        self,
        user_id: int,
        message: SentMessage,
        button: str,
        predicate: Callable[[SentMessage], bool] | str | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> SentMessage:
        sent = await self.press(user_id, message, button)
        return await self.wait_for(message.chat_id, predicate, timeout, after=sent.mark)

    async def settle(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Every queued update fetched and confirmed, and no handler running (stable twice)."""
        deadline = time.monotonic() + timeout
        tracker = in_flight_tracker(self.dp)
        stable = 0
        while stable < 2:
            self._check_alive()
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"not idle after {timeout}s: {self.api.pending_updates} updates queued, "
                    f"{tracker.in_flight} in flight"
                )
            idle = (
                self.api.confirmed_update_id >= self.api.last_update_id
                and tracker.in_flight == 0
            )
            stable = stable + 1 if idle else 0
            await asyncio.sleep(0.02)

    def _check_alive(self) -> None:
        if self._task is not None and self._task.done() and not self._task.cancelled():
            exc = self._task.exception()
            if exc is not None:
                raise RuntimeError("the polling loop died") from exc

    # -- state -------------------------------------------------------------------------------

    def messages(self, chat_id: int, *, after: int | None = None) -> list[SentMessage]:
        return self.api.messages(chat_id, after=after)

    def user_row(self, user_id: int) -> User | None:
        with self.db.session() as session:
            return session.get(User, user_id)

    def feedback(self) -> list[Feedback]:
        from sqlmodel import select

        with self.db.session() as session:
            return list(session.exec(select(Feedback)).all())


def harness_settings(api: BotAPIStandIn, data_dir: Path, **overrides: Any) -> Settings:
    """Settings for a bot talking to `api`, storing in `data_dir` (a temp SQLite file)."""
    values: dict[str, Any] = {
        "telegram_bot_token": api.token,
        "telegram_api_base": api.base_url,
        "smebot_data_dir": data_dir,
        "database_url": f"sqlite:///{data_dir / 'bot.sqlite3'}",
        "throttle_seconds": 0.0,
        "telegram_retry_base_delay": 0.05,
        "webhook_url": None,
    }
    values.update(overrides)
    return Settings(**values)


# -------------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture
async def bot_api() -> AsyncIterator[BotAPIStandIn]:
    api = BotAPIStandIn(DEFAULT_TOKEN)
    await api.start()
    try:
        yield api
    finally:
        await api.close()


@pytest.fixture
def fake_kb() -> FakeKnowledgeBase:
    return FakeKnowledgeBase()


@pytest.fixture
def fake_answerer() -> FakeAnswerer:
    return FakeAnswerer()


@pytest.fixture(scope="session")
def real_kb() -> Any:
    from knowledge.kb import default_knowledge_base

    return default_knowledge_base()


@pytest.fixture(scope="session")
def answerer_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The data dir holding the real answerer's index and caches. A subprocess pointed at it
    (SMEBOT_DATA_DIR) reuses the index instead of building its own."""
    return tmp_path_factory.mktemp("answerer-data")


@pytest.fixture(scope="session")
def real_answerer(answerer_data_dir: Path) -> Any:
    """The real answerer, built once per session (index build + model: seconds)."""
    from retrieval.service import build_answerer

    settings = Settings(
        smebot_data_dir=answerer_data_dir,
        database_url=f"sqlite:///{answerer_data_dir / 'unused.sqlite3'}",
    )
    # "off": handler tests need the same answer every time; the model is tested in retrieval.
    answerer = build_answerer(settings.retrieval.model_copy(update={"dense_mode": "off"}))
    # Build the index here, once: a subprocess pointed at this data dir (`smebot run`) reuses
    # it instead of embedding every chunk at its own start-up.
    answerer.dense.ensure()
    return answerer


HarnessFactory = Callable[..., Awaitable[BotHarness]]


@pytest.fixture
async def make_harness(
    bot_api: BotAPIStandIn, tmp_path: Path, backend: Backend
) -> AsyncIterator[HarnessFactory]:
    """Harnesses on the test's backend: a SQLite file each, or (with TEST_DATABASE_URL /
    TEST_REDIS_URL) a fresh PostgreSQL schema each and the test's Redis key prefix."""
    made: list[BotHarness] = []

    async def make(
        *, answerer: Any = None, kb: Any = None, start: bool = True, **overrides: Any
    ) -> BotHarness:
        data_dir = tmp_path / f"bot-{len(made)}"
        if backend.is_postgres:
            overrides.setdefault(
                "database_url", backend.database_url if not made else backend.new_database_url()
            )
        if backend.redis_url:
            overrides.setdefault("redis_url", backend.redis_url)
            overrides.setdefault("redis_prefix", f"{backend.redis_prefix}:{len(made)}")
        harness = BotHarness(
            bot_api,
            harness_settings(bot_api, data_dir, **overrides),
            answerer=answerer if answerer is not None else FakeAnswerer(),
            kb=kb if kb is not None else FakeKnowledgeBase(),
        )
        made.append(harness)
        if start:
            await harness.start()
        return harness

    try:
        yield make
    finally:
        for harness in reversed(made):
            await harness.stop()


@pytest.fixture
async def fake_harness(make_harness: HarnessFactory) -> BotHarness:
    return await make_harness()


@pytest.fixture
async def harness(make_harness: HarnessFactory, real_answerer: Any, real_kb: Any) -> BotHarness:
    return await make_harness(answerer=real_answerer, kb=real_kb)
