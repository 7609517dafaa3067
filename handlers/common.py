"""Small helpers every feature router shares."""

from __future__ import annotations

from aiogram.types import CallbackQuery


def callback_chat_id(query: CallbackQuery) -> int:
    """The chat a pressed button lives in. Telegram omits the message when it is too old to
    edit (or came from an inline message); the presser's private chat is then the place to
    answer."""
    return query.message.chat.id if query.message is not None else query.from_user.id
