"""The inline keyboards of /assess, each button a typed callback (handlers/assess/callbacks.py)."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.assess.callbacks import (
    AnswerCb,
    Choice,
    CompareCb,
    ConfirmCb,
    DraftAction,
    DraftCb,
    EditionCb,
    FinishCb,
    HistoryCb,
    Move,
    MoveCb,
    ResultAction,
    ResultCb,
    SectionCb,
    YesNo,
)
from handlers.assess.flow import Question
from handlers.assess.models import AssessmentRecord
from handlers.assess.texts import t
from knowledge.criteria import CriteriaEdition
from knowledge.editions import offered_editions


def start_keyboard(owner: int, lang: str) -> InlineKeyboardMarkup:
    """One button per edition (广东 沿用国家标准 among them) and the history."""
    builder = InlineKeyboardBuilder()
    for edition in offered_editions():
        builder.button(text=edition.name(lang),
                       callback_data=EditionCb(owner=owner, edition=edition.id))
    builder.button(text=t("assess.button.history", lang), callback_data=HistoryCb(owner=owner))
    builder.adjust(1)
    return builder.as_markup()


def draft_keyboard(aid: int, owner: int, lang: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t("assess.button.continue", lang),
                   callback_data=DraftCb(action=DraftAction.CONTINUE, aid=aid))
    builder.button(text=t("assess.button.restart", lang),
                   callback_data=DraftCb(action=DraftAction.RESTART, aid=aid))
    builder.button(text=t("assess.button.history", lang), callback_data=HistoryCb(owner=owner))
    builder.adjust(1)
    return builder.as_markup()


def question_keyboard(record: AssessmentRecord, question: Question,
                      lang: str) -> InlineKeyboardMarkup:
    aid, step = int(record.id or 0), record.step
    builder = InlineKeyboardBuilder()
    is_bool = question.indicator.kind == "bool"
    if is_bool:
        for answer, key in ((YesNo.YES, "yes"), (YesNo.NO, "no"), (YesNo.UNSURE, "unsure")):
            builder.button(text=t(f"assess.button.{key}", lang),
                           callback_data=AnswerCb(aid=aid, step=step, answer=answer))
    moves = ([(Move.BACK, "back")] if step > 0 else []) + [(Move.SKIP, "skip"),
                                                           (Move.QUIT, "cancel")]
    for move, key in moves:
        builder.button(text=t(f"assess.button.{key}", lang),
                       callback_data=MoveCb(aid=aid, step=step, move=move))
    builder.adjust(3 if is_bool else len(moves), len(moves))
    return builder.as_markup()


def confirm_keyboard(record: AssessmentRecord, reading: str, typed: str,
                     lang: str) -> InlineKeyboardMarkup:
    """ "是，按 45 亿元" / "否，保留 4500000000 亿元" for an implausible typed value."""
    aid, step = int(record.id or 0), record.step
    builder = InlineKeyboardBuilder()
    builder.button(text=t("assess.confirm.suggested", lang, reading=reading),
                   callback_data=ConfirmCb(aid=aid, step=step, choice=Choice.SUGGESTED))
    builder.button(text=t("assess.confirm.typed", lang, typed=typed),
                   callback_data=ConfirmCb(aid=aid, step=step, choice=Choice.TYPED))
    builder.button(text=t("assess.button.cancel", lang),
                   callback_data=MoveCb(aid=aid, step=step, move=Move.QUIT))
    builder.adjust(1)
    return builder.as_markup()


def summary_keyboard(record: AssessmentRecord, edition: CriteriaEdition,
                     lang: str) -> InlineKeyboardMarkup:
    aid = int(record.id or 0)
    builder = InlineKeyboardBuilder()
    builder.button(text=t("assess.button.edit_gate", lang),
                   callback_data=SectionCb(aid=aid, section=0))
    for index, dimension in enumerate(edition.dimensions, start=1):
        number = str(index) if lang == "en" else dimension.number
        builder.button(text=t("assess.button.edit_section", lang, number=number),
                       callback_data=SectionCb(aid=aid, section=index))
    builder.button(text=t("assess.button.finish", lang), callback_data=FinishCb(aid=aid))
    builder.button(text=t("assess.button.cancel", lang),
                   callback_data=MoveCb(aid=aid, step=record.step, move=Move.QUIT))
    builder.adjust(3, 3, 3, 2)
    return builder.as_markup()


def result_keyboard(record: AssessmentRecord, previous: AssessmentRecord | None,
                    lang: str) -> InlineKeyboardMarkup:
    aid = int(record.id or 0)
    builder = InlineKeyboardBuilder()
    if previous is not None:
        builder.button(text=t("assess.button.compare_previous", lang),
                       callback_data=CompareCb(aid=aid, other=int(previous.id or 0)))
    builder.button(text=t("assess.button.report", lang),
                   callback_data=ResultCb(action=ResultAction.REPORT, aid=aid))
    builder.button(text=t("assess.button.report_html", lang),
                   callback_data=ResultCb(action=ResultAction.HTML, aid=aid))
    builder.button(text=t("assess.button.history", lang),
                   callback_data=HistoryCb(owner=record.user_id))
    builder.adjust(1)
    return builder.as_markup()


def history_keyboard(records: Sequence[AssessmentRecord], lang: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for record in records:
        builder.button(text=t("assess.history.view", lang, id=record.id),
                       callback_data=ResultCb(action=ResultAction.VIEW, aid=int(record.id or 0)))
    if len(records) >= 2:
        builder.button(
            text=t("assess.history.compare", lang, older=records[1].id, newer=records[0].id),
            callback_data=CompareCb(aid=int(records[0].id or 0), other=int(records[1].id or 0)),
        )
    builder.adjust(2)
    return builder.as_markup()
