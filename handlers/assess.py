"""/assess: the guided self-assessment against a criteria edition (modelled on aiogram's
examples/quiz_scene.py: a cursor over the questions, back / skip / exit, a summary at the end).

Thin on purpose: the questions and thresholds come from knowledge.criteria, the verdict from
knowledge.engine, numbers are read by knowledge.numbers, storage is bot.repos.assessments.

The draft lives in the database (cursor + every answer as given), not only in FSM memory: FSM
state only tells the dispatcher that a typed message is an answer. After a restart /assess
offers to continue the draft, and buttons keep working because each one names its assessment
(and the step it belongs to, so a stale button cannot answer the wrong question). Every
callback naming an assessment is checked against the user pressing it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING, Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.models.assessments import DONE, DRAFT, AssessmentAnswer, AssessmentRecord
from bot.report import group_advice
from bot.repos import assessments as repo
from infra.callbacks import callback_chat_id
from infra.clock import Clock, local_time
from infra.db import Database
from infra.rendering import escape, quote_block, split_html
from infra.settings import Settings
from infra.users import User
from knowledge.criteria import (
    CriteriaEdition,
    Indicator,
    format_number,
    list_editions,
    requirement_text,
)
from knowledge.engine import (
    Assessment,
    AssessmentInputError,
    assess,
    validate_answers,
    verdict_text,
)
from knowledge.numbers import NumberParseError, parse_number, parse_series

if TYPE_CHECKING:
    from knowledge.kb import KnowledgeBase

router = Router(name="assess")

TOTAL_STEPS = 10  # 1 edition + 1 gate + 8 dimensions
HISTORY_LIMIT = 10
ICON = {"pass": "✅", "fail": "❌", "unknown": "❔", "warn": "⚠️", "info": "ℹ️"}


class AssessCb(CallbackData, prefix="as"):
    """Every /assess button. `aid` names the assessment (0: none yet); `v` carries the edition
    id, the step a question belongs to, a section index or the other assessment to compare.

    Actions: ed (choose edition) | cont (continue draft) | new (start over) | hist (history) |
    y / n / u (yes / no / not sure) | back | skip | quit | edit (section) | done | view |
    cmp (compare aid with v) | rep (chart + report again).
    """

    action: str
    aid: int = 0
    v: str = ""


class AssessFlow(StatesGroup):
    answering = State()


def _t(lang: str, zh: str, en: str) -> str:
    return en if lang == "en" else zh


# ------------------------------------------------------------------------------------------
# The questions of an edition, flattened: (section, indicator); section 0 = the gate, 1–8 the
# dimensions. The cursor `step` indexes this list; step == len(list) is the summary.


@dataclass(frozen=True)
class Question:
    section: int
    position: int  # 1-based within the section
    count: int  # questions in the section
    indicator: Indicator


def questions(edition: CriteriaEdition) -> list[Question]:
    sections: list[tuple[Indicator, ...]] = [edition.gate.indicators]
    sections.extend(dimension.indicators for dimension in edition.dimensions)
    flat: list[Question] = []
    for index, indicators in enumerate(sections):
        for position, indicator in enumerate(indicators, start=1):
            flat.append(Question(index, position, len(indicators), indicator))
    return flat


def _edition(edition_id: str) -> CriteriaEdition | None:
    for edition in list_editions():
        if edition.id == edition_id:
            return edition
    return None


def _section_title(edition: CriteriaEdition, section: int, lang: str) -> str:
    if section == 0:
        return edition.gate.name_en if lang == "en" else edition.gate.name
    dimension = edition.dimensions[section - 1]
    name = dimension.name_en if lang == "en" else dimension.name
    return f"{section}. {name}" if lang == "en" else f"{dimension.number}、{name}"


def _now(clock: Clock) -> datetime:
    return clock()


# ------------------------------------------------------------------------------------------
# Rendering answers


def _show_value(indicator: Indicator, value: object, lang: str) -> str:
    if value is None:
        return _t(lang, "不确定", "not sure")
    if isinstance(value, bool):
        return _t(lang, "是", "yes") if value else _t(lang, "否", "no")
    unit = (indicator.unit_en or indicator.unit) if lang == "en" else indicator.unit
    unit = unit or ""
    if isinstance(value, list):
        numbers = ", ".join(format_number(float(item)) for item in value)
        return f"{numbers} {unit}".strip() if lang == "en" else f"{numbers}{unit}"
    if isinstance(value, int | float):
        text = format_number(float(value))
        return f"{text}{unit}" if unit == "%" or lang != "en" else f"{text} {unit}".strip()
    return str(value)


def _answer_text(indicator: Indicator, row: AssessmentAnswer | None, lang: str) -> str:
    if row is None:
        return _t(lang, "未答", "not answered")
    if row.skipped:
        return _t(lang, "跳过", "skipped")
    return _show_value(indicator, row.value, lang)


def _hint(indicator: Indicator, lang: str) -> str:
    if indicator.kind == "bool":
        return ""
    if indicator.kind == "yearly_series":
        return _t(
            lang,
            "请输入三个数（亿元，由早到晚），用逗号分隔；也可写“3500万”。",
            "Type three numbers (oldest first), separated by commas.",
        )
    if indicator.kind == "count":
        return _t(lang, "请输入整数，例如 3 或 三。", "Type a whole number, e.g. 3.")
    if indicator.unit == "%":
        return _t(lang, "请输入百分数，例如 72 或 72%。", "Type a percentage, e.g. 72 or 72%.")
    unit = indicator.unit or ""
    return _t(lang, f"请输入数字（{unit}），例如 45 或 四十五。", f"Type a number ({unit}).")


def _question_html(
    edition: CriteriaEdition,
    question: Question,
    row: AssessmentAnswer | None,
    lang: str,
    *,
    error: str | None = None,
) -> str:
    indicator = question.indicator
    step = question.section + 2
    section = escape(_section_title(edition, question.section, lang))
    head = _t(
        lang,
        f"<b>第 {step}/{TOTAL_STEPS} 步</b> · {section}（{question.position}/{question.count}）",
        f"<b>Step {step}/{TOTAL_STEPS}</b> · {section} ({question.position}/{question.count})",
    )
    text = indicator.question_en if lang == "en" else indicator.question
    lines = [head, "", escape(text)]
    requirement = requirement_text(indicator, lang) if indicator.kind != "bool" else None
    if requirement:
        lines.append(escape(_t(lang, f"（本版要求：{requirement}）", f"(Required: {requirement})")))
    hint = _hint(indicator, lang)
    if hint:
        lines.append(f"<i>{escape(hint)}</i>")
    if row is not None:
        current = _answer_text(indicator, row, lang)
        lines.append(escape(_t(lang, f"当前答案：{current}", f"Current answer: {current}")))
    if error:
        lines.insert(0, f"⚠️ {escape(error)}\n")
    return "\n".join(lines)


def _question_keyboard(record: AssessmentRecord, question: Question, lang: str,
                       step: int) -> InlineKeyboardMarkup:
    aid = int(record.id or 0)
    builder = InlineKeyboardBuilder()
    if question.indicator.kind == "bool":
        for action, zh, en in (("y", "是", "Yes"), ("n", "否", "No"), ("u", "不确定", "Not sure")):
            builder.button(text=_t(lang, zh, en),
                           callback_data=AssessCb(action=action, aid=aid, v=str(step)))
    nav = []
    if step > 0:
        nav.append(("back", _t(lang, "← 上一步", "← Back")))
    nav.append(("skip", _t(lang, "跳过", "Skip")))
    nav.append(("quit", _t(lang, "取消", "Cancel")))
    for action, label in nav:
        builder.button(text=label, callback_data=AssessCb(action=action, aid=aid, v=str(step)))
    first_row = 3 if question.indicator.kind == "bool" else len(nav)
    builder.adjust(first_row, len(nav))
    return builder.as_markup()


def _summary_html(
    edition: CriteriaEdition, rows: dict[str, AssessmentAnswer], lang: str
) -> str:
    lines = [
        _t(lang, f"<b>第 {TOTAL_STEPS}/{TOTAL_STEPS} 步 · 核对答案</b>",
           f"<b>Step {TOTAL_STEPS}/{TOTAL_STEPS} · Check your answers</b>"),
        escape(_t(lang, f"标准版本：{edition.short_name}", f"Edition: {edition.short_name_en}")),
    ]
    current = -1
    for question in questions(edition):
        if question.section != current:
            current = question.section
            lines.append("")
            lines.append(f"<b>{escape(_section_title(edition, current, lang))}</b>")
        indicator = question.indicator
        label = indicator.label_en if lang == "en" else indicator.label
        shown = _answer_text(indicator, rows.get(indicator.id), lang)
        lines.append(f"• {escape(label)}：{escape(shown)}")
    lines.append("")
    lines.append(escape(_t(lang, "需要修改哪一部分？没问题就点“完成评估”。",
                           "Change a part, or press “Finish”.")))
    return "\n".join(lines)


def _summary_keyboard(record: AssessmentRecord, edition: CriteriaEdition,
                      lang: str) -> InlineKeyboardMarkup:
    aid = int(record.id or 0)
    builder = InlineKeyboardBuilder()
    builder.button(text=_t(lang, "改：基本条件", "Edit: preconditions"),
                   callback_data=AssessCb(action="edit", aid=aid, v="0"))
    for index, dimension in enumerate(edition.dimensions, start=1):
        builder.button(text=_t(lang, f"改：{dimension.number}", f"Edit: {index}"),
                       callback_data=AssessCb(action="edit", aid=aid, v=str(index)))
    builder.button(text=_t(lang, "完成评估", "Finish"),
                   callback_data=AssessCb(action="done", aid=aid))
    builder.button(text=_t(lang, "取消", "Cancel"), callback_data=AssessCb(action="quit", aid=aid))
    builder.adjust(3, 3, 3, 2)
    return builder.as_markup()


def _rows(db: Database, assessment_id: int) -> dict[str, AssessmentAnswer]:
    with db.session() as session:
        return {row.indicator: row
                for row in repo.answer_rows(session, assessment_id=assessment_id)}


def _screen(db: Database, record: AssessmentRecord, lang: str,
            error: str | None = None) -> tuple[str, InlineKeyboardMarkup]:
    """What the flow shows now: the question at the cursor, or the summary."""
    edition = _edition(record.edition)
    assert edition is not None, record.edition
    flat = questions(edition)
    rows = _rows(db, int(record.id or 0))
    if record.step >= len(flat):
        return _summary_html(edition, rows, lang), _summary_keyboard(record, edition, lang)
    question = flat[record.step]
    text = _question_html(edition, question, rows.get(question.indicator.id), lang, error=error)
    return text, _question_keyboard(record, question, lang, record.step)


# ------------------------------------------------------------------------------------------
# Entry: /assess


def _start_keyboard(lang: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for edition in list_editions():
        builder.button(text=edition.name(lang), callback_data=AssessCb(action="ed", v=edition.id))
    builder.button(text=_t(lang, "历史记录", "History"), callback_data=AssessCb(action="hist"))
    builder.adjust(1)
    return builder.as_markup()


def _start_html(lang: str) -> str:
    lines = [
        _t(lang, "<b>第 1/10 步 · 选择认定标准</b>", "<b>Step 1/10 · Choose the criteria</b>"),
        escape(_t(
            lang,
            "我会按所选标准逐项提问（基本条件 + 八个方面），最后给出结论、差距和建议。"
            "是非题点按钮，数字直接输入；随时可以“上一步”“跳过”或“取消”。",
            "I will ask about the preconditions and the eight dimensions, then give a verdict, "
            "the gaps and advice. Tap buttons for yes/no, type numbers; Back, Skip and Cancel "
            "work at any time.",
        )),
        "",
    ]
    for edition in list_editions():
        title = edition.title_en if lang == "en" else edition.title
        lines.append(f"• <b>{escape(edition.name(lang))}</b>：{escape(title)}")
    return "\n".join(lines)


@router.message(Command("assess"))
async def on_assess(message: Message, state: FSMContext, user: User, lang: str,
                    db: Database) -> None:
    await state.clear()
    with db.session() as session:
        draft = repo.get_draft(session, user_id=user.id)
        answered = len(repo.answer_rows(session, assessment_id=int(draft.id or 0))) if draft else 0
    if draft is not None:
        edition = _edition(draft.edition)
        name = edition.name(lang) if edition else draft.edition
        builder = InlineKeyboardBuilder()
        builder.button(text=_t(lang, "继续上次的自评", "Continue the draft"),
                       callback_data=AssessCb(action="cont", aid=int(draft.id or 0)))
        builder.button(text=_t(lang, "重新开始", "Start over"),
                       callback_data=AssessCb(action="new", aid=int(draft.id or 0)))
        builder.button(text=_t(lang, "历史记录", "History"), callback_data=AssessCb(action="hist"))
        builder.adjust(1)
        await message.answer(
            escape(_t(lang,
                      f"您有一份未完成的自评（{name}，已答 {answered} 项）。要继续吗？",
                      f"You have an unfinished self-assessment ({name}, {answered} answered). "
                      "Continue?")),
            reply_markup=builder.as_markup(),
        )
        return
    await message.answer(_start_html(lang), reply_markup=_start_keyboard(lang))


async def _refuse(query: CallbackQuery, lang: str) -> None:
    await query.answer(
        _t(lang, "无法访问这份自评。", "You cannot open this assessment."), show_alert=True
    )


async def _stale(query: CallbackQuery, lang: str) -> None:
    await query.answer(
        _t(lang, "这个按钮已过期，请看最新的问题，或发送 /assess。",
           "This button is out of date; see the latest question or send /assess."),
        show_alert=True,
    )


async def _show(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None) -> None:
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


async def _send(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None) -> None:
    """Send a new message to the chat the button was pressed in."""
    if isinstance(query.message, Message):
        await query.message.answer(text, reply_markup=markup)
    elif query.bot is not None:
        await query.bot.send_message(query.from_user.id, text, reply_markup=markup)


async def _enter(state: FSMContext, record: AssessmentRecord) -> None:
    await state.set_state(AssessFlow.answering)
    await state.update_data(aid=int(record.id or 0))


def _owned(db: Database, aid: int, user: User) -> AssessmentRecord | None:
    with db.session() as session:
        return repo.get_owned(session, assessment_id=aid, user_id=user.id)


@router.callback_query(AssessCb.filter(F.action == "ed"))
async def on_edition(query: CallbackQuery, callback_data: AssessCb, state: FSMContext,
                     user: User, lang: str, db: Database, clock: Clock) -> None:
    edition = _edition(callback_data.v)
    if edition is None:
        await _stale(query, lang)
        return
    chat_id = callback_chat_id(query)
    with db.session() as session:
        record = repo.create_draft(session, user_id=user.id, chat_id=chat_id, edition=edition.id,
                                   lang=lang, now=_now(clock))
    await query.answer()
    await _enter(state, record)
    await _show(query, *_screen(db, record, lang))


@router.callback_query(AssessCb.filter(F.action == "cont"))
async def on_continue(query: CallbackQuery, callback_data: AssessCb, state: FSMContext,
                      user: User, lang: str, db: Database) -> None:
    record = _owned(db, callback_data.aid, user)
    if record is None:
        await _refuse(query, lang)
        return
    if record.status != DRAFT:
        await _stale(query, lang)
        return
    await query.answer()
    await _enter(state, record)
    await _show(query, *_screen(db, record, lang))


@router.callback_query(AssessCb.filter(F.action == "new"))
async def on_new(query: CallbackQuery, callback_data: AssessCb, state: FSMContext, user: User,
                 lang: str, db: Database, clock: Clock) -> None:
    record = _owned(db, callback_data.aid, user)
    if record is None:
        await _refuse(query, lang)
        return
    with db.session() as session:
        repo.discard(session, assessment_id=int(record.id or 0), now=_now(clock))
    await state.clear()
    await query.answer()
    await _show(query, _start_html(lang), _start_keyboard(lang))


# ------------------------------------------------------------------------------------------
# Answering


def _draft_at(db: Database, callback_data: AssessCb, user: User
              ) -> tuple[AssessmentRecord | None, str | None]:
    """(record, problem): problem is "refuse" (not the user's) or "stale" (old button)."""
    record = _owned(db, callback_data.aid, user)
    if record is None:
        return None, "refuse"
    if record.status != DRAFT or (callback_data.v and callback_data.v != str(record.step)):
        return record, "stale"
    return record, None


async def _guard(query: CallbackQuery, callback_data: AssessCb, user: User, lang: str,
                 db: Database) -> AssessmentRecord | None:
    record, problem = _draft_at(db, callback_data, user)
    if problem == "refuse":
        await _refuse(query, lang)
        return None
    if problem == "stale" or record is None:
        await _stale(query, lang)
        return None
    return record


def _advance(db: Database, record: AssessmentRecord, clock: Clock) -> AssessmentRecord:
    """Move the cursor past the current question (back to the summary when editing a part)."""
    edition = _edition(record.edition)
    assert edition is not None
    flat = questions(edition)
    step = record.step + 1
    editing = record.editing
    if editing and (step >= len(flat) or flat[step].section != flat[record.step].section):
        step, editing = len(flat), False
    with db.session() as session:
        updated = repo.set_cursor(session, assessment_id=int(record.id or 0), step=step,
                                  editing=editing, now=_now(clock))
    assert updated is not None
    return updated


def _save(db: Database, record: AssessmentRecord, indicator: Indicator, value: object,
          raw: str | None, clock: Clock, *, skipped: bool = False) -> None:
    with db.session() as session:
        repo.save_answer(session, assessment_id=int(record.id or 0), indicator=indicator.id,
                         value=value, raw_text=raw, skipped=skipped, now=_now(clock))


def _current(record: AssessmentRecord) -> Question | None:
    edition = _edition(record.edition)
    if edition is None:
        return None
    flat = questions(edition)
    return flat[record.step] if record.step < len(flat) else None


async def _save_and_show_next(
    query: CallbackQuery, state: FSMContext, db: Database, clock: Clock,
    record: AssessmentRecord, indicator: Indicator, value: object, raw: str | None, lang: str,
    *, skipped: bool = False,
) -> None:
    """A button answer: save it as given, then replace the screen with the next question."""
    _save(db, record, indicator, value, raw, clock, skipped=skipped)
    record = _advance(db, record, clock)
    await query.answer()
    await _enter(state, record)
    await _show(query, *_screen(db, record, lang))


@router.callback_query(AssessCb.filter(F.action.in_({"y", "n", "u"})))
async def on_yes_no(query: CallbackQuery, callback_data: AssessCb, state: FSMContext,
                    user: User, lang: str, db: Database, clock: Clock) -> None:
    record = await _guard(query, callback_data, user, lang, db)
    if record is None:
        return
    question = _current(record)
    if question is None or question.indicator.kind != "bool":
        await _stale(query, lang)
        return
    value = {"y": True, "n": False, "u": None}[callback_data.action]
    raw = {"y": "是", "n": "否", "u": "不确定"}[callback_data.action]
    await _save_and_show_next(query, state, db, clock, record, question.indicator, value, raw,
                              lang)


@router.callback_query(AssessCb.filter(F.action == "skip"))
async def on_skip(query: CallbackQuery, callback_data: AssessCb, state: FSMContext, user: User,
                  lang: str, db: Database, clock: Clock) -> None:
    record = await _guard(query, callback_data, user, lang, db)
    if record is None:
        return
    question = _current(record)
    if question is None:
        await _stale(query, lang)
        return
    # Skipping leaves the indicator unknown; the row records that it was skipped, not answered.
    await _save_and_show_next(query, state, db, clock, record, question.indicator, None, None,
                              lang, skipped=True)


@router.callback_query(AssessCb.filter(F.action == "back"))
async def on_back(query: CallbackQuery, callback_data: AssessCb, state: FSMContext, user: User,
                  lang: str, db: Database, clock: Clock) -> None:
    record = await _guard(query, callback_data, user, lang, db)
    if record is None:
        return
    with db.session() as session:
        updated = repo.set_cursor(session, assessment_id=int(record.id or 0),
                                  step=max(0, record.step - 1), editing=record.editing,
                                  now=_now(clock))
    assert updated is not None
    await query.answer()
    await _enter(state, updated)
    await _show(query, *_screen(db, updated, lang))


@router.callback_query(AssessCb.filter(F.action == "quit"))
async def on_quit(query: CallbackQuery, callback_data: AssessCb, state: FSMContext, user: User,
                  lang: str, db: Database) -> None:
    record = _owned(db, callback_data.aid, user)
    if record is None:
        await _refuse(query, lang)
        return
    await state.clear()
    await query.answer()
    await _show(query, escape(_t(
        lang,
        "已退出自评。答案已保存为草稿，发送 /assess 可以继续或重新开始。",
        "Left the self-assessment. Your answers are kept as a draft: /assess continues it.",
    )), None)


@router.message(StateFilter(AssessFlow.answering), Command("cancel"))
async def on_cancel_command(message: Message, state: FSMContext, lang: str) -> None:
    await state.clear()
    await message.answer(escape(_t(
        lang,
        "已退出自评。答案已保存为草稿，发送 /assess 可以继续或重新开始。",
        "Left the self-assessment. Your answers are kept as a draft: /assess continues it.",
    )))


@router.callback_query(AssessCb.filter(F.action == "edit"))
async def on_edit(query: CallbackQuery, callback_data: AssessCb, state: FSMContext, user: User,
                  lang: str, db: Database, clock: Clock) -> None:
    record = _owned(db, callback_data.aid, user)
    if record is None:
        await _refuse(query, lang)
        return
    edition = _edition(record.edition)
    if record.status != DRAFT or edition is None or not callback_data.v.isdigit():
        await _stale(query, lang)
        return
    section = int(callback_data.v)
    flat = questions(edition)
    first = next((i for i, q in enumerate(flat) if q.section == section), None)
    if first is None:
        await _stale(query, lang)
        return
    with db.session() as session:
        updated = repo.set_cursor(session, assessment_id=int(record.id or 0), step=first,
                                  editing=True, now=_now(clock))
    assert updated is not None
    await query.answer()
    await _enter(state, updated)
    await _show(query, *_screen(db, updated, lang))


# -- typed answers --------------------------------------------------------------------------

_YES = {"是", "是的", "有", "对", "yes", "y", "true", "符合", "满足"}
_NO = {"否", "不是", "没有", "无", "no", "n", "false", "不符合", "不满足"}
_UNSURE = {"不确定", "不知道", "不清楚", "unsure", "not sure", "?", "？"}


class _Reask(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def read_answer(edition: CriteriaEdition, indicator: Indicator, text: str, lang: str) -> object:
    """The value of a typed answer, or `_Reask` with what to tell the user."""
    cleaned = text.strip()
    if indicator.kind == "bool":
        lowered = cleaned.lower().rstrip("。.!！")
        if lowered in _YES:
            return True
        if lowered in _NO:
            return False
        if lowered in _UNSURE:
            return None
        raise _Reask(_t(lang, "请点“是”“否”或“不确定”。", "Please tap Yes, No or Not sure."))
    try:
        if indicator.kind == "yearly_series":
            value: object = parse_series(cleaned, count=indicator.years or 3, unit=indicator.unit)
        else:
            value = parse_number(
                cleaned,
                unit=indicator.unit,
                integer=indicator.kind == "count",
                percent=indicator.unit == "%",
            )
    except NumberParseError as exc:
        raise _Reask(exc.message(lang)) from None
    try:
        validate_answers(edition, {indicator.id: value})
    except AssessmentInputError:
        raise _Reask(_range_message(indicator, lang)) from None
    return value


def _range_message(indicator: Indicator, lang: str) -> str:
    if indicator.kind == "percent":
        return _t(lang, "比重应在 0 到 100 之间，请重新输入。", "A share lies between 0 and 100.")
    if indicator.kind == "count":
        return _t(lang, "数量应是不小于 0 的整数，请重新输入。", "A count is a whole number ≥ 0.")
    return _t(lang, "这个数不在有效范围内（不能为负），请重新输入。",
              "That number is out of range (it cannot be negative).")


@router.message(StateFilter(AssessFlow.answering), F.text, ~F.text.startswith("/"))
async def on_typed(message: Message, state: FSMContext, user: User, lang: str, db: Database,
                   clock: Clock) -> None:
    data = await state.get_data()
    record = _owned(db, int(data.get("aid") or 0), user)
    if record is None or record.status != DRAFT:
        await state.clear()
        await message.answer(escape(_t(lang, "没有进行中的自评，发送 /assess 开始。",
                                       "No self-assessment in progress; send /assess.")))
        return
    edition = _edition(record.edition)
    question = _current(record)
    if edition is None or question is None:
        text, markup = _screen(db, record, lang)
        await message.answer(
            escape(_t(lang, "请用下方按钮修改或完成。", "Use the buttons below.")) + "\n\n" + text,
            reply_markup=markup,
        )
        return
    try:
        value = read_answer(edition, question.indicator, message.text or "", lang)
    except _Reask as exc:
        # Re-ask the same question, saying what was wrong; nothing is saved.
        text, markup = _screen(db, record, lang, error=exc.message)
        await message.answer(text, reply_markup=markup)
        return
    _save(db, record, question.indicator, value, message.text, clock)
    record = _advance(db, record, clock)
    text, markup = _screen(db, record, lang)
    await message.answer(text, reply_markup=markup)


# ------------------------------------------------------------------------------------------
# The result


def _result_html(result: Assessment, lang: str, title: str) -> str:
    lines = [f"<b>{escape(title)}</b>", f"<b>{escape(result.verdict())}</b>", ""]
    lines.append(f"<b>{escape(_t(lang, '基本条件', 'Preconditions'))}</b>")
    for gate in result.gates:
        lines.append(f"{ICON[gate.status]} {escape(gate.label)}")
    for dimension in result.dimensions:
        lines.append("")
        heading = (f"{dimension.number}、{dimension.name}" if lang != "en"
                   else f"{'一二三四五六七八'.index(dimension.number) + 1}. {dimension.name}")
        lines.append(f"{ICON[dimension.status]} <b>{escape(heading)}</b>")
        unknown = 0
        for check in dimension.checks:
            if check.status in ("fail", "warn") and check.gap:
                lines.append(f"   {ICON[check.status]} {escape(check.gap)}")
            elif check.derived:
                # CRITERIA.md: a derived figure always says it was derived, even when it passes.
                lines.append(f"   {ICON[check.status]} {escape(check.message)}")
            elif check.status == "unknown":
                unknown += 1
        if unknown:
            lines.append("   " + escape(_t(lang, f"❔ 未回答 {unknown} 项",
                                            f"❔ {unknown} not answered")))
    if result.advice:
        lines.append("")
        lines.append(f"<b>{escape(_t(lang, '改进建议', 'What to work on'))}</b>")
        for group in group_advice(result.advice):
            names = ", ".join(group.dimensions) if lang == "en" else "、".join(group.dimensions)
            lines.append(f"• {escape(names)} → 📖 {escape(group.label)} {escape(group.heading)}")
            if group.quote:
                lines.append(quote_block(group.quote))
    lines.append("")
    lines.append(f"<b>{escape(_t(lang, '下一步', 'Next step'))}</b>")
    lines.append(escape(result.next_step))
    source = _t(lang, "来源：", "Source: ") + result.next_step_source
    lines.append(f"<i>{escape(source)}</i>")
    return "\n".join(lines)


def _result_keyboard(record: AssessmentRecord, previous: AssessmentRecord | None,
                     lang: str) -> InlineKeyboardMarkup:
    aid = int(record.id or 0)
    builder = InlineKeyboardBuilder()
    if previous is not None:
        builder.button(text=_t(lang, "与上一次对比", "Compare with the previous"),
                       callback_data=AssessCb(action="cmp", aid=aid, v=str(previous.id)))
    builder.button(text=_t(lang, "图表和报告", "Chart and report"),
                   callback_data=AssessCb(action="rep", aid=aid))
    builder.button(text=_t(lang, "历史记录", "History"), callback_data=AssessCb(action="hist"))
    builder.adjust(1)
    return builder.as_markup()


def _evaluate(db: Database, record: AssessmentRecord, lang: str,
              kb: KnowledgeBase | Any) -> Assessment:
    with db.session() as session:
        answers = repo.answers_of(session, assessment_id=int(record.id or 0))
    return assess(record.edition, answers, lang=lang, kb=kb)


def _when(record: AssessmentRecord, zone: tzinfo, fmt: str = "%Y-%m-%d") -> str:
    """When the assessment was finished, in the users' time zone (stored in UTC)."""
    return local_time(record.completed_at or record.updated_at, zone).strftime(fmt)


def _title(record: AssessmentRecord, lang: str, zone: tzinfo) -> str:
    when = _when(record, zone)
    return _t(lang, f"自评结果 #{record.id}（{when}）", f"Self-assessment #{record.id} ({when})")


async def _send_files(bot: Bot, chat_id: int, record: AssessmentRecord, result: Assessment,
                      lang: str, zone: tzinfo) -> None:
    """The chart (sendPhoto) and the HTML report (sendDocument)."""
    from bot.chart import dimension_chart
    from bot.report import render_report

    # matplotlib is CPU-bound: keep the event loop free for other users.
    png = await asyncio.to_thread(dimension_chart, result)
    report = await asyncio.to_thread(
        lambda: render_report(
            result,
            created_at=local_time(record.completed_at, zone) if record.completed_at else None,
            chart_png=png,
            title=_title(record, lang, zone),
        )
    )
    await bot.send_photo(
        chat_id,
        BufferedInputFile(png, filename=f"assessment-{record.id}.png"),
        caption=escape(_t(lang, f"#{record.id} 八个方面达标情况（1–8 对应一至八）",
                          f"#{record.id}: the eight dimensions")),
    )
    await bot.send_document(
        chat_id,
        BufferedInputFile(report.encode("utf-8"), filename=f"assessment-{record.id}.html"),
        caption=escape(_t(lang, "完整自评报告（HTML，可用浏览器打开）",
                          "Full report (HTML, opens in a browser)")),
    )


async def _send_result(bot: Bot, chat_id: int, db: Database, record: AssessmentRecord,
                       result: Assessment, lang: str, user: User, zone: tzinfo) -> None:
    with db.session() as session:
        previous = repo.previous_done(session, user_id=user.id, before_id=int(record.id or 0))
    parts = split_html(_result_html(result, lang, _title(record, lang, zone)))
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        await bot.send_message(chat_id, part,
                               reply_markup=_result_keyboard(record, previous, lang) if last
                               else None)


@router.callback_query(AssessCb.filter(F.action == "done"))
async def on_done(query: CallbackQuery, callback_data: AssessCb, state: FSMContext, user: User,
                  lang: str, db: Database, clock: Clock, bot: Bot, settings: Settings,
                  kb: Any = None) -> None:
    record = await _guard(query, callback_data, user, lang, db)
    if record is None:
        return
    result = _evaluate(db, record, lang, kb)
    with db.session() as session:
        done = repo.complete(session, assessment_id=int(record.id or 0), eligible=result.eligible,
                             result=result.to_json(), now=_now(clock))
    assert done is not None
    await state.clear()
    await query.answer()
    await _show(query, escape(_t(lang, "答案已提交，结果如下。", "Submitted; the result follows.")),
                None)
    chat_id = callback_chat_id(query)
    await _send_result(bot, chat_id, db, done, result, lang, user, settings.tz)
    await _send_files(bot, chat_id, done, result, lang, settings.tz)


# ------------------------------------------------------------------------------------------
# History, view, compare, report again


@router.callback_query(AssessCb.filter(F.action == "hist"))
async def on_history(query: CallbackQuery, user: User, lang: str, db: Database,
                     settings: Settings) -> None:
    with db.session() as session:
        records = repo.list_done(session, user_id=user.id, limit=HISTORY_LIMIT)
    await query.answer()
    if not records:
        await _send(query, escape(_t(lang, "还没有完成的自评。发送 /assess 开始。",
                                     "No finished self-assessment yet. Send /assess.")), None)
        return
    lines = [f"<b>{escape(_t(lang, '历史记录', 'History'))}</b>"]
    builder = InlineKeyboardBuilder()
    for record in records:
        edition = _edition(record.edition)
        name = edition.name(lang) if edition else record.edition
        when = _when(record, settings.tz, "%Y-%m-%d %H:%M")
        lines.append(f"#{record.id} {escape(when)} {escape(name)} — "
                     f"{escape(verdict_text(record.eligible, lang))}")
        builder.button(text=_t(lang, f"查看 #{record.id}", f"View #{record.id}"),
                       callback_data=AssessCb(action="view", aid=int(record.id or 0)))
    if len(records) >= 2:
        builder.button(
            text=_t(lang, f"对比 #{records[1].id} 与 #{records[0].id}",
                    f"Compare #{records[1].id} and #{records[0].id}"),
            callback_data=AssessCb(action="cmp", aid=int(records[0].id or 0),
                                   v=str(records[1].id)),
        )
    builder.adjust(2)
    # A new message, not an edit: the history button also sits under a result, which must stay.
    await _send(query, "\n".join(lines), builder.as_markup())


async def _owned_done(query: CallbackQuery, db: Database, aid: int, user: User,
                      lang: str) -> AssessmentRecord | None:
    record = _owned(db, aid, user)
    if record is None:
        await _refuse(query, lang)
        return None
    if record.status != DONE:
        await _stale(query, lang)
        return None
    return record


async def _owned_result(query: CallbackQuery, db: Database, assessment_id: int, user: User,
                        lang: str, kb: Any) -> tuple[AssessmentRecord, Assessment] | None:
    """A finished assessment of this user, re-evaluated for showing; None (already answered to
    the user) when it is someone else's or not finished."""
    record = await _owned_done(query, db, assessment_id, user, lang)
    if record is None:
        return None
    await query.answer()
    return record, _evaluate(db, record, lang, kb)


@router.callback_query(AssessCb.filter(F.action == "view"))
async def on_view(query: CallbackQuery, callback_data: AssessCb, user: User, lang: str,
                  db: Database, bot: Bot, settings: Settings, kb: Any = None) -> None:
    owned = await _owned_result(query, db, callback_data.aid, user, lang, kb)
    if owned is not None:
        record, result = owned
        await _send_result(bot, callback_chat_id(query), db, record, result, lang, user,
                           settings.tz)


@router.callback_query(AssessCb.filter(F.action == "rep"))
async def on_report(query: CallbackQuery, callback_data: AssessCb, user: User, lang: str,
                    db: Database, bot: Bot, settings: Settings, kb: Any = None) -> None:
    owned = await _owned_result(query, db, callback_data.aid, user, lang, kb)
    if owned is not None:
        record, result = owned
        await _send_files(bot, callback_chat_id(query), record, result, lang, settings.tz)


def compare_html(older: AssessmentRecord, newer: AssessmentRecord, lang: str,
                 zone: tzinfo = UTC) -> str:
    """Two finished assessments side by side: the gates, each dimension, the verdict."""
    a: dict[str, Any] = older.result or {}
    b: dict[str, Any] = newer.result or {}
    lines = [
        "<b>" + escape(_t(lang, f"对比 #{older.id} → #{newer.id}",
                          f"Comparison #{older.id} → #{newer.id}")) + "</b>",
    ]
    for record in (older, newer):
        edition = _edition(record.edition)
        name = edition.name(lang) if edition else record.edition
        when = _when(record, zone)
        lines.append(f"#{record.id}：{escape(when)} {escape(name)}")
    if older.edition != newer.edition:
        lines.append(escape(_t(lang, "（两次使用的标准版本不同）", "(different editions)")))
    lines.append("")
    gates_a = {g["id"]: g["status"] for g in a.get("gates", [])}
    gates_b = {g["id"]: g["status"] for g in b.get("gates", [])}
    edition = _edition(newer.edition)
    for gate_id in gates_b or gates_a:
        label = gate_id
        if edition is not None:
            indicator = edition.indicator(gate_id)
            label = indicator.label_en if lang == "en" else indicator.label
        lines.append(f"{ICON.get(gates_a.get(gate_id, 'unknown'), '❔')} → "
                     f"{ICON.get(gates_b.get(gate_id, 'unknown'), '❔')}  {escape(label)}")
    dims_a = {d["id"]: d for d in a.get("dimensions", [])}
    for index, dim in enumerate(b.get("dimensions", []), start=1):
        before = dims_a.get(dim["id"], {}).get("status", "unknown")
        name = dim["name"]
        if edition is not None and lang == "en":
            name = edition.dimension(dim["id"]).name_en
        changed = " ⬆️" if before != "pass" and dim["status"] == "pass" else (
            " ⬇️" if before == "pass" and dim["status"] != "pass" else "")
        lines.append(f"{ICON.get(before, '❔')} → {ICON.get(dim['status'], '❔')}  "
                     f"{index}. {escape(name)}{changed}")
    lines.append("")
    lines.append(escape(_t(lang, "结论：", "Verdict: ")
                        + verdict_text(a.get("eligible"), lang) + " → "
                        + verdict_text(b.get("eligible"), lang)))
    return "\n".join(lines)


@router.callback_query(AssessCb.filter(F.action == "cmp"))
async def on_compare(query: CallbackQuery, callback_data: AssessCb, user: User, lang: str,
                     db: Database, bot: Bot, settings: Settings) -> None:
    if not callback_data.v.isdigit():
        await _refuse(query, lang)
        return
    first = await _owned_done(query, db, callback_data.aid, user, lang)
    if first is None:
        return
    second = await _owned_done(query, db, int(callback_data.v), user, lang)
    if second is None:
        return
    older, newer = sorted((first, second), key=lambda r: int(r.id or 0))
    await query.answer()
    chat_id = callback_chat_id(query)
    await bot.send_message(chat_id, compare_html(older, newer, lang, settings.tz))
