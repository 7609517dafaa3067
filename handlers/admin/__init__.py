"""The admin slice: /admin for operators (ADMIN_IDS): counts and operator deadlines.

`router` holds the admin-only handlers behind one router-level `IsAdmin` filter, then the
refusal everyone else gets. It reads and writes through an `AdminBackend` (backend.py) the
composition root hands over as workflow data `admin_backend` (bot/admin_backend.py implements
it on the reminders repository): slices never import each other.
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
