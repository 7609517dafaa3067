"""CRUD for reminders: subscriptions, operator deadlines, and the delivery ledger.

Every helper takes an open SQLModel `Session` first and keyword-only arguments after it, and
commits (each call is one unit of work). Times are aware datetimes converted to UTC (SQLModel's
UTC column type stores UTC on every engine and gives aware UTC back).

Exactly-once protocol over `ReminderDelivery` (one UNIQUE row per subscription/deadline/lead):

1. `ensure_deliveries` inserts rows that fell due, ignoring conflicts (two planners agree).
2. `claim_batch` takes rows with ONE conditional UPDATE (status 'pending' and not waiting for
   a retry, or 'claimed' whose lease expired) stamping a fresh claim token, then reads back the
   rows carrying that token. The database serialises the UPDATE, so two processes never hold
   the same row; a crashed claimer's rows come back only once its lease has expired. On
   PostgreSQL the candidate rows are selected `FOR UPDATE SKIP LOCKED`, so any number of
   schedulers claim disjoint batches without waiting on each other.
3. The sender keeps its lease alive (`renew_lease`) while it works through the batch.
4. `mark_sent` (terminal) / `mark_retry` / `mark_dead` / `release` are conditional on the claim
   token, so a claimer that lost its lease cannot overwrite the new owner's outcome.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import and_, func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.models.reminders import (
    CLAIMED,
    DEAD,
    EXPIRED,
    PENDING,
    SENT,
    SUPERSEDED,
    CustomDeadline,
    ReminderDelivery,
    ReminderSubscription,
)
from knowledge.deadlines import ALL_KINDS, CustomDeadlineSpec

DEFAULT_LEADS: tuple[int, ...] = (30, 7, 1)
MAX_LEAD_DAYS = 365


def utc(moment: datetime) -> datetime:
    """Any aware datetime -> the same moment in UTC (naive input is taken as UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


# --- subscriptions ---------------------------------------------------------------------------


def create_subscription(
    session: Session,
    *,
    user_id: int,
    chat_id: int,
    cluster_name: str,
    batch_year: int | None,
    kinds: Sequence[str],
    lead_days: Sequence[int] = DEFAULT_LEADS,
    lang: str = "zh",
    now: datetime,
) -> ReminderSubscription:
    unknown = [k for k in kinds if k not in ALL_KINDS]
    if unknown or not kinds:
        raise ValueError(f"unknown or no deadline kinds: {unknown or kinds}")
    leads = sorted({int(d) for d in lead_days}, reverse=True)
    if not leads or any(d < 0 or d > MAX_LEAD_DAYS for d in leads):
        raise ValueError(f"lead times must be 0..{MAX_LEAD_DAYS} days, got {list(lead_days)}")
    sub = ReminderSubscription(
        user_id=user_id,
        chat_id=chat_id,
        cluster_name=cluster_name.strip()[:100],
        batch_year=batch_year,
        kinds=[k for k in ALL_KINDS if k in set(kinds)],
        lead_days=leads,
        lang=lang,
        active=True,
        created_at=utc(now),
    )
    session.add(sub)
    session.commit()
    session.refresh(sub)
    return sub


def get_subscription(session: Session, *, subscription_id: int) -> ReminderSubscription | None:
    return session.get(ReminderSubscription, subscription_id)


def list_subscriptions(
    session: Session,
    *,
    user_id: int | None = None,
    chat_id: int | None = None,
    active_only: bool = True,
) -> list[ReminderSubscription]:
    query = select(ReminderSubscription).order_by(col(ReminderSubscription.id))
    if user_id is not None:
        query = query.where(ReminderSubscription.user_id == user_id)
    if chat_id is not None:
        query = query.where(ReminderSubscription.chat_id == chat_id)
    if active_only:
        query = query.where(col(ReminderSubscription.active).is_(True))
    return list(session.exec(query).all())


CancelOutcome = Literal["cancelled", "already", "not_found"]


def cancel_subscription(
    session: Session, *, subscription_id: int, user_id: int, now: datetime
) -> CancelOutcome:
    """Cancel one of the user's subscriptions; a second cancel says "already" (idempotent).

    Conditional UPDATE so two presses racing each other give one "cancelled" and one "already".
    """
    result = session.execute(
        update(ReminderSubscription)
        .where(
            col(ReminderSubscription.id) == subscription_id,
            col(ReminderSubscription.user_id) == user_id,
            col(ReminderSubscription.active).is_(True),
        )
        .values(active=False, cancelled_at=utc(now), deactivated_reason="cancelled")
    )
    session.commit()
    if result.rowcount == 1:  # type: ignore[attr-defined]
        return "cancelled"
    sub = session.get(ReminderSubscription, subscription_id)
    if sub is None or sub.user_id != user_id:
        return "not_found"
    return "already"


def deactivate_chat(session: Session, *, chat_id: int, reason: str, now: datetime) -> int:
    """Deactivate every active subscription of a chat (after 403: blocked or removed)."""
    result = session.execute(
        update(ReminderSubscription)
        .where(
            col(ReminderSubscription.chat_id) == chat_id,
            col(ReminderSubscription.active).is_(True),
        )
        .values(active=False, cancelled_at=utc(now), deactivated_reason=reason[:100])
    )
    session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]


def delete_user_reminders(session: Session, *, user_id: int) -> int:
    """Delete the user's subscriptions and their deliveries (for /forget)."""
    subs = list_subscriptions(session, user_id=user_id, active_only=False)
    ids = [s.id for s in subs]
    if ids:
        for row in session.exec(
            select(ReminderDelivery).where(col(ReminderDelivery.subscription_id).in_(ids))
        ).all():
            session.delete(row)
        for sub in subs:
            session.delete(sub)
        session.commit()
    return len(ids)


# --- operator deadlines ----------------------------------------------------------------------


def add_custom_deadline(
    session: Session,
    *,
    title: str,
    due: date,
    now: datetime,
    created_by: int | None = None,
    title_en: str | None = None,
) -> CustomDeadline:
    title = title.strip()
    if not title:
        raise ValueError("a deadline needs a title")
    if len(title) > 200:
        raise ValueError("the title is longer than 200 characters")
    row = CustomDeadline(
        title=title,
        title_en=title_en,
        due=due,
        active=True,
        created_by=created_by,
        created_at=utc(now),
    )
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


def list_custom_deadlines(
    session: Session, *, active_only: bool = True, since: date | None = None
) -> list[CustomDeadline]:
    query = select(CustomDeadline).order_by(col(CustomDeadline.due), col(CustomDeadline.id))
    if active_only:
        query = query.where(col(CustomDeadline.active).is_(True))
    if since is not None:
        query = query.where(col(CustomDeadline.due) >= since)
    return list(session.exec(query).all())


def custom_specs(session: Session, *, since: date | None = None) -> list[CustomDeadlineSpec]:
    return [
        CustomDeadlineSpec(id=int(row.id or 0), title=row.title, due=row.due, title_en=row.title_en)
        for row in list_custom_deadlines(session, since=since)
    ]


# --- statistics ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReminderStats:
    active_subscriptions: int
    inactive_subscriptions: int
    by_batch_year: dict[str, int]
    custom_deadlines: int
    deliveries: dict[str, int]

    def to_json(self) -> dict[str, Any]:
        return {
            "active_subscriptions": self.active_subscriptions,
            "inactive_subscriptions": self.inactive_subscriptions,
            "by_batch_year": self.by_batch_year,
            "custom_deadlines": self.custom_deadlines,
            "deliveries": self.deliveries,
        }


def stats(session: Session) -> ReminderStats:
    active = inactive = 0
    by_year: dict[str, int] = {}
    rows = session.execute(
        select(
            ReminderSubscription.active, ReminderSubscription.batch_year, func.count()
        ).group_by(col(ReminderSubscription.active), col(ReminderSubscription.batch_year))
    ).all()
    for is_active, year, count in rows:
        if is_active:
            active += count
            label = "未认定" if year is None else str(year)
            by_year[label] = by_year.get(label, 0) + count
        else:
            inactive += count
    deliveries = {
        status: count
        for status, count in session.execute(
            select(ReminderDelivery.status, func.count()).group_by(col(ReminderDelivery.status))
        ).all()
    }
    custom = session.execute(
        select(func.count()).select_from(CustomDeadline).where(col(CustomDeadline.active))
    ).scalar_one()
    return ReminderStats(
        active_subscriptions=active,
        inactive_subscriptions=inactive,
        by_batch_year=dict(sorted(by_year.items())),
        custom_deadlines=int(custom),
        deliveries=deliveries,
    )


# --- the delivery ledger ---------------------------------------------------------------------


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
    if session.get_bind().dialect.name == "postgresql":
        # Row leases for many schedulers at once: rows another claimer is taking right now are
        # skipped, not waited for (no claimer blocks another, none re-reads a taken row).
        candidates = candidates.with_for_update(skip_locked=True, of=ReminderDelivery)
    session.execute(
        update(ReminderDelivery)
        # The claimable test is repeated on the outer UPDATE: under PostgreSQL's READ COMMITTED
        # a row another claimer took meanwhile is re-checked and skipped.
        .where(col(ReminderDelivery.id).in_(candidates.scalar_subquery()), _claimable(stamp))
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


__all__ = [
    "CLAIMED",
    "DEAD",
    "DEFAULT_LEADS",
    "EXPIRED",
    "PENDING",
    "SENT",
    "SUPERSEDED",
    "DueReminder",
    "ReminderStats",
    "add_custom_deadline",
    "cancel_subscription",
    "claim_batch",
    "create_subscription",
    "custom_specs",
    "deactivate_chat",
    "delete_user_reminders",
    "ensure_deliveries",
    "existing_deliveries",
    "expire_passed",
    "get_subscription",
    "list_custom_deadlines",
    "list_deliveries",
    "list_subscriptions",
    "mark_dead",
    "mark_retry",
    "mark_sent",
    "release",
    "renew_lease",
    "stats",
]
