"""One subscription per user, chat and batch: the repository merges, the schema refuses, and a
database from an earlier release is folded and upgraded in place."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from handlers.reminders import repo
from handlers.reminders.models import SENT, ReminderSubscription
from handlers.reminders.schema import upgrade
from infra.db import Database

NOW = datetime(2025, 3, 31, 1, 0, tzinfo=UTC)


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = Database(f"sqlite:///{tmp_path / 's.sqlite3'}")
    database.create_all()
    yield database  # type: ignore[misc]
    database.dispose()


def _subscribe(db: Database, **overrides: object) -> repo.Subscribed:
    values: dict[str, object] = {
        "user_id": 1, "chat_id": 1, "cluster_name": "A", "batch_year": 2022,
        "kinds": ["annual_report"], "lead_days": [30], "now": NOW,
    }
    values.update(overrides)
    with db.session() as session:
        return repo.subscribe(session, **values)  # type: ignore[arg-type]


def test_subscribe_merges_instead_of_duplicating(db: Database) -> None:
    first = _subscribe(db)
    assert first.outcome == "created"
    same = _subscribe(db)
    assert same.outcome == "unchanged" and same.subscription.id == first.subscription.id
    merged = _subscribe(db, kinds=["renewal_review"], lead_days=[7, 1], cluster_name="B",
                        rename=False)
    assert merged.outcome == "merged" and merged.subscription.id == first.subscription.id
    sub = merged.subscription
    assert (sub.kinds, sub.lead_days, sub.cluster_name) == (
        ["annual_report", "renewal_review"], [30, 7, 1], "A")
    renamed = _subscribe(db, cluster_name="C")
    assert renamed.subscription.cluster_name == "C"
    # Other batches, other chats, other users and "not yet recognised" are separate.
    assert _subscribe(db, batch_year=2023).outcome == "created"
    assert _subscribe(db, chat_id=-100).outcome == "created"
    assert _subscribe(db, user_id=2).outcome == "created"
    assert _subscribe(db, batch_year=None, kinds=["custom"]).outcome == "created"
    assert _subscribe(db, batch_year=None, kinds=["recommendation_round"]).outcome == "merged"
    with db.session() as session:
        assert len(repo.list_subscriptions(session)) == 5


def test_the_schema_refuses_a_second_active_subscription(db: Database) -> None:
    sub = _subscribe(db).subscription
    with db.session() as session, pytest.raises(IntegrityError):
        repo.create_subscription(session, user_id=1, chat_id=1, cluster_name="X",
                                 batch_year=2022, kinds=["custom"], now=NOW)
    with db.session() as session:  # "not yet recognised" (NULL) is one batch too
        repo.create_subscription(session, user_id=1, chat_id=1, cluster_name="X",
                                 batch_year=None, kinds=["custom"], now=NOW)
        with pytest.raises(IntegrityError):
            repo.create_subscription(session, user_id=1, chat_id=1, cluster_name="Y",
                                     batch_year=None, kinds=["custom"], now=NOW)
    # A cancelled subscription does not block a new one.
    with db.session() as session:
        repo.cancel_subscription(session, subscription_id=int(sub.id or 0), user_id=1, now=NOW)
    assert _subscribe(db).outcome == "created"


def _old_release_database(path: Path) -> Database:
    """A file as an earlier release left it: no unique index, two subscriptions of one batch
    (made by /subscribe and /remind), each with its own deliveries."""
    database = Database(f"sqlite:///{path}")
    database.create_all()
    with sqlite3.connect(path) as raw:
        raw.execute("DROP INDEX uq_reminder_subscription_batch")
    with database.session() as session:
        for name, kinds, leads in (
            ("2022年批次集群", ["annual_report", "renewal_review", "custom"], [30, 7, 1]),
            ("A县集群", ["renewal_review"], [90, 30]),
        ):
            session.add(ReminderSubscription(
                user_id=5, chat_id=5, cluster_name=name, batch_year=2022, kinds=kinds,
                lead_days=leads, created_at=NOW))
        session.commit()
        first, second = (int(s.id or 0) for s in repo.list_subscriptions(session))
        due = [repo.DueReminder(subscription_id=sub_id, chat_id=5, deadline_key=key,
                                kind="annual_report", title="t", due=date(2025, 4, 30),
                                lead_days=30)
               for sub_id, key in ((first, "annual_report:2025"), (second, "annual_report:2025"),
                                   (second, "renewal_review:2025"))]
        repo.ensure_deliveries(session, due=due, now=NOW)
        rows = repo.list_deliveries(session)
        token = "t1"
        claimed = repo.claim_batch(session, token=token, now=NOW, lease_seconds=60,
                                   today=date(2025, 3, 31), limit=10)
        sent_row = next(r for r in claimed if r.subscription_id == second
                        and r.deadline_key == "annual_report:2025")
        assert repo.mark_sent(session, delivery_id=int(sent_row.id or 0), token=token,
                              message_id=1, now=NOW)
        repo.release(session, token=token, now=NOW,
                     delivery_ids=[int(r.id or 0) for r in rows if r.id != sent_row.id])
    return database


def test_upgrade_folds_duplicates_and_builds_the_index(tmp_path: Path) -> None:
    database = _old_release_database(tmp_path / "old.sqlite3")
    try:
        assert upgrade(database) == 1
        assert upgrade(database) == 0  # idempotent
        with database.session() as session:
            (sub,) = repo.list_subscriptions(session, active_only=False)
            assert sub.kinds == ["annual_report", "renewal_review", "custom"]
            assert sub.lead_days == [90, 30, 7, 1]
            by_key = {(d.deadline_key, d.lead_days): d.status
                      for d in repo.list_deliveries(session)}
            # The annual report reminder was already sent under the duplicate: it stays sent
            # (on the survivor), so it never goes out again.
            assert by_key == {("annual_report:2025", 30): SENT,
                              ("renewal_review:2025", 30): "pending"}
            assert {d.subscription_id for d in repo.list_deliveries(session)} == {sub.id}
            with pytest.raises(IntegrityError):
                repo.create_subscription(session, user_id=5, chat_id=5, cluster_name="X",
                                         batch_year=2022, kinds=["custom"], now=NOW)
    finally:
        database.dispose()


def test_forget_user_deletes_subscriptions_and_deliveries(db: Database) -> None:
    mine = _subscribe(db, user_id=5, chat_id=5).subscription
    theirs = _subscribe(db, user_id=6, chat_id=6).subscription
    with db.session() as session:
        repo.ensure_deliveries(session, now=NOW, due=[
            repo.DueReminder(subscription_id=int(s.id or 0), chat_id=s.chat_id,
                             deadline_key="annual_report:2025", kind="annual_report",
                             title="t", due=date(2025, 4, 30), lead_days=30)
            for s in (mine, theirs)])
        assert repo.forget_user(session, user_id=5) == 2  # one subscription, one delivery
        session.commit()
        assert [d.subscription_id for d in repo.list_deliveries(session)] == [theirs.id]
        assert repo.list_subscriptions(session, user_id=5, active_only=False) == []
        assert repo.forget_user(session, user_id=5) == 0
