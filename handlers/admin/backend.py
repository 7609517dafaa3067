"""What the admin slice needs from the features it administers, as a protocol.

Slices meet only through infra/ and the composition root: the admin slice does not import the
reminders slice. `bot/admin_backend.py` implements `AdminBackend` on the reminders repository and
the composition root hands it to the handlers as the workflow data `admin_backend`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

from sqlmodel import Session


@dataclass(frozen=True, slots=True)
class UpcomingDeadline:
    id: int
    due: date
    title: str


@dataclass(frozen=True, slots=True)
class PanelCounts:
    """The numbers /admin shows."""

    active_subscriptions: int
    inactive_subscriptions: int
    by_batch_year: dict[int | None, int]  # None: clusters not yet recognised
    deliveries: dict[str, int]  # delivery status -> count
    upcoming: list[UpcomingDeadline] = field(default_factory=list)


class AdminBackend(Protocol):
    max_title: int  # the longest deadline title the store accepts

    def counts(self, session: Session, *, since: date) -> PanelCounts:
        """Subscription and delivery counts, and the operator deadlines due from `since`."""
        ...

    def add_deadline(self, session: Session, *, title: str, due: date, now: datetime,
                     created_by: int) -> UpcomingDeadline:
        """Store an operator deadline every subscriber of that kind will be reminded of."""
        ...
