"""The example-question buttons /start offers: pressing one asks that question."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiogram import Bot, Router
from aiogram.types import CallbackQuery

from handlers.ask.router import answer_question
from infra.callbacks import ExampleCb, callback_chat_id, refuse_unless_owner
from infra.clock import Clock
from infra.db import Database
from infra.i18n import examples
from infra.users import User

if TYPE_CHECKING:
    from retrieval.service import Answerer

router = Router(name="ask.examples")


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
    if await refuse_unless_owner(query, callback_data.uid, lang):
        return
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
