"""/admin for operators (ADMIN_IDS): reminder counts and the deadlines operators announce.

`router` holds the admin-only handlers behind one router-level `IsAdmin` filter, then the
refusal everyone else gets. It is the operator side of the reminders slice (its repository, its
custom deadlines), composed on its own so that it is offered after the user-facing flows.
"""

from __future__ import annotations

from pathlib import Path

from aiogram import Router

from handlers.reminders.admin.router import admin_only, refusal
from infra.i18n import register_texts

register_texts(Path(__file__).with_name("texts.yaml"))

router = Router(name="admin")
router.include_router(admin_only)
router.include_router(refusal)

__all__ = ["router"]
