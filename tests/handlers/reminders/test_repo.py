"""Reminder storage: subscriptions, the delivery ledger's guarantees, PostgreSQL portability,
and the .ics export."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateTable

from handlers.reminders import repo
from handlers.reminders.calendar import CalendarEntry, build_ics
from handlers.reminders.models import (
    CLAIMED,
    PENDING,
    ReminderDelivery,
    ReminderSubscription,
)
from infra.db import Database
from knowledge.deadlines import plan_deadlines

NOW = datetime(2025, 3, 31, 1, 0, tzinfo=UTC)
TODAY = date(2025, 3, 31)


@pytest.fixture
def db(db_url: str) -> Database:
    database = Database(db_url)
    database.create_all()
    yield database  # type: ignore[misc]
    database.dispose()


def _sub(db: Database, user_id: int = 1, chat_id: int = 1) -> int:
    with db.session() as session:
        sub = repo.create_subscription(session, user_id=user_id, chat_id=chat_id,
                                       cluster_name="X", batch_year=2022,
                                       kinds=["annual_report"], lead_days=[7, 30, 30], now=NOW)
    return int(sub.id or 0)


def _due(sub_id: int, key: str = "annual_report:2025", lead: int = 30) -> repo.DueReminder:
    return repo.DueReminder(subscription_id=sub_id, chat_id=1, deadline_key=key,
                            kind="annual_report", title="t", due=date(2025, 4, 30),
                            lead_days=lead)


def test_subscription_fields_and_validation(db: Database) -> None:
    sub_id = _sub(db)
    with db.session() as session:
        sub = repo.get_subscription(session, subscription_id=sub_id)
        assert sub is not None
        assert sub.lead_list == [30, 7] and sub.kind_list == ["annual_report"]
        assert sub.created_at == NOW  # aware UTC round trip
        with pytest.raises(ValueError):
            repo.create_subscription(session, user_id=1, chat_id=1, cluster_name="x",
                                     batch_year=2022, kinds=["nonsense"], now=NOW)
        with pytest.raises(ValueError):
            repo.create_subscription(session, user_id=1, chat_id=1, cluster_name="x",
                                     batch_year=2022, kinds=["custom"], lead_days=[-1], now=NOW)


def test_cancel_is_idempotent_and_owner_only(db: Database) -> None:
    sub_id = _sub(db, user_id=1)
    with db.session() as session:
        assert repo.cancel_subscription(session, subscription_id=sub_id, user_id=2,
                                        now=NOW) == "not_found"
        assert repo.cancel_subscription(session, subscription_id=sub_id, user_id=1,
                                        now=NOW) == "cancelled"
        assert repo.cancel_subscription(session, subscription_id=sub_id, user_id=1,
                                        now=NOW) == "already"
        assert repo.list_subscriptions(session, user_id=1) == []


def test_delivery_row_is_unique(db: Database) -> None:
    sub_id = _sub(db)
    with db.session() as session:
        repo.ensure_deliveries(session, due=[_due(sub_id)], now=NOW)
        repo.ensure_deliveries(session, due=[_due(sub_id)], now=NOW + timedelta(hours=1))
        repo.ensure_deliveries(session, due=[_due(sub_id, lead=7)], now=NOW)
        rows = repo.list_deliveries(session)
    assert sorted((r.deadline_key, r.lead_days) for r in rows) == [
        ("annual_report:2025", 7), ("annual_report:2025", 30)]


def test_concurrent_claims_never_overlap(db: Database) -> None:
    sub_ids = [_sub(db, user_id=i, chat_id=i) for i in range(1, 41)]
    with db.session() as session:
        repo.ensure_deliveries(session, due=[_due(s) for s in sub_ids], now=NOW)
    claimed: dict[str, list[int]] = {}

    def claimer(name: str) -> None:
        got: list[int] = []
        for i in range(20):
            with db.session() as session:
                rows = repo.claim_batch(session, token=f"{name}-{i}", now=NOW,
                                        lease_seconds=60, today=TODAY, limit=3)
            got += [int(r.id or 0) for r in rows]
        claimed[name] = got

    threads = [threading.Thread(target=claimer, args=(n,)) for n in ("a", "b", "c")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    everything = [i for ids in claimed.values() for i in ids]
    assert len(everything) == 40 and len(set(everything)) == 40


def test_lease_expiry_and_finish_guards(db: Database) -> None:
    sub_id = _sub(db)
    with db.session() as session:
        repo.ensure_deliveries(session, due=[_due(sub_id)], now=NOW)
        (row,) = repo.claim_batch(session, token="A", now=NOW, lease_seconds=60, today=TODAY,
                                  limit=5)
        assert row.status == CLAIMED
        assert repo.claim_batch(session, token="B", now=NOW + timedelta(seconds=59),
                                lease_seconds=60, today=TODAY, limit=5) == []
        assert repo.renew_lease(session, tokens=["A"], now=NOW + timedelta(seconds=50),
                                lease_seconds=60) == 1
        assert repo.claim_batch(session, token="B", now=NOW + timedelta(seconds=100),
                                lease_seconds=60, today=TODAY, limit=5) == []
        (again,) = repo.claim_batch(session, token="B", now=NOW + timedelta(seconds=111),
                                    lease_seconds=60, today=TODAY, limit=5)
        assert again.attempts == 2
        # A's outcome after losing the lease is refused; B's counts.
        assert not repo.mark_sent(session, delivery_id=int(row.id or 0), token="A",
                                  message_id=1, now=NOW)
        assert repo.mark_sent(session, delivery_id=int(row.id or 0), token="B", message_id=2,
                              now=NOW)
        assert repo.claim_batch(session, token="C", now=NOW + timedelta(days=1),
                                lease_seconds=60, today=TODAY, limit=5) == []


def test_release_and_expire(db: Database) -> None:
    sub_id = _sub(db)
    with db.session() as session:
        repo.ensure_deliveries(session, due=[_due(sub_id)], now=NOW)
        (row,) = repo.claim_batch(session, token="A", now=NOW, lease_seconds=60, today=TODAY,
                                  limit=5)
        assert repo.release(session, token="A", delivery_ids=[int(row.id or 0)], now=NOW) == 1
        (fresh,) = repo.list_deliveries(session)
        assert (fresh.status, fresh.attempts) == (PENDING, 0)
        assert repo.expire_passed(session, today=date(2025, 5, 1), now=NOW) == 1
        assert repo.list_deliveries(session, status="expired")


def test_cancelled_subscription_is_not_claimed_and_forget_deletes(db: Database) -> None:
    sub_id = _sub(db, user_id=5, chat_id=5)
    with db.session() as session:
        repo.ensure_deliveries(session, due=[_due(sub_id)], now=NOW)
        assert repo.deactivate_chat(session, chat_id=5, reason="forbidden", now=NOW) == 1
        assert repo.claim_batch(session, token="A", now=NOW, lease_seconds=60, today=TODAY,
                                limit=5) == []
        assert repo.delete_user_reminders(session, user_id=5) == 1
        assert repo.list_deliveries(session) == []
        assert repo.list_subscriptions(session, user_id=5, active_only=False) == []


def test_forget_removes_subscriptions_and_their_deliveries(db: Database) -> None:
    # /forget runs every feature's forgetter (bot.schema.FORGETTERS): it must reach this feature.
    from bot.schema import FORGETTERS
    from infra.users import delete_user

    mine, theirs = _sub(db, user_id=5, chat_id=5), _sub(db, user_id=6, chat_id=6)
    with db.session() as session:
        repo.ensure_deliveries(session, due=[_due(mine), _due(theirs)], now=NOW)
        assert len(repo.list_deliveries(session)) == 2
        delete_user(session, user_id=5, forgetters=FORGETTERS)
    with db.session() as session:
        assert repo.list_subscriptions(session, user_id=5, active_only=False) == []
        assert [d.subscription_id for d in repo.list_deliveries(session)] == [theirs]
        assert len(repo.list_subscriptions(session, user_id=6, active_only=False)) == 1


def test_stats(db: Database) -> None:
    _sub(db, user_id=1)
    cancelled = _sub(db, user_id=2)
    with db.session() as session:
        repo.create_subscription(session, user_id=3, chat_id=3, cluster_name="c",
                                 batch_year=None, kinds=["recommendation_round"], now=NOW)
        repo.cancel_subscription(session, subscription_id=cancelled, user_id=2, now=NOW)
        repo.add_custom_deadline(session, title="t", due=date(2025, 7, 1), now=NOW)
        stats = repo.stats(session)
    assert stats.active_subscriptions == 2 and stats.inactive_subscriptions == 1
    assert stats.by_batch_year == {"2022": 1, "未认定": 1}
    assert stats.custom_deadlines == 1


def test_tables_and_claim_compile_for_postgresql() -> None:
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    for model in (ReminderSubscription, ReminderDelivery):
        ddl = str(CreateTable(model.__table__).compile(dialect=dialect))  # type: ignore[attr-defined]
        assert "BIGINT" in ddl and "TIMESTAMP WITH TIME ZONE" in ddl
    ddl = str(CreateTable(ReminderDelivery.__table__).compile(dialect=dialect))  # type: ignore[attr-defined]
    assert "UNIQUE (subscription_id, deadline_key, lead_days)" in ddl
    from sqlalchemy.schema import CreateIndex

    from handlers.reminders.models import ONE_SUBSCRIPTION_PER_BATCH

    assert str(CreateIndex(ONE_SUBSCRIPTION_PER_BATCH).compile(dialect=dialect)) == (
        "CREATE UNIQUE INDEX uq_reminder_subscription_batch ON reminder_subscription "
        "(user_id, chat_id, coalesce(batch_year, 0)) WHERE active")
    from sqlalchemy.dialects.postgresql import insert

    stmt = insert(ReminderDelivery.__table__).on_conflict_do_nothing(  # type: ignore[attr-defined]
        index_elements=["subscription_id", "deadline_key", "lead_days"])
    assert "ON CONFLICT (subscription_id, deadline_key, lead_days) DO NOTHING" in str(
        stmt.compile(dialect=dialect))


def test_ics_export() -> None:
    plan = plan_deadlines(2022, date(2025, 1, 10))
    data = build_ics([CalendarEntry(7, "A县&集群", d, (30, 1)) for d in plan.deadlines],
                     now=NOW, reminder_hour=9)
    cal = Calendar.from_ical(data)
    events = list(cal.walk("VEVENT"))
    assert [str(e["uid"]) for e in events] == ["7-annual_report:2025@smebot",
                                               "7-renewal_review:2025@smebot"]
    assert events[0].decoded("dtstart") == date(2025, 4, 30)
    triggers = [a.decoded("trigger") for a in events[0].walk("VALARM")]
    # 30 and 1 days before, at 09:00 local on those days.
    assert triggers == [timedelta(days=-30, hours=9), timedelta(days=-1, hours=9)]
    assert "A县&集群" in str(events[0]["summary"])
    assert build_ics([CalendarEntry(7, "A县&集群", d, (30, 1)) for d in plan.deadlines],
                     now=NOW) == data  # deterministic: re-import updates, never duplicates


def test_postgresql_claims_skip_rows_another_claimer_holds(pg_url: str) -> None:
    """FOR UPDATE SKIP LOCKED: while another scheduler's transaction holds some rows, a claim
    returns the others at once instead of waiting (statement_timeout would fail it) or taking
    the held ones."""
    from sqlalchemy import text

    db = Database(pg_url)
    db.create_all()
    sub_ids = [_sub(db, user_id=i, chat_id=i) for i in range(1, 7)]
    with db.session() as session:
        repo.ensure_deliveries(session, due=[_due(s) for s in sub_ids], now=NOW)
        ids = sorted(int(r.id or 0) for r in repo.list_deliveries(session))
    other = db.engine.connect()
    try:
        other.execute(
            text("SELECT id FROM reminder_delivery WHERE id = ANY(:ids) FOR UPDATE"),
            {"ids": ids[:3]},
        )
        with db.session() as session:
            session.execute(text("SET statement_timeout = 2000"))
            rows = repo.claim_batch(session, token="mine", now=NOW, lease_seconds=60,
                                    today=TODAY, limit=10)
        assert sorted(int(r.id or 0) for r in rows) == ids[3:]
    finally:
        other.rollback()
        other.close()
    with db.session() as session:  # released rows are claimable again
        rows = repo.claim_batch(session, token="next", now=NOW, lease_seconds=60, today=TODAY,
                                limit=10)
    assert sorted(int(r.id or 0) for r in rows) == ids[:3]
    db.dispose()
