"""Bringing a database written by an earlier release up to this slice's schema.

`create_all` creates missing tables but never adds an index to an existing one, so a database
from before "one subscription per user, chat and batch" has no unique index and may hold
duplicates. `upgrade` folds them (repo.merge_duplicate_subscriptions) and builds the index with
CREATE UNIQUE INDEX IF NOT EXISTS (SQLite and PostgreSQL; reflecting an expression index would
only warn). Idempotent and cheap when already done: one GROUP BY on the index. The Alembic
revision 0004 (bot/migrations) does the same on its own inline table definitions (a migration
never imports slice code, which changes later); this module serves tools and tests that hold a
`Database` outside the migrations.
"""

from __future__ import annotations

import logging

from sqlalchemy import Connection, inspect
from sqlalchemy.schema import CreateIndex
from sqlmodel import Session

from handlers.reminders.models import ONE_SUBSCRIPTION_PER_BATCH, ReminderSubscription
from handlers.reminders.repo.subscriptions import merge_duplicate_subscriptions
from infra.db import Database

logger = logging.getLogger(__name__)


def upgrade(db: Database) -> int:
    """Merge duplicate subscriptions, then create the unique index if it is missing; returns
    the number of duplicates merged."""
    with db.engine.begin() as connection:
        return fold_duplicates_and_index(connection)


def fold_duplicates_and_index(connection: Connection) -> int:
    """`upgrade` inside the caller's transaction (an Alembic revision's connection)."""
    if not inspect(connection).has_table(ReminderSubscription.__tablename__):
        return 0
    # The session joins the connection's transaction: its commit() does not end it.
    with Session(bind=connection, join_transaction_mode="create_savepoint") as session:
        merged = merge_duplicate_subscriptions(session)
    connection.execute(CreateIndex(ONE_SUBSCRIPTION_PER_BATCH, if_not_exists=True))
    if merged:
        logger.warning("reminders: merged %d duplicate subscriptions", merged)
    return merged
