"""Every feature's tables and `/forget` hooks, known in this one place (the composition root).

Importing this module registers every table on SQLModel.metadata, so `Database.create_all()`
creates them all. `FORGETTERS` lists each feature's `forget_user(session, *, user_id)`, handed to
the account slice's /forget as workflow data.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import delete as sa_delete
from sqlmodel import Session, SQLModel, col

import bot.models  # noqa: F401  (reminder tables, until their slice owns them)
import infra.dedup
import infra.fsm
import infra.users  # noqa: F401
from bot.models.reminders import ReminderSubscription
from handlers.ask import forget_user as forget_asked
from handlers.assess import forget_user as forget_assessments
from infra.users import Forgetter


def _forget_rows(*tables: type[SQLModel]) -> Forgetter:
    """A stand-in `forget_user` for a feature that has none yet: deletes its rows by `user_id`;
    rows hanging off them (deliveries, answers) go through their ON DELETE CASCADE keys."""

    def forget(session: Session, *, user_id: int) -> int:
        deleted = 0
        for table in tables:
            result = session.execute(sa_delete(table).where(col(table.user_id) == user_id))
            deleted += result.rowcount or 0
        return deleted

    return forget


# Order: no constraint between features (each deletes only its own rows; the user row goes last).
FORGETTERS: tuple[Callable[..., int], ...] = (
    forget_asked,
    forget_assessments,
    # TODO(reminders helper): replace with handlers.reminders's forget_user.
    _forget_rows(ReminderSubscription),
)
