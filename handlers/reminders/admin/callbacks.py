"""Button data and flow states of the admin slice."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.state import State, StatesGroup


class AdminCb(CallbackData, prefix="adm"):
    """action: add | stats. `owner`: the administrator the panel was shown to."""

    action: str
    owner: int = 0


class AdminFlow(StatesGroup):
    title = State()
    due = State()
