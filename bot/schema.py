"""Every feature's tables and `/forget` hooks, known in this one place (the composition root).

Importing this module registers every table on SQLModel.metadata, so `Database.create_all()`
creates them all (`prepare_database` also upgrades older files in place). `FORGETTERS` lists
each feature's `forget_user(session, *, user_id)`, handed to the account slice's /forget as
workflow data.
"""

from __future__ import annotations

from collections.abc import Callable

import handlers.ask.models
import handlers.assess.models
import handlers.reminders.models  # noqa: F401
import infra.fsm  # the FSM state table (registered on import)
import infra.users  # noqa: F401
from bot.channels.identity import forget_user as forget_identity
from handlers.ask import forget_user as forget_asked
from handlers.assess import forget_user as forget_assessments
from handlers.reminders import forget_user as forget_reminders
from handlers.reminders import schema as reminders_schema
from infra.db import Database

# Order: no constraint between features (each deletes only its own rows; the user row goes last).
FORGETTERS: tuple[Callable[..., int], ...] = (
    forget_asked,
    forget_assessments,
    forget_reminders,
    forget_identity,  # the (channel, external id) -> user id row of a non-Telegram user
)

# Upgrades of databases written by earlier releases that `create_all` cannot do (it never adds
# an index to an existing table). Idempotent; run after create_all. Alembic will replace them.
UPGRADES: tuple[Callable[[Database], object], ...] = (reminders_schema.upgrade,)


def prepare_database(db: Database) -> None:
    """Every table, plus the in-place upgrades: what start-up and the CLI run first."""
    db.create_all()
    for upgrade in UPGRADES:
        upgrade(db)
