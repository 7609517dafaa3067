"""Callback helpers and callback data shared by several feature slices.

Every button the bot issues is bound to its owner (the user it was shown to, or the owner of the
row it names) and every press gets an answer, even for data the bot never issued: the fallback
router, included after every feature by the composition root, answers what nobody matched.
"""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery

from infra.i18n import t

logger = logging.getLogger(__name__)


def callback_chat_id(query: CallbackQuery) -> int:
    """The chat a pressed button lives in. Telegram omits the message when it is too old to
    edit (or came from an inline message); the presser's private chat is then the place to
    answer."""
    return query.message.chat.id if query.message is not None else query.from_user.id


async def refuse_unless_owner(query: CallbackQuery, owner_id: int | None, lang: str) -> bool:
    """Answer a press by anyone but `owner_id` with an alert; True when it was refused.

    Buttons live in group chats too, and callback data can be forged by a modified client, so
    a handler acts on a button only for the user it belongs to."""
    if owner_id is not None and query.from_user.id == owner_id:
        return False
    logger.info("user %s pressed a button of user %s (%r): refused",
                query.from_user.id, owner_id, query.data)
    await query.answer(t("callback.not_yours", lang), show_alert=True)
    return True


class ExampleCb(CallbackData, prefix="ex"):
    """Ask example question `idx` of the `lang` list (the language the buttons were shown in),
    on behalf of user `uid` (the one /start showed them to).

    Shared by two slices: account's /start shows the buttons, ask answers them. Living here
    keeps the slices from importing each other."""

    lang: str
    idx: int
    uid: int


def fallback_router() -> Router:
    """A router answering every callback no feature matched (old buttons, forged data), so the
    spinner on the user's button always stops. The composition root includes it last."""
    router = Router(name="fallback")

    @router.callback_query()
    async def on_unknown_callback(query: CallbackQuery, lang: str = "zh") -> None:
        logger.info("unmatched callback data %r from user %s", query.data, query.from_user.id)
        await query.answer(t("callback.unknown", lang), show_alert=True)

    return router
