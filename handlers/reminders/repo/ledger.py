"""The exactly-once delivery ledger over `ReminderDelivery` (one UNIQUE row per subscription,
deadline and lead time).

1. `ensure_deliveries` inserts rows that fell due, ignoring conflicts (two planners agree).
2. `claim_batch` takes rows with ONE conditional UPDATE (status 'pending' and not waiting for
   a retry, or 'claimed' whose lease expired) stamping a fresh claim token, then reads back the
   rows carrying that token. The database serialises the UPDATE, so two processes never hold
   the same row; a crashed claimer's rows come back only once its lease has expired. On
   PostgreSQL the candidate rows are first selected `FOR UPDATE SKIP LOCKED` (then updated by
   id), so any number of schedulers claim disjoint batches without waiting on each other.
3. The sender keeps its lease alive (`renew_lease`) while it works through the batch.
4. `mark_sent` (terminal) / `mark_retry` / `mark_dead` / `release` are conditional on the claim
   token, so a claimer that lost its lease cannot overwrite the new owner's outcome.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from handlers.reminders.models import (
    CLAIMED,
    DEAD,
    EXPIRED,
    PENDING,
    SENT,
    SUPERSEDED,
    ReminderDelivery,
    ReminderSubscription,
)
from handlers.reminders.repo.subscriptions import utc


@dataclass(frozen=True, slots=True)
class DueReminder:
    """A reminder the planner found due (one (subscription, deadline, lead) triple)."""

    subscription_id: int
    chat_id: int
    deadline_key: str
    kind: str
    title: str
    due: date
    lead_days: int
    superseded_leads: tuple[int, ...] = ()


def existing_deliveries(
    session: Session, *, since: date
) -> dict[tuple[int, str], dict[int, str]]:
    """(subscription id, deadline key) -> {lead days: status}, for deadlines due from `since`."""
    out: dict[tuple[int, str], dict[int, str]] = {}
    rows = session.execute(
        select(
            ReminderDelivery.subscription_id,
            ReminderDelivery.deadline_key,
            ReminderDelivery.lead_days,
            ReminderDelivery.status,
        ).where(col(ReminderDelivery.due) >= since)
    ).all()
    for sub_id, key, lead, status in rows:
        out.setdefault((sub_id, key), {})[lead] = status
    return out


def _insert_ignore(session: Session, rows: list[dict[str, Any]]) -> None:
    """INSERT … ON CONFLICT DO NOTHING on the unique key (SQLite and PostgreSQL dialects)."""
    if not rows:
        return
    table = ReminderDelivery.__table__  # type: ignore[attr-defined]
    dialect = session.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        if dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert
        else:
            from sqlalchemy.dialects.postgresql import insert
        stmt = insert(table).on_conflict_do_nothing(
            index_elements=["subscription_id", "deadline_key", "lead_days"]
        )
        session.execute(stmt, rows)
        return
    for row in rows:  # other engines: one savepoint per row
        try:
            with session.begin_nested():
                session.execute(table.insert().values(**row))
        except IntegrityError:
            pass


def ensure_deliveries(session: Session, *, due: Iterable[DueReminder], now: datetime) -> int:
    """Record due reminders as 'pending' (conflicts ignored) and retire the larger lead times
    they supersede (catch-up collapse: one message per deadline). Returns rows offered."""
    stamp = utc(now)
    rows: list[dict[str, Any]] = []
    items = list(due)
    for item in items:
        rows.append(
            {
                "subscription_id": item.subscription_id,
                "deadline_key": item.deadline_key,
                "lead_days": item.lead_days,
                "due": item.due,
                "kind": item.kind,
                "title": item.title[:300],
                "chat_id": item.chat_id,
                "status": PENDING,
                "attempts": 0,
                "created_at": stamp,
                "updated_at": stamp,
            }
        )
    for start in range(0, len(rows), 500):
        _insert_ignore(session, rows[start : start + 500])
    for item in items:
        if not item.superseded_leads:
            continue
        session.execute(
            update(ReminderDelivery)
            .where(
                col(ReminderDelivery.subscription_id) == item.subscription_id,
                col(ReminderDelivery.deadline_key) == item.deadline_key,
                col(ReminderDelivery.lead_days).in_(item.superseded_leads),
                _claimable(stamp),
            )
            .values(status=SUPERSEDED, updated_at=stamp, claim_token=None, lease_until=None)
        )
    session.commit()
    return len(rows)


def _claimable(now: datetime) -> Any:
    """Rows a sender may take: pending and not waiting for a retry, or claimed with a lease
    that has run out (the claimer crashed or stalled)."""
    return or_(
        and_(
            col(ReminderDelivery.status) == PENDING,
            or_(
                col(ReminderDelivery.not_before).is_(None),
                col(ReminderDelivery.not_before) <= now,
            ),
        ),
        and_(col(ReminderDelivery.status) == CLAIMED, col(ReminderDelivery.lease_until) < now),
    )


def expire_passed(session: Session, *, today: date, now: datetime) -> int:
    """Retire unsent reminders whose deadline has passed: a late reminder helps nobody."""
    stamp = utc(now)
    result = session.execute(
        update(ReminderDelivery)
        .where(col(ReminderDelivery.due) < today, _claimable(stamp))
        .values(status=EXPIRED, updated_at=stamp, claim_token=None, lease_until=None)
    )
    session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]


def claim_batch(
    session: Session,
    *,
    token: str,
    now: datetime,
    lease_seconds: float,
    today: date,
    limit: int,
) -> list[ReminderDelivery]:
    """Atomically claim up to `limit` deliverable rows for `token` and return them."""
    stamp = utc(now)
    candidates = (
        select(ReminderDelivery.id)
        .join(
            ReminderSubscription,
            col(ReminderSubscription.id) == col(ReminderDelivery.subscription_id),
        )
        .where(
            col(ReminderSubscription.active).is_(True),
            col(ReminderDelivery.due) >= today,
            _claimable(stamp),
        )
        .order_by(col(ReminderDelivery.due), col(ReminderDelivery.id))
        .limit(limit)
    )
    picked: Any = candidates.scalar_subquery()
    if session.get_bind().dialect.name == "postgresql":
        # Row leases for many schedulers at once: rows another claimer is taking right now are
        # skipped, not waited for (no claimer blocks another, none re-reads a taken row).
        # The ids are read first, in this transaction (their locks last until the commit), and
        # the UPDATE names them: as a subquery, `IN (… LIMIT n FOR UPDATE SKIP LOCKED)` may be
        # planned as a nested-loop semi join that re-runs the subquery for every outer row, each
        # run skipping the rows this UPDATE already took — so one claim took every row.
        picked = list(
            session.execute(
                candidates.with_for_update(skip_locked=True, of=ReminderDelivery)
            ).scalars()
        )
        if not picked:
            session.commit()
            return []
    session.execute(
        update(ReminderDelivery)
        # The claimable test is repeated on the outer UPDATE: under PostgreSQL's READ COMMITTED
        # a row another claimer took meanwhile is re-checked and skipped.
        .where(col(ReminderDelivery.id).in_(picked), _claimable(stamp))
        .values(
            status=CLAIMED,
            claim_token=token,
            lease_until=stamp + timedelta(seconds=lease_seconds),
            attempts=col(ReminderDelivery.attempts) + 1,
            updated_at=stamp,
        )
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return list(
        session.exec(
            select(ReminderDelivery)
            .where(
                col(ReminderDelivery.claim_token) == token,
                col(ReminderDelivery.status) == CLAIMED,
            )
            .order_by(col(ReminderDelivery.due), col(ReminderDelivery.id))
            # Sessions keep objects after commit: reload, or a reused session would hand back
            # the previous claim's token and attempt count.
            .execution_options(populate_existing=True)
        ).all()
    )


def renew_lease(
    session: Session, *, tokens: Sequence[str], now: datetime, lease_seconds: float
) -> int:
    """Extend the lease of every row still claimed under one of `tokens`."""
    if not tokens:
        return 0
    stamp = utc(now)
    held = (
        col(ReminderDelivery.claim_token).in_(list(tokens)),
        col(ReminderDelivery.status) == CLAIMED,
    )
    condition: Any = and_(*held)
    if session.get_bind().dialect.name == "postgresql":
        # Rows whose outcome is being committed right now are locked by that transaction: skip
        # them (they are finished anyway) instead of waiting, which could deadlock with it.
        locked = (
            select(ReminderDelivery.id).where(*held)
            .order_by(col(ReminderDelivery.id)).with_for_update(skip_locked=True)
        )
        condition = col(ReminderDelivery.id).in_(locked.scalar_subquery())
    result = session.execute(
        update(ReminderDelivery)
        .where(condition)
        .values(lease_until=stamp + timedelta(seconds=lease_seconds))
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]


def _finish(
    session: Session, *, delivery_id: int, token: str, values: dict[str, Any], commit: bool
) -> bool:
    result = session.execute(
        update(ReminderDelivery)
        .where(
            col(ReminderDelivery.id) == delivery_id,
            col(ReminderDelivery.claim_token) == token,
            col(ReminderDelivery.status) == CLAIMED,
        )
        .values(**values)
    )
    if commit:
        session.commit()
    return int(result.rowcount) == 1  # type: ignore[attr-defined]


def mark_sent(
    session: Session,
    *,
    delivery_id: int,
    token: str,
    message_id: int | None,
    now: datetime,
    commit: bool = True,
) -> bool:
    """Terminal. `commit=False` lets a caller group several outcomes into one transaction."""
    stamp = utc(now)
    return _finish(
        session,
        delivery_id=delivery_id,
        token=token,
        values={"status": SENT, "sent_at": stamp, "message_id": message_id, "updated_at": stamp,
                "lease_until": None, "last_error": None},
        commit=commit,
    )


def mark_retry(
    session: Session,
    *,
    delivery_id: int,
    token: str,
    error: str,
    not_before: datetime,
    now: datetime,
    commit: bool = True,
) -> bool:
    return _finish(
        session,
        delivery_id=delivery_id,
        token=token,
        values={"status": PENDING, "claim_token": None, "lease_until": None,
                "not_before": utc(not_before), "last_error": error[:500],
                "updated_at": utc(now)},
        commit=commit,
    )


def mark_dead(
    session: Session,
    *,
    delivery_id: int,
    token: str,
    error: str,
    now: datetime,
    commit: bool = True,
) -> bool:
    """Dead letter: recorded with its error, never retried automatically."""
    return _finish(
        session,
        delivery_id=delivery_id,
        token=token,
        values={"status": DEAD, "lease_until": None, "last_error": error[:500],
                "updated_at": utc(now)},
        commit=commit,
    )


def release(session: Session, *, token: str, delivery_ids: Sequence[int], now: datetime) -> int:
    """Give back claimed rows that were never sent (graceful stop), for anyone to take now."""
    if not delivery_ids:
        return 0
    result = session.execute(
        update(ReminderDelivery)
        .where(
            col(ReminderDelivery.id).in_(list(delivery_ids)),
            col(ReminderDelivery.claim_token) == token,
            col(ReminderDelivery.status) == CLAIMED,
        )
        .values(
            status=PENDING,
            claim_token=None,
            lease_until=None,
            attempts=col(ReminderDelivery.attempts) - 1,
            updated_at=utc(now),
        )
    )
    session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]


def list_deliveries(
    session: Session, *, status: str | None = None, subscription_id: int | None = None
) -> list[ReminderDelivery]:
    query = select(ReminderDelivery).order_by(col(ReminderDelivery.id))
    if status is not None:
        query = query.where(ReminderDelivery.status == status)
    if subscription_id is not None:
        query = query.where(ReminderDelivery.subscription_id == subscription_id)
    return list(session.exec(query).all())
