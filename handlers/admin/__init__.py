"""The admin slice: /admin for operators (ADMIN_IDS): counts and operator deadlines.

`router` holds the admin-only handlers behind one router-level `IsAdmin` filter, then the
refusal everyone else gets. It reads and writes through the reminders slice's repository (the
only feature it administers today).
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


from aiogram import Router

from handlers.admin.router import admin_only, refusal

register_texts(Path(__file__).with_name("texts.yaml"))

router = Router(name="admin")
router.include_router(admin_only)
router.include_router(refusal)

__all__ = ["router"]
