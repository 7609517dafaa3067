"""The glue between the chat and the draft: loading, saving and moving the cursor in the
database, choosing the screen to show, and answering a pressed button. The draft lives in the
database (cursor + every answer as given), so a restart loses nothing: FSM state only tells the
dispatcher that a typed message is an answer (and holds a figure awaiting confirmation).
"""

from __future__ import annotations

from datetime import datetime

from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from handlers.assess import repo
from handlers.assess.flow import Question, edition_by_id, questions
from handlers.assess.keyboards import question_keyboard, summary_keyboard
from handlers.assess.models import DRAFT, AssessmentAnswer, AssessmentRecord
from handlers.assess.texts import t
from handlers.assess.views import question_html, summary_html
from infra.clock import Clock
from infra.db import Database
from infra.users import User


class AssessFlow(StatesGroup):
    answering = State()


def now(clock: Clock) -> datetime:
    return clock()


def owned(db: Database, aid: int, user: User) -> AssessmentRecord | None:
    with db.session() as session:
        return repo.get_owned(session, assessment_id=aid, user_id=user.id)


def rows(db: Database, assessment_id: int) -> dict[str, AssessmentAnswer]:
    with db.session() as session:
        return {row.indicator: row
                for row in repo.answer_rows(session, assessment_id=assessment_id)}


def answers(db: Database, record: AssessmentRecord) -> dict[str, object]:
    with db.session() as session:
        return repo.answers_of(session, assessment_id=int(record.id or 0))


def current(record: AssessmentRecord) -> Question | None:
    edition = edition_by_id(record.edition)
    if edition is None:
        return None
    flat = questions(edition)
    return flat[record.step] if record.step < len(flat) else None


def screen(db: Database, record: AssessmentRecord, lang: str,
           error: str | None = None) -> tuple[str, InlineKeyboardMarkup]:
    """What the flow shows now: the question at the cursor, or the summary."""
    edition = edition_by_id(record.edition)
    assert edition is not None, record.edition
    flat = questions(edition)
    answered = rows(db, int(record.id or 0))
    if record.step >= len(flat):
        return summary_html(edition, answered, lang), summary_keyboard(record, edition, lang)
    question = flat[record.step]
    text = question_html(edition, question, answered.get(question.indicator.id), lang,
                         error=error)
    return text, question_keyboard(record, question, lang)


def advance(db: Database, record: AssessmentRecord, clock: Clock) -> AssessmentRecord:
    """Move the cursor past the current question (back to the summary when editing a part)."""
    edition = edition_by_id(record.edition)
    assert edition is not None
    flat = questions(edition)
    step = record.step + 1
    editing = record.editing
    if editing and (step >= len(flat) or flat[step].section != flat[record.step].section):
        step, editing = len(flat), False
    with db.session() as session:
        updated = repo.set_cursor(session, assessment_id=int(record.id or 0), step=step,
                                  editing=editing, now=now(clock))
    assert updated is not None
    return updated


def move_to(db: Database, record: AssessmentRecord, step: int, editing: bool,
            clock: Clock) -> AssessmentRecord:
    with db.session() as session:
        updated = repo.set_cursor(session, assessment_id=int(record.id or 0), step=step,
                                  editing=editing, now=now(clock))
    assert updated is not None
    return updated


def save(db: Database, record: AssessmentRecord, indicator_id: str, value: object,
         raw: str | None, clock: Clock, *, skipped: bool = False) -> None:
    with db.session() as session:
        repo.save_answer(session, assessment_id=int(record.id or 0), indicator=indicator_id,
                         value=value, raw_text=raw, skipped=skipped, now=now(clock))


async def enter(state: FSMContext, record: AssessmentRecord) -> None:
    """Typed messages are answers to draft `record` from now on (no figure pending)."""
    await state.set_state(AssessFlow.answering)
    await state.update_data(aid=int(record.id or 0), pending=None)


async def refuse(query: CallbackQuery, lang: str) -> None:
    """A button naming an assessment that is not the presser's (or none at all)."""
    await query.answer(t("assess.refuse", lang), show_alert=True)


async def stale(query: CallbackQuery, lang: str) -> None:
    await query.answer(t("assess.stale", lang), show_alert=True)


async def show(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None) -> None:
    """Replace the pressed message with the next screen (or send one if it cannot be edited)."""
    if isinstance(query.message, Message):
        if query.message.text is not None:
            try:
                await query.message.edit_text(text, reply_markup=markup)
            except TelegramBadRequest as exc:
                # A double tap can ask for the screen already shown; anything else is real.
                if "message is not modified" not in str(exc):
                    raise
            return
        await query.message.answer(text, reply_markup=markup)
        return
    if query.bot is not None:
        await query.bot.send_message(query.from_user.id, text, reply_markup=markup)


async def send(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None) -> None:
    """Send a new message to the chat the button was pressed in."""
    if isinstance(query.message, Message):
        await query.message.answer(text, reply_markup=markup)
    elif query.bot is not None:
        await query.bot.send_message(query.from_user.id, text, reply_markup=markup)


async def draft_at(query: CallbackQuery, aid: int, step: int | None, user: User, lang: str,
                   db: Database) -> AssessmentRecord | None:
    """The user's draft `aid` at cursor `step` (None: any step); answers the query with a
    refusal (someone else's) or "out of date" (finished, or the flow moved on) otherwise."""
    record = owned(db, aid, user)
    if record is None:
        await refuse(query, lang)
        return None
    if record.status != DRAFT or (step is not None and step != record.step):
        await stale(query, lang)
        return None
    return record
