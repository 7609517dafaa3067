"""/start and /help; /start offers example questions as buttons (the ask slice answers them)."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandStart
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message

from infra.callbacks import ExampleCb
from infra.i18n import examples, t
from infra.users import User

router = Router(name="account.start")


def examples_keyboard(lang: str, user_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=question, callback_data=ExampleCb(lang=lang, idx=index, uid=user_id).pack()
                )
            ]
            for index, question in enumerate(examples(lang))
        ]
    )


@router.message(CommandStart())
async def on_start(message: Message, user: User, lang: str) -> None:
    name = user.first_name or (message.from_user.first_name if message.from_user else "")
    await message.answer(
        t("start.greeting", lang, name=name or "朋友"),
        reply_markup=examples_keyboard(lang, user.id),
    )


@router.message(Command("help"))
async def on_help(message: Message, lang: str) -> None:
    await message.answer(t("help", lang))
