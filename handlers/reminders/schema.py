"""Bringing a database written by an earlier release up to this slice's schema.

`create_all` creates missing tables but never adds an index to an existing one, so a database
from before "one subscription per user, chat and batch" has no unique index and may hold
duplicates. `upgrade` folds them (repo.merge_duplicate_subscriptions) and builds the index with
CREATE UNIQUE INDEX IF NOT EXISTS (SQLite and PostgreSQL; reflecting an expression index would
only warn). Idempotent and cheap when already done: one GROUP BY on the index. (When the project
moves to Alembic migrations this becomes one revision.)
"""

from __future__ import annotations

import logging

from sqlalchemy import inspect
from sqlalchemy.schema import CreateIndex
from sqlmodel import Session

from handlers.reminders.models import ONE_SUBSCRIPTION_PER_BATCH, ReminderSubscription
from handlers.reminders.repo.subscriptions import merge_duplicate_subscriptions
from infra.db import Database

logger = logging.getLogger(__name__)


def upgrade(db: Database) -> int:
    """Merge duplicate subscriptions, then create the unique index if it is missing; returns
    the number of duplicates merged."""
    if not inspect(db.engine).has_table(ReminderSubscription.__tablename__):
        return 0
    with Session(db.engine) as session:
        merged = merge_duplicate_subscriptions(session)
    with db.engine.begin() as connection:
        connection.execute(CreateIndex(ONE_SUBSCRIPTION_PER_BATCH, if_not_exists=True))
    if merged:
        logger.warning("reminders: merged %d duplicate subscriptions", merged)
    return merged
