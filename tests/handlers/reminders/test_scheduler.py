"""Exactly-once reminder delivery: due times, catch-up, leases, crashes, two schedulers."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from handlers.reminders import repo
from handlers.reminders.models import CLAIMED, DEAD, PENDING, SENT, SUPERSEDED
from handlers.reminders.scheduler import ReminderScheduler
from handlers.reminders.views import render_reminder
from infra.db import Database
from infra.sender import Sender
from infra.settings import Settings
from tests.support.fake_telegram import (
    FakeTelegram,
    blocked,
    make_bot,
    server_error,
    too_many,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    """A local (Asia/Shanghai) moment."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


class MutableClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def make_scheduler(db: Database, clock: MutableClock, *, settings: Settings) -> ReminderScheduler:
    """A scheduler with its own sender (the composition root shares one per process)."""
    return ReminderScheduler(db=db, clock=clock, settings=settings,
                             sender=Sender.from_settings(settings))


def fast_settings(**overrides: object) -> Settings:
    values: dict[str, object] = {
        "send_rate_per_second": 2000.0,
        "send_rate_per_chat_per_second": 2000.0,
        "telegram_retry_base_delay": 0.0,
        "reminder_retry_delay_seconds": 0.0,
        "reminder_lease_seconds": 300.0,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def db(db_url: str) -> Database:
    # SQLite file, and PostgreSQL when TEST_DATABASE_URL is set (tests/support/engines.py).
    database = Database(db_url)
    database.create_all()
    yield database  # type: ignore[misc]
    database.dispose()


def subscribe(db: Database, *, chat_id: int, created: datetime, batch_year: int | None = 2022,
              kinds: tuple[str, ...] = ("annual_report", "renewal_review", "custom"),
              leads: tuple[int, ...] = (30, 7, 1)) -> int:
    with db.session() as session:
        sub = repo.create_subscription(
            session, user_id=chat_id, chat_id=chat_id, cluster_name=f"集群<{chat_id}>",
            batch_year=batch_year, kinds=kinds, lead_days=leads, now=created,
        )
    return int(sub.id or 0)


def statuses(db: Database) -> Counter[str]:
    with db.session() as session:
        return Counter(d.status for d in repo.list_deliveries(session))


async def test_reminders_go_out_at_each_lead_time_once(db: Database) -> None:
    clock = MutableClock(at("2025-03-01T10:00"))
    subscribe(db, chat_id=101, created=clock.now)
    tg = FakeTelegram()
    scheduler = make_scheduler(db, clock, settings=fast_settings())
    bot = make_bot(tg)

    clock.now = at("2025-03-31T08:59")  # a minute before the 30-day reminder
    assert (await scheduler.run_once(bot)).sent == 0
    clock.now = at("2025-03-31T09:00")
    assert (await scheduler.run_once(bot)).sent == 1
    assert (await scheduler.run_once(bot)).sent == 0  # a reload resends nothing
    clock.now = at("2025-04-23T09:30")
    assert (await scheduler.run_once(bot)).sent == 1
    clock.now = at("2025-04-29T09:00")
    assert (await scheduler.run_once(bot)).sent == 1
    texts = [c.text or "" for c in tg.delivered]
    assert len(texts) == 3
    assert "还有 30 天" in texts[0] and "还有 7 天" in texts[1] and "明天截止" in texts[2]
    assert all("2025-04-30" in t and "集群&lt;101&gt;" in t for t in texts)  # HTML escaped
    assert statuses(db) == Counter({SENT: 3})


async def test_catch_up_collapses_to_one_message_per_deadline(db: Database) -> None:
    clock = MutableClock(at("2025-03-01T10:00"))
    subscribe(db, chat_id=7, created=clock.now)
    tg = FakeTelegram()
    scheduler = make_scheduler(db, clock, settings=fast_settings())
    # Down from before the 30-day reminder until after the 7-day one.
    clock.now = at("2025-04-25T11:00")
    report = await scheduler.run_once(make_bot(tg))
    assert report.sent == 1
    assert "还有 5 天" in (tg.delivered[0].text or "")
    with db.session() as session:
        rows = repo.list_deliveries(session)
    assert [(r.deadline_key, r.lead_days, r.status) for r in rows] == [
        ("annual_report:2025", 7, SENT)
    ]
    assert (await scheduler.run_once(make_bot(tg))).sent == 0
    # The 1-day reminder still comes on its own day.
    clock.now = at("2025-04-29T09:00")
    assert (await scheduler.run_once(make_bot(tg))).sent == 1


async def test_pending_larger_lead_is_superseded_not_sent(db: Database) -> None:
    clock = MutableClock(at("2025-03-01T10:00"))
    sub_id = subscribe(db, chat_id=8, created=clock.now)
    # The 30-day row was recorded, then the bot died before sending it.
    with db.session() as session:
        repo.ensure_deliveries(session, due=[repo.DueReminder(
            subscription_id=sub_id, chat_id=8, deadline_key="annual_report:2025",
            kind="annual_report", title="t", due=at("2025-04-30T00:00").date(), lead_days=30)],
            now=at("2025-03-31T09:00"))
    clock.now = at("2025-04-24T09:00")
    tg = FakeTelegram()
    await make_scheduler(db, clock, settings=fast_settings()).run_once(make_bot(tg))
    assert len(tg.delivered) == 1
    with db.session() as session:
        by_lead = {r.lead_days: r.status for r in repo.list_deliveries(session)}
    assert by_lead == {30: SUPERSEDED, 7: SENT}


async def test_no_reminder_for_a_passed_deadline_or_before_subscribing(db: Database) -> None:
    clock = MutableClock(at("2025-04-29T12:00"))  # after the 1-day reminder time
    subscribe(db, chat_id=9, created=clock.now)
    tg = FakeTelegram()
    scheduler = make_scheduler(db, clock, settings=fast_settings())
    assert (await scheduler.run_once(make_bot(tg))).sent == 0
    clock.now = at("2025-05-02T09:00")  # 04-30 passed while down
    assert (await scheduler.run_once(make_bot(tg))).sent == 0
    assert tg.calls == []


async def test_crash_after_claim_is_retried_only_after_the_lease(db: Database) -> None:
    clock = MutableClock(at("2025-03-01T10:00"))
    subscribe(db, chat_id=11, created=clock.now)
    clock.now = at("2025-03-31T09:00")
    settings = fast_settings(reminder_lease_seconds=120.0)
    scheduler = make_scheduler(db, clock, settings=settings)
    await asyncio.to_thread(scheduler._plan)
    # A first process claims the row and dies before sending or marking it.
    with db.session() as session:
        claimed = repo.claim_batch(session, token="crashed", now=clock.now, lease_seconds=120.0,
                                   today=clock.now.date(), limit=10)
    assert len(claimed) == 1
    tg = FakeTelegram()
    clock.now += timedelta(seconds=60)
    assert (await scheduler.run_once(make_bot(tg))).sent == 0  # lease still held
    clock.now += timedelta(seconds=61)
    report = await scheduler.run_once(make_bot(tg))
    assert report.sent == 1
    # The crashed claimer cannot overwrite the outcome when it comes back.
    with db.session() as session:
        assert not repo.mark_dead(session, delivery_id=int(claimed[0].id or 0), token="crashed",
                                  error="late", now=clock.now)
    assert statuses(db) == Counter({SENT: 1})
    clock.now += timedelta(hours=1)
    assert (await scheduler.run_once(make_bot(tg))).sent == 0
    assert len(tg.delivered) == 1


async def _two_schedulers(db_url: str) -> tuple[Any, Any, FakeTelegram]:
    """Two schedulers on one database (two engines) delivering 120 due reminders at once."""
    first, second = Database(db_url), Database(db_url)
    first.create_all()
    clock = MutableClock(at("2025-03-01T10:00"))
    for chat in range(1, 121):
        subscribe(first, chat_id=chat, created=clock.now)
    clock.now = at("2025-03-31T09:00")
    tg = FakeTelegram(latency=0.03)  # slow enough that both are still claiming
    settings = fast_settings(reminder_batch_size=7)
    a = make_scheduler(first, clock, settings=settings)
    b = make_scheduler(second, clock, settings=settings)
    ra, rb = await asyncio.gather(a.run_once(make_bot(tg)), b.run_once(make_bot(tg)))
    assert statuses(first) == Counter({SENT: 120})
    first.dispose()
    second.dispose()
    return ra, rb, tg


async def test_two_schedulers_on_one_database_never_double_send(db_url: str) -> None:
    """SQLite: one file, two engines; PostgreSQL: FOR UPDATE SKIP LOCKED claims."""
    ra, rb, tg = await _two_schedulers(db_url)
    per_chat = Counter(c.chat_id for c in tg.delivered)
    assert len(per_chat) == 120 and set(per_chat.values()) == {1}
    assert ra.sent + rb.sent == 120


async def test_two_schedulers_on_one_database_share_the_work(db_url: str) -> None:
    # On PostgreSQL this once failed: a claim of 7 took all 120 rows (see repo.claim_batch).
    ra, rb, _ = await _two_schedulers(db_url)
    assert ra.sent > 0 and rb.sent > 0  # both really worked
    assert ra.claimed + rb.claimed == 120


async def test_a_claim_takes_at_most_its_batch(db: Database) -> None:
    """One claim of 7 out of 120 due rows takes 7, on every engine."""
    clock = MutableClock(at("2025-03-01T10:00"))
    for chat in range(1, 121):
        subscribe(db, chat_id=chat, created=clock.now)
    clock.now = at("2025-03-31T09:00")
    scheduler = make_scheduler(db, clock, settings=fast_settings(reminder_batch_size=7))
    assert scheduler._plan() == (120, 0)
    rows, _ = scheduler._claim("token-1", 7)
    assert len(rows) == 7
    assert statuses(db) == Counter({PENDING: 113, CLAIMED: 7})


async def test_cancelled_scheduler_hands_work_back_and_a_new_one_finishes(db: Database) -> None:
    clock = MutableClock(at("2025-03-01T10:00"))
    for chat in range(1, 41):
        subscribe(db, chat_id=chat, created=clock.now)
    clock.now = at("2025-03-31T09:00")
    tg = FakeTelegram(latency=0.01)
    settings = fast_settings(send_rate_per_second=100.0, reminder_batch_size=40)
    old = make_scheduler(db, clock, settings=settings)
    task = asyncio.create_task(old.run_once(make_bot(tg)))
    while len(tg.calls) < 5:  # kill it mid-batch  # noqa: ASYNC110 (polling a fake's log)
        await asyncio.sleep(0.005)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    done_before = len(tg.delivered)
    assert 0 < done_before < 40
    counts = statuses(db)
    assert counts[CLAIMED] == 0  # nothing stuck behind a lease
    assert counts[SENT] == done_before
    new = make_scheduler(db, clock, settings=settings)
    await new.run_once(make_bot(tg))
    per_chat = Counter(c.chat_id for c in tg.delivered)
    assert len(per_chat) == 40 and set(per_chat.values()) == {1}


async def test_blocked_chat_deactivates_subscriptions(db: Database) -> None:
    clock = MutableClock(at("2025-03-01T10:00"))
    subscribe(db, chat_id=13, created=clock.now)
    subscribe(db, chat_id=13, created=clock.now, batch_year=2023, kinds=("renewal_review",))
    subscribe(db, chat_id=14, created=clock.now)
    clock.now = at("2025-03-31T09:00")
    tg = FakeTelegram(script=lambda chat, _n: blocked() if chat == 13 else None)
    report = await make_scheduler(db, clock, settings=fast_settings()).run_once(
        make_bot(tg)
    )
    assert report.forbidden == 1 and report.sent == 1
    with db.session() as session:
        assert repo.list_subscriptions(session, chat_id=13) == []
        assert len(repo.list_subscriptions(session, chat_id=14)) == 1
        dead = repo.list_deliveries(session, status=DEAD)
    assert len(dead) == 1 and "Forbidden" in (dead[0].last_error or "")


async def test_server_errors_retry_then_dead_letter(db: Database) -> None:
    clock = MutableClock(at("2025-03-01T10:00"))
    subscribe(db, chat_id=21, created=clock.now)  # always failing
    subscribe(db, chat_id=22, created=clock.now)  # fails twice, then works
    clock.now = at("2025-03-31T09:00")
    tg = FakeTelegram(
        script=lambda chat, n: server_error() if chat == 21 or n < 2 else None
    )
    settings = fast_settings(send_max_attempts=2, reminder_max_attempts=2,
                             reminder_retry_delay_seconds=30.0)
    scheduler = make_scheduler(db, clock, settings=settings)
    first = await scheduler.run_once(make_bot(tg))
    assert first.retried == 2 and first.sent == 0
    assert statuses(db) == Counter({PENDING: 2})
    assert (await scheduler.run_once(make_bot(tg))).claimed == 0  # waiting for not_before
    clock.now += timedelta(seconds=31)
    second = await scheduler.run_once(make_bot(tg))
    assert second.sent == 1 and second.dead == 1
    with db.session() as session:
        dead = repo.list_deliveries(session, status=DEAD)
    assert dead[0].chat_id == 21 and dead[0].attempts == 2
    assert "Bad Gateway" in (dead[0].last_error or "")
    assert Counter(c.chat_id for c in tg.delivered) == Counter({22: 1})


async def test_start_and_stop_run_the_loop(db: Database) -> None:
    clock = MutableClock(at("2025-03-01T10:00"))
    subscribe(db, chat_id=31, created=clock.now)
    clock.now = at("2025-03-31T09:00")
    tg = FakeTelegram()
    scheduler = make_scheduler(db, clock, settings=fast_settings(reminder_poll_seconds=0.05))
    await scheduler.start(make_bot(tg))
    for _ in range(100):
        if tg.delivered:
            break
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.15)  # several more ticks: still one message
    await scheduler.stop()
    assert len(tg.delivered) == 1
    # Restart: a new scheduler on the same DB sends nothing again.
    again = make_scheduler(db, clock, settings=fast_settings())
    assert (await again.run_once(make_bot(tg))).sent == 0


def test_render_english_and_today() -> None:
    text = render_reminder(cluster_name="A&B", title="Report <x>",
                           due=at("2025-04-30T00:00").date(), today=at("2025-04-30T00:00").date(),
                           lang="en")
    assert "A&amp;B" in text and "Report &lt;x&gt;" in text and "(today)" in text


async def test_unsettled_sends_are_bounded(db: Database) -> None:
    """What a hard crash could send twice is bounded by reminder_max_unsettled."""
    clock = MutableClock(at("2025-03-01T10:00"))
    for chat in range(1, 31):
        subscribe(db, chat_id=chat, created=clock.now)
    clock.now = at("2025-03-31T09:00")
    tg = FakeTelegram(latency=0.02)
    settings = fast_settings(reminder_max_unsettled=3)
    report = await make_scheduler(db, clock, settings=settings).run_once(
        make_bot(tg)
    )
    assert report.sent == 30
    assert 1 < tg.max_concurrent <= 3


async def test_fake_session_maps_faults_to_aiogram_errors() -> None:
    from aiogram.exceptions import TelegramForbiddenError, TelegramRetryAfter

    faults = {1: too_many(3), 2: blocked()}
    session = FakeTelegram(script=lambda chat, _n: faults.get(chat))
    bot = make_bot(session)
    try:
        await bot.send_message(chat_id=1, text="x")
    except TelegramRetryAfter as exc:
        assert exc.retry_after == 3
    else:  # pragma: no cover
        raise AssertionError("expected a 429")
    try:
        await bot.send_message(chat_id=2, text="x")
    except TelegramForbiddenError:
        pass
    else:  # pragma: no cover
        raise AssertionError("expected a 403")
    message = await bot.send_message(chat_id=3, text="hello")
    assert message.message_id == 1
    assert [c.ok for c in session.calls] == [False, False, True]
