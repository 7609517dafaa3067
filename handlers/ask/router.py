"""Questions: any text that no other router took is a question for the answerer.

This router is included last (see bot/routers.py): its text handler matches everything.

An answer is one or more HTML messages (split at 4,096 characters on paragraph boundaries); the
last part carries the buttons: 查看原文 for each cited article and 👍/👎 feedback. The answer and
its citations are stored in the DB and the buttons carry only the answer's id, so callback data
stays far below Telegram's 64 bytes and buttons keep working after a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from aiogram import Bot, F, Router
from aiogram.enums import ChatType, MessageEntityType
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    CallbackQuery,
    Message,
    ReplyParameters,
)

from handlers.ask.models import AnswerRecord
from handlers.ask.repo import (
    StoredCitation,
    answer_citations,
    get_answer,
    record_answer,
    record_feedback,
)
from handlers.ask.views import (
    FeedbackCb,
    SourceCb,
    answer_keyboard,
    render_answer,
    render_article,
)
from infra.callbacks import callback_chat_id, refuse_unless_owner
from infra.clock import Clock
from infra.db import Database
from infra.i18n import t
from infra.rendering import (
    clean,
    split_html,
)
from infra.users import User

if TYPE_CHECKING:
    from knowledge.kb import KnowledgeBase
    from retrieval.service import Answerer

logger = logging.getLogger(__name__)

router = Router(name="ask")

# The answerer gets at most this much of a question: retrieval cost grows with the text and
# nothing useful is gained from a pasted essay.
MAX_QUESTION_CHARS = 1000
TYPING_INTERVAL = 4.5  # Telegram shows "typing…" for 5 s per action


@contextlib.asynccontextmanager
async def typing_action(bot: Bot, chat_id: int) -> AsyncIterator[None]:
    """Show "typing…" right away and every few seconds until the block ends.

    Unlike aiogram's ChatActionSender it sends the first action at once (no initial sleep) and
    never lets a failed chat action (a blocked user, a flaky network) escape from its task.
    """

    async def send_action() -> bool:
        try:
            await bot.send_chat_action(chat_id=chat_id, action="typing")
        except Exception:  # cosmetic only: never fail an answer because of it
            logger.debug("chat action failed in chat %s", chat_id, exc_info=True)
            return False
        return True

    async def keep_typing() -> None:
        while True:
            await asyncio.sleep(TYPING_INTERVAL)
            if not await send_action():
                return

    # The first action is awaited so that it reaches the user even when the answer is quick.
    await send_action()
    task = asyncio.create_task(keep_typing())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def answer_question(
    *,
    bot: Bot,
    chat_id: int,
    user_id: int,
    question: str,
    lang: str,
    answerer: Answerer,
    db: Database,
    clock: Clock,
    reply_to: int | None = None,
) -> list[Message]:
    """Ask the answerer (in a worker thread: retrieval is CPU-bound), store and send the answer.

    Shared by typed questions and the example buttons of /start.
    """
    question = clean(question).strip()[:MAX_QUESTION_CHARS]
    async with typing_action(bot, chat_id):
        answer = await asyncio.to_thread(answerer.ask, question, lang)
    citations = [
        StoredCitation(doc=c.doc, ref=c.ref, item=c.item, label=c.label or c.ref)
        for c in answer.citations
    ]

    def store() -> AnswerRecord:
        with db.session() as session:
            return record_answer(
                session,
                user_id=user_id,
                chat_id=chat_id,
                question=question,
                answer=answer.answer,
                in_scope=bool(answer.in_scope),
                score=float(answer.score),
                lang=lang,
                citations=citations if answer.in_scope else [],
                now=clock(),
            )

    # A worker thread, like the answerer: on PostgreSQL the insert is network round trips that
    # would stall every other user's update on the loop thread.
    record = await asyncio.to_thread(store)
    assert record.id is not None
    keyboard = answer_keyboard(record.id, citations if answer.in_scope else [], lang)
    parts = split_html(render_answer(answer, lang))
    reply = (
        ReplyParameters(message_id=reply_to, allow_sending_without_reply=True)
        if reply_to is not None
        else None
    )
    sent: list[Message] = []
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        sent.append(
            await bot.send_message(
                chat_id,
                part,
                reply_markup=keyboard if last else None,
                reply_parameters=reply if index == 0 else None,
            )
        )
    return sent


def _is_blank(text: str) -> bool:
    """Nothing a person could read: spaces, ideographic spaces, zero-width and control marks."""
    return not any(char.isprintable() and not char.isspace() for char in clean(text))


async def _addressed_text(message: Message, bot: Bot) -> str | None:
    """The question in `message`, or None when the bot should stay silent.

    Private chats: all text. Groups: only when the bot is mentioned or replied to, with the
    mention removed.
    """
    text = message.text or ""
    if message.chat.type == ChatType.PRIVATE:
        return text
    me = await bot.me()
    username = f"@{me.username}".lower() if me.username else None
    replied_to_bot = (
        message.reply_to_message is not None
        and message.reply_to_message.from_user is not None
        and message.reply_to_message.from_user.id == me.id
    )
    mentioned = False
    for entity in message.entities or ():
        if entity.type == MessageEntityType.MENTION:
            value = entity.extract_from(text)
            if username and value.lower() == username:
                mentioned = True
    if not mentioned and username and username in text.lower():
        mentioned = True
    if not (mentioned or replied_to_bot):
        return None
    if username:
        start = text.lower().find(username)
        while start != -1:
            text = text[:start] + text[start + len(username) :]
            start = text.lower().find(username)
    return text


@router.message(Command("cancel"))
async def on_cancel(message: Message, lang: str, state: FSMContext) -> None:
    """/cancel when no feature's flow claimed it (flows handle their own /cancel first: their
    routers come before this one)."""
    if await state.get_state() is not None:
        await state.clear()
        await message.answer(t("cancel.done", lang))
        return
    await message.answer(t("cancel.nothing", lang))


@router.message(F.text)
async def on_text(
    message: Message,
    bot: Bot,
    user: User,
    lang: str,
    answerer: Answerer,
    db: Database,
    clock: Clock,
) -> None:
    text = await _addressed_text(message, bot)
    if text is None:
        return
    if text.startswith("/"):
        # A command no router knows (or one addressed to another bot in a group).
        if message.chat.type == ChatType.PRIVATE:
            await message.answer(t("ask.unknown_command", lang))
        return
    if _is_blank(text):
        # Only a mention in a group; in a private chat, only spaces (or invisible characters).
        private = message.chat.type == ChatType.PRIVATE
        await message.answer(t("ask.blank" if private else "ask.empty", lang))
        return
    await answer_question(
        bot=bot,
        chat_id=message.chat.id,
        user_id=user.id,
        question=text,
        lang=lang,
        answerer=answerer,
        db=db,
        clock=clock,
        reply_to=message.message_id if message.chat.type != ChatType.PRIVATE else None,
    )


@router.message(F.chat.type == ChatType.PRIVATE)
async def on_non_text(message: Message, lang: str) -> None:
    """Photos, stickers, voice, files…: a short hint (private chats only; groups stay quiet)."""
    await message.answer(t("ask.non_text", lang))


@router.callback_query(SourceCb.filter())
async def on_source(
    query: CallbackQuery,
    callback_data: SourceCb,
    bot: Bot,
    lang: str,
    db: Database,
    kb: KnowledgeBase,
) -> None:
    with db.session() as session:
        record = get_answer(session, answer_id=callback_data.answer_id)
    # Answer ids are sequential: only the answer's owner may open its sources, so nobody can
    # send another user's answer into a chat by forging the id.
    if record is not None and await refuse_unless_owner(query, record.user_id, lang):
        return
    citations = answer_citations(record) if record is not None else []
    if record is None or not 0 <= callback_data.idx < len(citations):
        await query.answer(t("ask.answer_gone", lang), show_alert=True)
        return
    await query.answer()
    chat_id = callback_chat_id(query)
    for part in render_article(kb, citations[callback_data.idx], lang):
        await bot.send_message(chat_id, part)


@router.callback_query(FeedbackCb.filter())
async def on_feedback(
    query: CallbackQuery,
    callback_data: FeedbackCb,
    user: User,
    lang: str,
    db: Database,
    clock: Clock,
) -> None:
    vote = 1 if callback_data.vote > 0 else -1
    with db.session() as session:
        record = get_answer(session, answer_id=callback_data.answer_id)
        if record is None:
            await query.answer(t("ask.answer_gone", lang), show_alert=True)
            return
        if await refuse_unless_owner(query, record.user_id, lang):
            return  # only the person who asked votes on the answer
        record_feedback(
            session, user_id=user.id, answer_id=callback_data.answer_id, vote=vote, now=clock()
        )
        citations = answer_citations(record)
    thanks = "ask.feedback_thanks_up" if vote > 0 else "ask.feedback_thanks_down"
    await query.answer(t(thanks, lang))
    message = query.message
    if isinstance(message, Message):
        # Mark the chosen button so the user sees the vote counted; a second press of the same
        # button would leave the markup unchanged, which Telegram rejects as "not modified".
        with contextlib.suppress(TelegramBadRequest):
            await message.edit_reply_markup(
                reply_markup=answer_keyboard(callback_data.answer_id, citations, record.lang, vote)
            )
