"""/lang: choose Chinese or English (overrides the language Telegram reports)."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from infra.callbacks import refuse_unless_owner
from infra.db import Database
from infra.i18n import t
from infra.users import SUPPORTED_LANGS, User, set_lang

router = Router(name="account.lang")


class LangCb(CallbackData, prefix="lang"):
    """Set user `uid`'s language to `lang`."""

    lang: str
    uid: int


def lang_keyboard(user_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text="中文", callback_data=LangCb(lang="zh", uid=user_id).pack()
                ),
                InlineKeyboardButton(
                    text="English", callback_data=LangCb(lang="en", uid=user_id).pack()
                ),
            ]
        ]
    )


@router.message(Command("lang"))
async def on_lang(message: Message, command: CommandObject, user: User, lang: str,
                  db: Database) -> None:
    choice = (command.args or "").strip().lower()
    if not choice:
        await message.answer(t("lang.choose", lang), reply_markup=lang_keyboard(user.id))
        return
    choice = {"cn": "zh", "中文": "zh", "english": "en"}.get(choice, choice)
    if choice not in SUPPORTED_LANGS:
        await message.answer(t("lang.unknown", lang))
        return
    with db.session() as session:
        set_lang(session, user_id=user.id, lang=choice)
    await message.answer(t("lang.set", choice))


@router.callback_query(LangCb.filter())
async def on_lang_button(query: CallbackQuery, callback_data: LangCb, user: User, lang: str,
                         db: Database) -> None:
    if await refuse_unless_owner(query, callback_data.uid, lang):
        return
    choice = callback_data.lang
    if choice not in SUPPORTED_LANGS:  # data we never issued: say so, change nothing
        await query.answer(t("lang.unknown", lang), show_alert=True)
        return
    with db.session() as session:
        set_lang(session, user_id=user.id, lang=choice)
    await query.answer(t("lang.set", choice))
    if isinstance(query.message, Message):
        await query.message.answer(t("lang.set", choice))
