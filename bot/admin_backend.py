"""The admin slice's backend (handlers.admin.backend.AdminBackend) on the reminders repository.

Lives in the composition root because it is the one place allowed to know two slices.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session

from handlers.admin.backend import PanelCounts, UpcomingDeadline
from handlers.reminders import repo
from handlers.reminders.repo.deadlines import MAX_TITLE
from handlers.reminders.repo.stats import NOT_RECOGNISED_LABEL


class RemindersAdminBackend:
    max_title = MAX_TITLE

    def counts(self, session: Session, *, since: date) -> PanelCounts:
        stats = repo.stats(session)
        return PanelCounts(
            active_subscriptions=stats.active_subscriptions,
            inactive_subscriptions=stats.inactive_subscriptions,
            by_batch_year={
                None if label == NOT_RECOGNISED_LABEL else int(label): count
                for label, count in stats.by_batch_year.items()
            },
            deliveries=dict(stats.deliveries),
            upcoming=[
                UpcomingDeadline(int(row.id or 0), row.due, row.title)
                for row in repo.list_custom_deadlines(session, since=since)
            ],
        )

    def add_deadline(self, session: Session, *, title: str, due: date, now: datetime,
                     created_by: int) -> UpcomingDeadline:
        row = repo.add_custom_deadline(session, title=title, due=due, now=now,
                                       created_by=created_by)
        return UpcomingDeadline(int(row.id or 0), row.due, row.title)
