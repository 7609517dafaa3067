"""Counts for operators (`/admin`, `smebot reminders stats`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from handlers.reminders.models import CustomDeadline, ReminderDelivery, ReminderSubscription

NOT_RECOGNISED_LABEL = "未认定"  # the by-batch key of subscriptions without a batch year


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
            label = NOT_RECOGNISED_LABEL if year is None else str(year)
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
