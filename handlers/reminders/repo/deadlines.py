"""Operator deadlines (`/admin add`, `smebot reminders add-deadline`): every subscriber of the
"custom" kind hears about them."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, col, select

from handlers.reminders.models import CustomDeadline
from handlers.reminders.repo.subscriptions import utc
from knowledge.deadlines import CustomDeadlineSpec

MAX_TITLE = 200


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
    if len(title) > MAX_TITLE:
        raise ValueError(f"the title is longer than {MAX_TITLE} characters")
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
    """The active operator deadlines as the pure rules (knowledge.deadlines) take them."""
    return [
        CustomDeadlineSpec(id=int(row.id or 0), title=row.title, due=row.due, title_en=row.title_en)
        for row in list_custom_deadlines(session, since=since)
    ]
