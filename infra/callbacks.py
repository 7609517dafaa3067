"""Callback helpers and callback data shared by several feature slices."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery


def callback_chat_id(query: CallbackQuery) -> int:
    """The chat a pressed button lives in. Telegram omits the message when it is too old to
    edit (or came from an inline message); the presser's private chat is then the place to
    answer."""
    return query.message.chat.id if query.message is not None else query.from_user.id


class ExampleCb(CallbackData, prefix="ex"):
    """Ask example question `idx` of the `lang` list (the language the buttons were shown in).

    Shared by two slices: account's /start shows the buttons, ask answers them. Living here
    keeps the slices from importing each other."""

    lang: str
    idx: int
