"""Update middlewares, registered on `dp.update.outer_middleware` in this order (outermost first).
One user's updates are serialised before any of these by aiogram's own FSM middleware with
`events_isolation=SimpleEventIsolation()` (bot/app.py): it takes the per-user lock, then reads
the FSM state, so a flow's second answer always sees the state its first answer stored.

1. `InFlightTracker` — counts updates being handled, so shutdown (SIGTERM, tests) can wait for
   them to finish before the bot session closes. aiogram's polling cancels the polling task on
   a signal but does not wait for the per-update tasks it spawned.
2. `ErrorMiddleware` — any exception from a handler is logged with its context (update id, user,
   chat, what they sent) and the user is told that something went wrong; the bot keeps running.
3. `ThrottlingMiddleware` — drops a user's *messages* arriving faster than
   `settings.throttle_seconds` apart (one polite hint per burst). Button presses are not
   throttled: they are cheap and dropping one would leave a spinner on the user's screen.
   The hint is sent in private chats only.
4. `UserMiddleware` — upserts the DB user row and injects `user` (infra.users.User, or None
   for updates without a sender) and `lang` ("zh"/"en": the /lang choice stored in the DB, else
   derived from Telegram's language_code).

DB sessions: there is deliberately no per-update session middleware. Handlers await Telegram
between their DB steps; a session held across those awaits would pin a connection (and on
SQLite a write lock) for seconds. Handlers open short `with db.session() as session:` blocks
around their repo calls instead. SQLite calls are quick enough to run on the loop thread; the
one every update makes (the user upsert) runs in a worker thread, since on PostgreSQL it is
network round trips.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware, Bot, Dispatcher
from aiogram.exceptions import TelegramForbiddenError
from aiogram.types import Chat, TelegramObject, Update
from aiogram.types import User as TgUser

from infra.clock import Clock
from infra.db import Database
from infra.i18n import t
from infra.users import User, effective_lang, lang_from_code, upsert_user

logger = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]

class InFlightTracker(BaseMiddleware):
    """Counts updates in progress; `wait_idle()` returns once none is left."""

    def __init__(self) -> None:
        self.in_flight = 0
        self.handled = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        self.in_flight += 1
        self._idle.clear()
        try:
            return await handler(event, data)
        finally:
            self.in_flight -= 1
            self.handled += 1
            if self.in_flight == 0:
                self._idle.set()

    async def wait_idle(self, timeout: float | None = None) -> bool:  # noqa: ASYNC109
        """True when idle, False when `timeout` passed with updates still running."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True


_trackers: weakref.WeakKeyDictionary[Dispatcher, InFlightTracker] = weakref.WeakKeyDictionary()


def in_flight_tracker(dp: Dispatcher) -> InFlightTracker:
    """The tracker `build_dispatcher` installed on `dp`."""
    return _trackers[dp]


def install_tracker(dp: Dispatcher) -> InFlightTracker:
    """Install the tracker outermost, before aiogram's own FSM middleware: an update waiting for
    the per-user lock (events isolation) is in flight too, or shutdown and tests could see an
    idle bot with updates still queued behind a lock."""
    tracker = InFlightTracker()
    _trackers[dp] = tracker
    manager = dp.update.outer_middleware
    existing = list(manager)
    for middleware in existing:
        manager.unregister(middleware)
    for middleware in [tracker, *existing]:
        manager.register(middleware)
    return tracker


def _describe(event: TelegramObject) -> str:
    """A short, log-safe description of what the user sent."""
    if isinstance(event, Update):
        if event.message is not None:
            content = event.message.text or event.message.caption or event.message.content_type
            return f"message {content[:200]!r}"
        if event.callback_query is not None:
            return f"callback {event.callback_query.data!r}"
        return f"update type {event.event_type}"
    return type(event).__name__


class ErrorMiddleware(BaseMiddleware):
    """Turns a failing handler into a log entry and an apology instead of a silent bot."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        try:
            return await handler(event, data)
        except TelegramForbiddenError:
            # The user blocked the bot (already marked inactive by the request middleware):
            # nobody to apologise to.
            user = data.get("event_from_user")
            logger.info("chat blocked the bot; user %s", user.id if user else None)
            return None
        except Exception:
            user: TgUser | None = data.get("event_from_user")  # type: ignore[no-redef]
            chat: Chat | None = data.get("event_chat")
            logger.exception(
                "handler failed: update %s from user %s in chat %s (%s)",
                getattr(event, "update_id", "?"),
                user.id if user else None,
                chat.id if chat else None,
                _describe(event),
            )
            await self._apologise(event, data, chat)
            return None

    @staticmethod
    async def _apologise(event: TelegramObject, data: dict[str, Any], chat: Chat | None) -> None:
        bot: Bot | None = data.get("bot")
        if bot is None or chat is None:
            return
        lang = data.get("lang") or lang_from_code(
            getattr(data.get("event_from_user"), "language_code", None)
        )
        try:
            if isinstance(event, Update) and event.callback_query is not None:
                # Stop the spinner on the pressed button; ignore if it was already answered.
                try:
                    await bot.answer_callback_query(event.callback_query.id)
                except Exception:
                    logger.debug("callback query already answered", exc_info=True)
            await bot.send_message(chat.id, t("error.generic", lang))
        except Exception:
            logger.warning("could not tell chat %s about the error", chat.id, exc_info=True)


class ThrottlingMiddleware(BaseMiddleware):
    """Per-user token bucket over messages: a burst of `burst` passes at once (people often send
    /start and a question, or two lines, in a row: those must never be lost); after that one
    message per `min_interval`. Only a flood beyond that is dropped, with one hint per flood.
    Buttons are not throttled."""

    def __init__(self, min_interval: float, *, burst: int = 5, hint: bool = True) -> None:
        self.min_interval = min_interval
        self.burst = max(1, burst)
        self.hint = hint
        self._buckets: dict[int, tuple[float, float]] = {}  # user id -> (tokens, at)
        self._hinted: set[int] = set()

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if self.min_interval <= 0 or not isinstance(event, Update) or event.message is None:
            return await handler(event, data)
        user: TgUser | None = data.get("event_from_user")
        if user is None:
            return await handler(event, data)
        now = time.monotonic()
        tokens, at = self._buckets.get(user.id, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - at) / self.min_interval)
        if tokens < 1.0:
            self._buckets[user.id] = (tokens, now)
            logger.info("throttled a message from user %s", user.id)
            # No hint in groups: most group messages are not addressed to the bot at all.
            if self.hint and user.id not in self._hinted and event.message.chat.type == "private":
                self._hinted.add(user.id)
                lang = lang_from_code(user.language_code)
                await event.message.answer(t("throttle.hint", lang))
            return None
        self._buckets[user.id] = (tokens - 1.0, now)
        self._hinted.discard(user.id)
        if len(self._buckets) > 10_000:  # keep memory bounded: a refilled bucket is the default
            refill = self.burst * self.min_interval
            self._buckets = {uid: b for uid, b in self._buckets.items() if now - b[1] < refill}
        return await handler(event, data)


class UserMiddleware(BaseMiddleware):
    """Upserts the sender's row and injects `user` and `lang`."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def _upsert(self, tg_user: TgUser) -> User:
        with self.db.session() as session:
            return upsert_user(
                session,
                user_id=tg_user.id,
                first_name=tg_user.first_name,
                username=tg_user.username,
                language_code=tg_user.language_code,
                now=self.clock(),
            )

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        tg_user: TgUser | None = data.get("event_from_user")
        if tg_user is None or tg_user.is_bot:
            data["user"] = None
            data["lang"] = "zh"
            return await handler(event, data)
        # In a worker thread: every update passes here, and on PostgreSQL each statement is a
        # network round trip that, on the loop thread, stalls every other user's update (under
        # a burst most of a replica's loop time went here).
        user = await asyncio.to_thread(self._upsert, tg_user)
        data["user"] = user
        data["lang"] = effective_lang(user)
        return await handler(event, data)

