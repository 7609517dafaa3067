"""Subscriptions: create (one per user, chat and batch: a second one merges into the first),
list, cancel, deactivate after a 403, and delete for /forget.

Every helper takes an open SQLModel `Session` first and keyword-only arguments after it, and
commits (each call is one unit of work). Times are aware datetimes converted to UTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import delete, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from handlers.reminders.models import (
    NO_BATCH_KEY,
    SENT,
    TERMINAL_STATUSES,
    ReminderDelivery,
    ReminderSubscription,
)
from knowledge.deadlines import ALL_KINDS

DEFAULT_LEADS: tuple[int, ...] = (30, 7, 1)
MAX_LEAD_DAYS = 365
MAX_CLUSTER_NAME = 100


def utc(moment: datetime) -> datetime:
    """Any aware datetime -> the same moment in UTC (naive input is taken as UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _kinds_list(kinds: Sequence[str]) -> list[str]:
    unknown = [k for k in kinds if k not in ALL_KINDS]
    if unknown or not kinds:
        raise ValueError(f"unknown or no deadline kinds: {unknown or list(kinds)}")
    return [k for k in ALL_KINDS if k in set(kinds)]


def _leads_list(lead_days: Sequence[int]) -> list[int]:
    leads = sorted({int(d) for d in lead_days}, reverse=True)
    if not leads or any(d < 0 or d > MAX_LEAD_DAYS for d in leads):
        raise ValueError(f"lead times must be 0..{MAX_LEAD_DAYS} days, got {list(lead_days)}")
    return leads


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
    """Insert a subscription. Raises `IntegrityError` when the chat already has one for this
    user and batch (the schema's rule); handlers call `subscribe`, which merges instead."""
    sub = ReminderSubscription(
        user_id=user_id,
        chat_id=chat_id,
        cluster_name=cluster_name.strip()[:MAX_CLUSTER_NAME],
        batch_year=batch_year,
        kinds=_kinds_list(kinds),
        lead_days=_leads_list(lead_days),
        lang=lang,
        active=True,
        created_at=utc(now),
    )
    session.add(sub)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise
    session.refresh(sub)
    return sub


SubscribeOutcome = Literal["created", "merged", "unchanged"]


@dataclass(frozen=True, slots=True)
class Subscribed:
    subscription: ReminderSubscription
    outcome: SubscribeOutcome


def find_active(
    session: Session, *, user_id: int, chat_id: int, batch_year: int | None
) -> ReminderSubscription | None:
    """The user's active subscription to this batch in this chat (at most one, by schema)."""
    return session.exec(
        select(ReminderSubscription).where(
            col(ReminderSubscription.user_id) == user_id,
            col(ReminderSubscription.chat_id) == chat_id,
            func.coalesce(col(ReminderSubscription.batch_year), NO_BATCH_KEY)
            == (NO_BATCH_KEY if batch_year is None else batch_year),
            col(ReminderSubscription.active).is_(True),
        )
    ).first()


def subscribe(
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
    rename: bool = True,
) -> Subscribed:
    """Subscribe the user to a batch in a chat: one subscription per (user, chat, batch), so
    `/remind` and `/subscribe` for one batch never send a reminder twice.

    A second subscription to the same batch merges into the first: the union of the deadline
    kinds and lead times, and the new cluster name when `rename` (a name the user typed in
    /remind replaces an earlier one; /subscribe's made-up name never replaces a typed one).
    """
    kind_list, lead_list = _kinds_list(kinds), _leads_list(lead_days)
    for _attempt in range(2):  # a concurrent insert of the same batch: merge into it instead
        existing = find_active(session, user_id=user_id, chat_id=chat_id, batch_year=batch_year)
        if existing is not None:
            return _merge_into(session, existing, kind_list, lead_list,
                               cluster_name if rename else existing.cluster_name, lang)
        try:
            sub = create_subscription(
                session, user_id=user_id, chat_id=chat_id, cluster_name=cluster_name,
                batch_year=batch_year, kinds=kinds, lead_days=lead_days, lang=lang, now=now,
            )
        except IntegrityError:
            continue
        return Subscribed(sub, "created")
    raise RuntimeError("could not create or find the subscription")  # pragma: no cover


def _merge_into(
    session: Session,
    sub: ReminderSubscription,
    kinds: Sequence[str],
    leads: Sequence[int],
    cluster_name: str,
    lang: str,
) -> Subscribed:
    merged_kinds = _kinds_list([*sub.kind_list, *kinds])
    merged_leads = _leads_list([*sub.lead_list, *leads])
    name = cluster_name.strip()[:MAX_CLUSTER_NAME]
    if (merged_kinds, merged_leads) == (sub.kind_list, sub.lead_list) and name == sub.cluster_name:
        return Subscribed(sub, "unchanged")
    sub.kinds, sub.lead_days, sub.lang = merged_kinds, merged_leads, lang
    if name:
        sub.cluster_name = name
    session.add(sub)
    session.commit()
    session.refresh(sub)
    return Subscribed(sub, "merged")


def merge_duplicate_subscriptions(session: Session) -> int:
    """Fold active duplicates (same user, chat and batch, left by releases before the unique
    index) into the oldest one; returns how many were folded. Run before the index is built.

    The survivor gets the union of kinds and lead times. Of the duplicates' deliveries, one row
    per (deadline, lead) is kept on the survivor — a finished one ('sent' first) rather than a
    pending one, so nothing already sent goes out again.
    """
    batch_key = func.coalesce(col(ReminderSubscription.batch_year), NO_BATCH_KEY)
    duplicated = (
        select(ReminderSubscription.user_id, ReminderSubscription.chat_id, batch_key)
        .where(col(ReminderSubscription.active).is_(True))
        .group_by(col(ReminderSubscription.user_id), col(ReminderSubscription.chat_id), batch_key)
        .having(func.count() > 1)
    )
    groups: dict[tuple[int, int, int], list[ReminderSubscription]] = {}
    for user_id, chat_id, key in session.execute(duplicated).all():
        groups[(user_id, chat_id, key)] = list(session.exec(
            select(ReminderSubscription)
            .where(
                col(ReminderSubscription.user_id) == user_id,
                col(ReminderSubscription.chat_id) == chat_id,
                batch_key == key,
                col(ReminderSubscription.active).is_(True),
            )
            .order_by(col(ReminderSubscription.id))
        ).all())
    folded = 0
    for group in groups.values():
        if len(group) < 2:
            continue
        survivor, duplicates = group[0], group[1:]
        survivor.kinds = _kinds_list([k for s in group for k in s.kind_list])
        survivor.lead_days = _leads_list([d for s in group for d in s.lead_list])
        _fold_deliveries(session, survivor, duplicates)
        for dup in duplicates:
            session.delete(dup)
        session.add(survivor)
        folded += len(duplicates)
    session.commit()
    return folded


def _rank(row: ReminderDelivery) -> int:
    """Which of several rows for one (deadline, lead) to keep: sent, then finished, then any."""
    if row.status == SENT:
        return 0
    return 1 if row.status in TERMINAL_STATUSES else 2


def _fold_deliveries(
    session: Session, survivor: ReminderSubscription, duplicates: Sequence[ReminderSubscription]
) -> None:
    ids = [int(s.id or 0) for s in (survivor, *duplicates)]
    rows = session.exec(
        select(ReminderDelivery).where(col(ReminderDelivery.subscription_id).in_(ids))
    ).all()
    best: dict[tuple[str, int], ReminderDelivery] = {}
    for row in rows:
        key = (row.deadline_key, row.lead_days)
        if key not in best or _rank(row) < _rank(best[key]):
            best[key] = row
    keep = {int(row.id or 0) for row in best.values()}
    for row in rows:
        if int(row.id or 0) not in keep:
            session.delete(row)
    session.flush()  # the unique (subscription, deadline, lead) key is free before re-pointing
    for row in best.values():
        row.subscription_id = int(survivor.id or 0)
        session.add(row)
    session.flush()


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


def forget_user(session: Session, *, user_id: int) -> int:
    """/forget: delete the user's subscriptions and their deliveries. Does not commit (the
    account slice runs every feature's forget_user in one transaction); returns rows deleted."""
    ids = list(session.exec(
        select(ReminderSubscription.id).where(col(ReminderSubscription.user_id) == user_id)
    ).all())
    if not ids:
        return 0
    # Explicit, not only ON DELETE CASCADE: SQLite enforces foreign keys per connection only.
    deliveries = session.execute(
        delete(ReminderDelivery).where(col(ReminderDelivery.subscription_id).in_(ids))
    )
    subs = session.execute(
        delete(ReminderSubscription).where(col(ReminderSubscription.id).in_(ids))
    )
    return int(deliveries.rowcount or 0) + int(subs.rowcount or 0)  # type: ignore[attr-defined]


def delete_user_reminders(session: Session, *, user_id: int) -> int:
    """Delete the user's subscriptions and their deliveries, committed; returns subscriptions."""
    count = len(list_subscriptions(session, user_id=user_id, active_only=False))
    forget_user(session, user_id=user_id)
    session.commit()
    return count
