"""/forget: delete everything the bot stores about the user, after a confirmation.

The account slice knows no other feature's tables: the composition root passes every feature's
`forget_user(session, *, user_id)` as the workflow data `forgetters`.
"""

from __future__ import annotations

from collections.abc import Sequence

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from infra.callbacks import refuse_unless_owner
from infra.db import Database
from infra.i18n import t
from infra.users import Forgetter, User, delete_user

router = Router(name="account.forget")


class ForgetCb(CallbackData, prefix="forget"):
    """User `uid` confirms (or declines) deleting their data."""

    confirm: bool
    uid: int


@router.message(Command("forget"))
async def on_forget(message: Message, user: User, lang: str) -> None:
    """Ask first: deleting everything is not undoable."""
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text=t("forget.button.yes", lang),
                                     callback_data=ForgetCb(confirm=True, uid=user.id).pack()),
                InlineKeyboardButton(text=t("forget.button.no", lang),
                                     callback_data=ForgetCb(confirm=False, uid=user.id).pack()),
            ]
        ]
    )
    await message.answer(t("forget.confirm", lang), reply_markup=keyboard)


@router.callback_query(ForgetCb.filter())
async def on_forget_button(
    query: CallbackQuery,
    callback_data: ForgetCb,
    bot: Bot,
    user: User,
    lang: str,
    db: Database,
    state: FSMContext,
    forgetters: Sequence[Forgetter] = (),
) -> None:
    # In a group the confirmation is visible to everyone: only the user who asked may answer.
    if await refuse_unless_owner(query, callback_data.uid, lang):
        return
    if callback_data.confirm:
        await state.clear()  # no flow should resume for a user who asked to be forgotten
        with db.session() as session:
            delete_user(session, user_id=user.id, forgetters=forgetters)
    text = t("forget.done" if callback_data.confirm else "forget.kept", lang)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(text, reply_markup=None)
    else:  # the pressed message is too old to edit: say it in a new message
        await bot.send_message(query.from_user.id, text)
