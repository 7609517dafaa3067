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

try:
    from infra.i18n import register_texts
except ImportError:  # TODO(rem): main's catalogue before per-slice texts.yaml; drop on merge

    def register_texts(path: Path) -> None:
        import yaml

        from infra import i18n

        i18n.TEXTS.update(yaml.safe_load(path.read_text(encoding="utf-8")))  # type: ignore[attr-defined]


register_texts(Path(__file__).with_name("texts.yaml"))

from handlers.reminders.repo.subscriptions import forget_user  # noqa: E402
from handlers.reminders.router import router  # noqa: E402

__all__ = ["forget_user", "router"]
