"""Every feature's tables and `/forget` hooks, known in this one place (the composition root).

Importing this module registers every table on SQLModel.metadata, so `Database.create_all()`
creates them all (tests); start-up and the CLI run the Alembic migrations (`bot.migrations`).
`FORGETTERS` lists each feature's `forget_user(session, *, user_id)`, handed to the account
slice's /forget as workflow data.
"""

from __future__ import annotations

from collections.abc import Callable

import handlers.ask.models
import handlers.assess.models
import handlers.reminders.models  # noqa: F401
import infra.dedup  # the dedup_keys table (registered on import)
import infra.fsm  # the FSM state table (registered on import)
import infra.users  # noqa: F401
from bot.channels.identity import forget_user as forget_identity
from handlers.ask import forget_user as forget_asked
from handlers.assess import forget_user as forget_assessments
from handlers.reminders import forget_user as forget_reminders

# Order: no constraint between features (each deletes only its own rows; the user row goes last).
FORGETTERS: tuple[Callable[..., int], ...] = (
    forget_asked,
    forget_assessments,
    forget_reminders,
    forget_identity,  # the (channel, external id) -> user id row of a non-Telegram user
)


