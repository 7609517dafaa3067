"""/assess, the result: submit a draft, see the verdict with advice, get the chart and the
report (Word by default on every channel; HTML on request), the history and comparisons.
Every button names an assessment that is checked against the presser, or carries its owner."""

from __future__ import annotations

import asyncio
from datetime import tzinfo
from typing import TYPE_CHECKING, Any

from aiogram import Bot, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery

from handlers.assess import repo
from handlers.assess.callbacks import (
    CompareCb,
    FinishCb,
    HistoryCb,
    ResultAction,
    ResultCb,
)
from handlers.assess.keyboards import history_keyboard, result_keyboard
from handlers.assess.models import DONE, AssessmentRecord
from handlers.assess.report.view_model import AssessmentView, build_view
from handlers.assess.steps import answers, draft_at, now, owned, refuse, send, show, stale
from handlers.assess.texts import t
from handlers.assess.views import compare_html, history_html, result_html, when_text
from infra.callbacks import callback_chat_id, refuse_unless_owner
from infra.clock import Clock, local_time
from infra.db import Database
from infra.rendering import split_html
from infra.settings import Settings
from infra.users import User
from knowledge.engine import Assessment, assess

if TYPE_CHECKING:
    from knowledge.kb import KnowledgeBase

router = Router(name="assess.result")
HISTORY_LIMIT = 10


def evaluate(db: Database, record: AssessmentRecord, lang: str, kb: KnowledgeBase | Any,
             province: str | None = None) -> Assessment:
    return assess(record.edition, answers(db, record), lang=lang, kb=kb, province=province)


def _title(record: AssessmentRecord, lang: str, zone: tzinfo) -> str:
    return t("assess.result.title", lang, id=record.id, when=when_text(record, zone))


def _view(record: AssessmentRecord, result: Assessment, lang: str, zone: tzinfo) -> AssessmentView:
    # The title is plain text in the files: t() escapes values for HTML, so undo nothing by
    # building it from the same key and letting each renderer escape once.
    from html import unescape

    created = local_time(record.completed_at, zone) if record.completed_at else None
    return build_view(result, title=unescape(_title(record, lang, zone)), created_at=created)


async def send_files(bot: Bot, chat_id: int, record: AssessmentRecord, view: AssessmentView,
                     lang: str, *, html: bool = False) -> None:
    """The chart (sendPhoto) and the report (sendDocument): Word by default, HTML on request."""
    from handlers.assess.report.chart import dimension_chart
    from handlers.assess.report.html import report_bytes

    # matplotlib and python-docx are CPU-bound: keep the event loop free for other users.
    png = await asyncio.to_thread(dimension_chart, view)
    suffix = ".html" if html else ".docx"
    content = await asyncio.to_thread(report_bytes, view, suffix, png)
    await bot.send_photo(
        chat_id, BufferedInputFile(png, filename=f"assessment-{record.id}.png"),
        caption=t("assess.files.chart_caption", lang, id=record.id),
    )
    caption = "assess.files.html_caption" if html else "assess.files.docx_caption"
    await bot.send_document(
        chat_id, BufferedInputFile(content, filename=f"assessment-{record.id}{suffix}"),
        caption=t(caption, lang),
    )


async def send_result(bot: Bot, chat_id: int, db: Database, record: AssessmentRecord,
                      view: AssessmentView, lang: str, user: User) -> None:
    with db.session() as session:
        previous = repo.previous_done(session, user_id=user.id, before_id=int(record.id or 0))
    parts = split_html(result_html(view))
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        await bot.send_message(chat_id, part,
                               reply_markup=result_keyboard(record, previous, lang) if last
                               else None)


@router.callback_query(FinishCb.filter())
async def on_finish(query: CallbackQuery, callback_data: FinishCb, state: FSMContext,
                    user: User, lang: str, db: Database, clock: Clock, bot: Bot,
                    settings: Settings, kb: Any = None) -> None:
    record = await draft_at(query, callback_data.aid, None, user, lang, db)
    if record is None:
        return
    province = (await state.get_data()).get("province")
    result = evaluate(db, record, lang, kb, province)
    with db.session() as session:
        done = repo.complete(session, assessment_id=int(record.id or 0), eligible=result.eligible,
                             result=result.to_json(), now=now(clock))
    assert done is not None
    await state.clear()
    await query.answer()
    await show(query, t("assess.submitted", lang), None)
    chat_id = callback_chat_id(query)
    view = _view(done, result, lang, settings.tz)
    await send_result(bot, chat_id, db, done, view, lang, user)
    await send_files(bot, chat_id, done, view, lang)


@router.callback_query(HistoryCb.filter())
async def on_history(query: CallbackQuery, callback_data: HistoryCb, user: User, lang: str,
                     db: Database, settings: Settings) -> None:
    if await refuse_unless_owner(query, callback_data.owner, lang):
        return
    with db.session() as session:
        records = repo.list_done(session, user_id=user.id, limit=HISTORY_LIMIT)
    await query.answer()
    if not records:
        await send(query, t("assess.history.empty", lang), None)
        return
    # A new message, not an edit: the history button also sits under a result, which must stay.
    await send(query, history_html(records, lang, settings.tz), history_keyboard(records, lang))


async def _owned_done(query: CallbackQuery, db: Database, aid: int, user: User,
                      lang: str) -> AssessmentRecord | None:
    record = owned(db, aid, user)
    if record is None:
        await refuse(query, lang)
        return None
    if record.status != DONE:
        await stale(query, lang)
        return None
    return record


@router.callback_query(ResultCb.filter())
async def on_result(query: CallbackQuery, callback_data: ResultCb, user: User, lang: str,
                    db: Database, bot: Bot, settings: Settings, kb: Any = None) -> None:
    record = await _owned_done(query, db, callback_data.aid, user, lang)
    if record is None:
        return
    await query.answer()
    view = _view(record, evaluate(db, record, lang, kb), lang, settings.tz)
    chat_id = callback_chat_id(query)
    if callback_data.action is ResultAction.VIEW:
        await send_result(bot, chat_id, db, record, view, lang, user)
    else:
        await send_files(bot, chat_id, record, view, lang,
                         html=callback_data.action is ResultAction.HTML)


@router.callback_query(CompareCb.filter())
async def on_compare(query: CallbackQuery, callback_data: CompareCb, user: User, lang: str,
                     db: Database, bot: Bot, settings: Settings) -> None:
    first = await _owned_done(query, db, callback_data.aid, user, lang)
    if first is None:
        return
    second = await _owned_done(query, db, callback_data.other, user, lang)
    if second is None:
        return
    older, newer = sorted((first, second), key=lambda r: int(r.id or 0))
    await query.answer()
    await bot.send_message(callback_chat_id(query), compare_html(older, newer, lang, settings.tz))
