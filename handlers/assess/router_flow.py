"""/assess, answering: choose an edition, answer question by question (buttons for yes/no,
typed figures), back / skip / leave, change a part from the summary. A typed figure that is
implausible for its indicator is not stored silently: the chat asks back ("您是指 45 亿元吗？")
and stores the reading the user confirms."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from handlers.assess import repo
from handlers.assess.callbacks import (
    AnswerCb,
    Choice,
    ConfirmCb,
    DraftAction,
    DraftCb,
    EditionCb,
    Move,
    MoveCb,
    SectionCb,
    YesNo,
)
from handlers.assess.flow import Reask, edition_by_id, questions, read_answer
from handlers.assess.keyboards import confirm_keyboard, draft_keyboard, start_keyboard
from handlers.assess.models import DRAFT
from handlers.assess.steps import (
    AssessFlow,
    advance,
    answers,
    current,
    draft_at,
    enter,
    move_to,
    now,
    owned,
    refuse,
    save,
    screen,
    show,
    stale,
)
from handlers.assess.texts import t
from handlers.assess.views import confirm_html, show_value, start_html
from infra.callbacks import callback_chat_id, refuse_unless_owner
from infra.clock import Clock
from infra.db import Database
from infra.users import User
from knowledge.editions import edition_for_province

router = Router(name="assess.flow")


@router.message(Command("assess"))
async def on_assess(message: Message, state: FSMContext, user: User, lang: str, db: Database,
                    command: CommandObject | None = None) -> None:
    await state.clear()
    province = (command.args or "").strip() if command is not None else ""
    note = edition_for_province(province, lang=lang)[1] if province else None
    if province:
        # Kept for this flow: the result and the report say which edition applies there.
        await state.update_data(province=province)
    with db.session() as session:
        draft = repo.get_draft(session, user_id=user.id)
        answered = len(repo.answer_rows(session, assessment_id=int(draft.id or 0))) if draft else 0
    if draft is not None:
        edition = edition_by_id(draft.edition)
        name = edition.name(lang) if edition else draft.edition
        await message.answer(t("assess.draft.offer", lang, name=name, answered=answered),
                             reply_markup=draft_keyboard(int(draft.id or 0), user.id, lang))
        return
    await message.answer(start_html(lang, note), reply_markup=start_keyboard(user.id, lang))


@router.callback_query(EditionCb.filter())
async def on_edition(query: CallbackQuery, callback_data: EditionCb, state: FSMContext,
                     user: User, lang: str, db: Database, clock: Clock) -> None:
    if await refuse_unless_owner(query, callback_data.owner, lang):
        return  # someone else's /assess menu: answered, and their message stays as it is
    edition = edition_by_id(callback_data.edition)
    if edition is None:
        await stale(query, lang)
        return
    with db.session() as session:
        record = repo.create_draft(session, user_id=user.id, chat_id=callback_chat_id(query),
                                   edition=edition.id, lang=lang, now=now(clock))
    await query.answer()
    await enter(state, record)
    await show(query, *screen(db, record, lang))


@router.callback_query(DraftCb.filter())
async def on_draft(query: CallbackQuery, callback_data: DraftCb, state: FSMContext, user: User,
                   lang: str, db: Database, clock: Clock) -> None:
    record = owned(db, callback_data.aid, user)
    if record is None:
        await refuse(query, lang)
        return
    if callback_data.action is DraftAction.RESTART:
        with db.session() as session:
            repo.discard(session, assessment_id=int(record.id or 0), now=now(clock))
        data = await state.get_data()
        await state.clear()
        if data.get("province"):  # a cleared context holds nothing else (nothing to persist)
            await state.update_data(province=data["province"])
        await query.answer()
        note = (edition_for_province(data["province"], lang=lang)[1]
                if data.get("province") else None)
        await show(query, start_html(lang, note), start_keyboard(user.id, lang))
        return
    if record.status != DRAFT:
        await stale(query, lang)
        return
    await query.answer()
    await enter(state, record)
    await show(query, *screen(db, record, lang))


@router.callback_query(AnswerCb.filter())
async def on_answer(query: CallbackQuery, callback_data: AnswerCb, state: FSMContext,
                    user: User, lang: str, db: Database, clock: Clock) -> None:
    record = await draft_at(query, callback_data.aid, callback_data.step, user, lang, db)
    if record is None:
        return
    question = current(record)
    if question is None or question.indicator.kind != "bool":
        await stale(query, lang)
        return
    value = {YesNo.YES: True, YesNo.NO: False, YesNo.UNSURE: None}[callback_data.answer]
    raw = {YesNo.YES: "是", YesNo.NO: "否", YesNo.UNSURE: "不确定"}[callback_data.answer]
    save(db, record, question.indicator.id, value, raw, clock)
    record = advance(db, record, clock)
    await query.answer()
    await enter(state, record)
    await show(query, *screen(db, record, lang))


@router.callback_query(MoveCb.filter(F.move == Move.QUIT))
async def on_quit(query: CallbackQuery, callback_data: MoveCb, state: FSMContext, user: User,
                  lang: str, db: Database) -> None:
    if owned(db, callback_data.aid, user) is None:
        await refuse(query, lang)
        return
    await state.clear()
    await query.answer()
    await show(query, t("assess.left", lang), None)


@router.callback_query(MoveCb.filter())
async def on_move(query: CallbackQuery, callback_data: MoveCb, state: FSMContext, user: User,
                  lang: str, db: Database, clock: Clock) -> None:
    record = await draft_at(query, callback_data.aid, callback_data.step, user, lang, db)
    if record is None:
        return
    if callback_data.move is Move.BACK:
        record = move_to(db, record, max(0, record.step - 1), record.editing, clock)
    else:  # SKIP: the indicator stays not answered; the row records it was skipped
        question = current(record)
        if question is None:
            await stale(query, lang)
            return
        save(db, record, question.indicator.id, None, None, clock, skipped=True)
        record = advance(db, record, clock)
    await query.answer()
    await enter(state, record)
    await show(query, *screen(db, record, lang))


@router.message(StateFilter(AssessFlow.answering), Command("cancel"))
async def on_cancel_command(message: Message, state: FSMContext, lang: str) -> None:
    await state.clear()
    await message.answer(t("assess.left", lang))


@router.callback_query(SectionCb.filter())
async def on_section(query: CallbackQuery, callback_data: SectionCb, state: FSMContext,
                     user: User, lang: str, db: Database, clock: Clock) -> None:
    record = await draft_at(query, callback_data.aid, None, user, lang, db)
    if record is None:
        return
    edition = edition_by_id(record.edition)
    flat = questions(edition) if edition is not None else []
    first = next((i for i, q in enumerate(flat) if q.section == callback_data.section), None)
    if first is None:
        await stale(query, lang)
        return
    record = move_to(db, record, first, True, clock)
    await query.answer()
    await enter(state, record)
    await show(query, *screen(db, record, lang))


@router.message(StateFilter(AssessFlow.answering), F.text, ~F.text.startswith("/"))
async def on_typed(message: Message, state: FSMContext, user: User, lang: str, db: Database,
                   clock: Clock) -> None:
    data = await state.get_data()
    record = owned(db, int(data.get("aid") or 0), user)
    if record is None or record.status != DRAFT:
        await state.clear()
        await message.answer(t("assess.none_in_progress", lang))
        return
    edition = edition_by_id(record.edition)
    question = current(record)
    if edition is None or question is None:
        text, markup = screen(db, record, lang)
        await message.answer(t("assess.use_buttons", lang) + "\n\n" + text, reply_markup=markup)
        return
    raw = message.text or ""
    try:
        reading = read_answer(edition, question.indicator, raw, lang, answers(db, record))
    except Reask as exc:
        # Re-ask the same question, saying what was wrong; nothing is saved.
        text, markup = screen(db, record, lang, error=exc.message)
        await message.answer(text, reply_markup=markup)
        return
    warning = reading.warning
    if warning is not None:
        # Not stored yet: the figure waits in the FSM data for the user's confirmation.
        pending: dict[str, Any] = {"step": record.step, "value": reading.value, "raw": raw,
                                   "suggested": warning.suggested,
                                   "reading": warning.suggested_text}
        await state.update_data(pending=pending)
        typed = show_value(question.indicator, reading.value, lang)
        question_text, _ = screen(db, record, lang)
        await message.answer(
            confirm_html(question_text, warning.message, warning.question(lang), lang),
            reply_markup=confirm_keyboard(record, warning.suggested_text or "", typed, lang),
        )
        return
    save(db, record, question.indicator.id, reading.value, raw, clock)
    record = advance(db, record, clock)
    await state.update_data(pending=None)
    text, markup = screen(db, record, lang)
    await message.answer(text, reply_markup=markup)


@router.callback_query(ConfirmCb.filter())
async def on_confirm(query: CallbackQuery, callback_data: ConfirmCb, state: FSMContext,
                     user: User, lang: str, db: Database, clock: Clock) -> None:
    record = await draft_at(query, callback_data.aid, callback_data.step, user, lang, db)
    if record is None:
        return
    data = await state.get_data()
    pending = data.get("pending")
    question = current(record)
    if (not isinstance(pending, dict) or pending.get("step") != record.step
            or int(data.get("aid") or 0) != record.id or question is None):
        await stale(query, lang)  # e.g. another figure was typed since, or the bot restarted
        return
    typed = show_value(question.indicator, pending["value"], lang)
    if callback_data.choice is Choice.SUGGESTED:
        value, note = pending["suggested"], t("assess.confirm.taken", lang,
                                              reading=pending["reading"])
    else:
        value, note = pending["value"], t("assess.confirm.kept", lang, typed=typed)
    save(db, record, question.indicator.id, value, pending["raw"], clock)
    record = advance(db, record, clock)
    await query.answer(note)
    await enter(state, record)
    await show(query, *screen(db, record, lang))
