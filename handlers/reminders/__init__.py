"""The reminders slice: /subscribe, /remind, /reminders, the deadline reminders themselves.

- `router`: the slice's router (handlers in `subscribe`, `flow`, `listing`; texts and keyboards
  in `views`, button data in `callbacks`)
- `models`: the tables; `repo`: the repository (subscriptions, operator deadlines, stats, the
  exactly-once delivery ledger)
- `scheduler.ReminderScheduler`: plans and sends due reminders; built by the composition root
  with the process's one `infra.sender.Sender`
- `calendar`: the .ics export
- `forget_user(session, *, user_id)`: /forget's hook (subscriptions and their deliveries)
"""

from __future__ import annotations

from pathlib import Path

from handlers.reminders.repo.subscriptions import forget_user
from handlers.reminders.router import router
from infra.i18n import register_texts

register_texts(Path(__file__).with_name("texts.yaml"))

__all__ = ["forget_user", "router"]
