"""Button data of the reminders slice (aiogram CallbackData, packed well under Telegram's 64
bytes) and the states of the guided /remind flow.

Every button carries the id of the user it was shown to (`owner`): in a group anyone can press
any button, and only its owner may act on it (`pressed_by_someone_else`).
"""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery


class RemindCb(CallbackData, prefix="rm"):
    """The /remind flow's buttons. action: year | kind | next | lead | go | ok | quit."""

    action: str
    value: str = ""
    owner: int = 0


class SubCb(CallbackData, prefix="rs"):
    """/reminders buttons. action: cancel | ics (sub_id 0 = every subscription)."""

    action: str
    sub_id: int = 0
    owner: int = 0


class RemindFlow(StatesGroup):
    cluster_name = State()
    batch_year = State()
    kinds = State()
    leads = State()
    confirm = State()


def pressed_by_someone_else(query: CallbackQuery, callback_data: RemindCb | SubCb) -> bool:
    """Filter: the button was shown to another user (or carries no owner: forged or older)."""
    return callback_data.owner != query.from_user.id
