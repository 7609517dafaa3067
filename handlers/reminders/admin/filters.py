"""The one admin check, as an aiogram filter set on the admin router (not repeated per handler)."""

from __future__ import annotations

from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message

from infra.settings import Settings


def is_admin(user_id: int | None, settings: Settings) -> bool:
    return user_id is not None and user_id in settings.admin_ids


class IsAdmin(Filter):
    """Passes updates from a user listed in `settings.admin_ids` (ADMIN_IDS)."""

    async def __call__(self, event: Message | CallbackQuery, settings: Settings) -> bool:
        user = event.from_user
        return is_admin(user.id if user is not None else None, settings)
