"""/start, /help and /lang, plus the example-question buttons /start offers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.clock import Clock
from bot.db import Database
from bot.models.users import User
from bot.repos.users import SUPPORTED_LANGS, delete_user, set_lang
from handlers.ask import answer_question
from handlers.common import callback_chat_id
from handlers.texts import examples, t

if TYPE_CHECKING:
    from retrieval.service import Answerer

router = Router(name="start")


class ExampleCb(CallbackData, prefix="ex"):
    """Ask example question `idx` of the `lang` list (the language the buttons were shown in)."""

    lang: str
    idx: int


class LangCb(CallbackData, prefix="lang"):
    lang: str


class ForgetCb(CallbackData, prefix="forget"):
    confirm: bool


def examples_keyboard(lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=question, callback_data=ExampleCb(lang=lang, idx=index).pack()
                )
            ]
            for index, question in enumerate(examples(lang))
        ]
    )


def lang_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text="中文", callback_data=LangCb(lang="zh").pack()),
                InlineKeyboardButton(text="English", callback_data=LangCb(lang="en").pack()),
            ]
        ]
    )


@router.message(CommandStart())
async def on_start(message: Message, user: User, lang: str) -> None:
    name = user.first_name or (message.from_user.first_name if message.from_user else "")
    await message.answer(
        t("start.greeting", lang, name=name or "朋友"), reply_markup=examples_keyboard(lang)
    )


@router.message(Command("help"))
async def on_help(message: Message, lang: str) -> None:
    await message.answer(t("help", lang))


@router.message(Command("lang"))
async def on_lang(message: Message, command: CommandObject, user: User, lang: str,
                  db: Database) -> None:
    choice = (command.args or "").strip().lower()
    if not choice:
        await message.answer(t("lang.choose", lang), reply_markup=lang_keyboard())
        return
    choice = {"cn": "zh", "中文": "zh", "english": "en"}.get(choice, choice)
    if choice not in SUPPORTED_LANGS:
        await message.answer(t("lang.unknown", lang))
        return
    with db.session() as session:
        set_lang(session, user_id=user.id, lang=choice)
    await message.answer(t("lang.set", choice))


@router.callback_query(LangCb.filter())
async def on_lang_button(query: CallbackQuery, callback_data: LangCb, user: User,
                         db: Database) -> None:
    choice = callback_data.lang if callback_data.lang in SUPPORTED_LANGS else "zh"
    with db.session() as session:
        set_lang(session, user_id=user.id, lang=choice)
    await query.answer(t("lang.set", choice))
    if isinstance(query.message, Message):
        await query.message.answer(t("lang.set", choice))


@router.callback_query(ExampleCb.filter())
async def on_example(
    query: CallbackQuery,
    callback_data: ExampleCb,
    bot: Bot,
    user: User,
    lang: str,
    answerer: Answerer,
    db: Database,
    clock: Clock,
) -> None:
    questions = examples(callback_data.lang)
    if not 0 <= callback_data.idx < len(questions):
        await query.answer()
        return
    # Answer the query first: the spinner on the button should stop before retrieval runs.
    await query.answer()
    chat_id = callback_chat_id(query)
    await answer_question(
        bot=bot,
        chat_id=chat_id,
        user_id=user.id,
        question=questions[callback_data.idx],
        lang=lang,
        answerer=answerer,
        db=db,
        clock=clock,
    )


@router.message(Command("forget"))
async def on_forget(message: Message, lang: str) -> None:
    """Ask first: deleting everything is not undoable."""
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text=t("forget.button.yes", lang),
                                     callback_data=ForgetCb(confirm=True).pack()),
                InlineKeyboardButton(text=t("forget.button.no", lang),
                                     callback_data=ForgetCb(confirm=False).pack()),
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
) -> None:
    if callback_data.confirm:
        await state.clear()  # no flow should resume for a user who asked to be forgotten
        with db.session() as session:
            delete_user(session, user_id=user.id)
    text = t("forget.done" if callback_data.confirm else "forget.kept", lang)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(text, reply_markup=None)
    else:  # the pressed message is too old to edit: say it in a new message
        await bot.send_message(query.from_user.id, text)
