"""The admin slice: /admin for operators (ADMIN_IDS): counts and operator deadlines.

`router` holds the admin-only handlers behind one router-level `IsAdmin` filter, then the
refusal everyone else gets. It reads and writes through the reminders slice's repository (the
only feature it administers today).
"""

from __future__ import annotations

from pathlib import Path

from aiogram import Router

from handlers.admin.router import admin_only, refusal
from infra.i18n import register_texts

register_texts(Path(__file__).with_name("texts.yaml"))

router = Router(name="admin")
router.include_router(admin_only)
router.include_router(refusal)

__all__ = ["router"]
