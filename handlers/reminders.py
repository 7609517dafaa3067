"""Reminders in chat: /remind (guided), /subscribe <batch year> (short form), /reminders (list,
cancel, export as .ics).

Thin on purpose: the deadline rules live in knowledge.deadlines, storage in bot.repos.reminders,
sending in bot.scheduler. Services arrive as handler arguments (dispatcher workflow data:
`settings`, `db`, `clock`; middleware data: `lang`).
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence
from datetime import date

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from bot.calendar import CalendarEntry, build_ics, ics_filename
from bot.models.reminders import ReminderSubscription
from bot.repos import reminders as repo
from infra.clock import Clock
from infra.db import Database
from infra.settings import Settings
from knowledge.deadlines import (
    FIRST_BATCH_YEAR,
    KIND_NAMES,
    KINDS_CANDIDATE,
    KINDS_RECOGNISED,
    BatchYearError,
    CustomDeadlineSpec,
    Deadline,
    plan_for,
    validate_batch_year,
)

router = Router(name="reminders")

LEAD_CHOICES: tuple[int, ...] = (90, 30, 14, 7, 3, 1, 0)
MAX_CLUSTER_NAME = 100


class RemindCb(CallbackData, prefix="rm"):
    """The /remind flow's buttons. action: year | kind | next | lead | go | ok | quit."""

    action: str
    value: str = ""


class SubCb(CallbackData, prefix="rs"):
    """/reminders buttons. action: cancel | ics (sub_id 0 = every subscription)."""

    action: str
    sub_id: int = 0


class RemindFlow(StatesGroup):
    cluster_name = State()
    batch_year = State()
    kinds = State()
    leads = State()
    confirm = State()


def _t(lang: str, zh: str, en: str) -> str:
    return en if lang == "en" else zh


PREVIEW = 3  # deadlines previewed before confirming a subscription


def _today(clock: Clock, settings: Settings) -> date:
    return clock().astimezone(settings.tz).date()


def _custom(db: Database, today: date) -> list[CustomDeadlineSpec]:
    with db.session() as session:
        return repo.custom_specs(session, since=today)


def _kind_name(kind: str, lang: str) -> str:
    return KIND_NAMES.get(kind, {}).get(lang if lang == "en" else "zh", kind)


def _deadline_lines(deadlines: Sequence[Deadline], today: date, lang: str) -> list[str]:
    lines = []
    for d in deadlines:
        days = (d.due - today).days
        left = _t(lang, f"还有 {days} 天", f"in {days} days") if days else _t(lang, "今天", "today")
        due, title = d.due.isoformat(), html.escape(d.title_for(lang))
        lines.append(
            _t(lang, f"• <b>{due}</b>（{left}）{title}", f"• <b>{due}</b> ({left}) {title}")
        )
    return lines


def _usage(lang: str, today: date) -> str:
    return _t(
        lang,
        f"用法：<code>/subscribe 批次年份</code>，例如 <code>/subscribe 2022</code>"
        f"（可填 {FIRST_BATCH_YEAR}–{today.year} 年）。\n"
        "想分步设置（集群名称、提醒事项、提前天数），请发送 /remind。",
        f"Usage: <code>/subscribe BATCH_YEAR</code>, e.g. <code>/subscribe 2022</code> "
        f"(years {FIRST_BATCH_YEAR}–{today.year}).\nFor a guided set-up send /remind.",
    )


def _batch_label(batch_year: int | None, lang: str) -> str:
    if batch_year is None:
        return _t(lang, "尚未认定（推荐申报轮次）", "not yet recognised (recommendation rounds)")
    return _t(lang, f"{batch_year} 年批次", f"batch {batch_year}")


def _summary(sub: ReminderSubscription, deadlines: Sequence[Deadline], today: date,
             lang: str) -> str:
    kinds = "、".join(_kind_name(k, lang) for k in sub.kind_list) if lang != "en" else \
        ", ".join(_kind_name(k, lang) for k in sub.kind_list)
    leads = "/".join(str(d) for d in sub.lead_list)
    head = _t(
        lang,
        f"<b>#{sub.id} {html.escape(sub.cluster_name)}</b>（{_batch_label(sub.batch_year, lang)}）"
        f"\n提醒：{kinds}；提前 {leads} 天",
        f"<b>#{sub.id} {html.escape(sub.cluster_name)}</b> ({_batch_label(sub.batch_year, lang)})"
        f"\nReminds: {kinds}; {leads} days before",
    )
    upcoming = list(deadlines)
    if not upcoming:
        return head + "\n" + _t(
            lang,
            "暂无即将到来的截止日期；运营方发布新的截止日期后会提醒您。",
            "No upcoming deadline yet; you will hear when an operator announces one.",
        )
    return head + "\n" + "\n".join(_deadline_lines(upcoming, today, lang))


# --- /subscribe --------------------------------------------------------------------------------


@router.message(Command("subscribe"))
async def on_subscribe(
    message: Message,
    command: CommandObject,
    db: Database,
    clock: Clock,
    settings: Settings,
    lang: str = "zh",
) -> None:
    today = _today(clock, settings)
    arg = (command.args or "").strip()
    if not arg:
        await message.answer(_t(lang, "请在命令后写上批次年份。\n", "Please add the batch year.\n")
                             + _usage(lang, today))
        return
    try:
        batch_year = int(arg.split()[0])
    except ValueError:
        await message.answer(
            _t(lang, f"「{html.escape(arg[:30])}」不是年份。\n",
               f"“{html.escape(arg[:30])}” is not a year.\n") + _usage(lang, today)
        )
        return
    try:
        validate_batch_year(batch_year, today)
    except BatchYearError as exc:
        text = exc.message_zh if lang != "en" else str(exc)
        await message.answer(html.escape(text) + "\n" + _usage(lang, today))
        return
    assert message.from_user is not None
    cluster_name = _t(lang, f"{batch_year}年批次集群", f"Batch {batch_year} cluster")
    sub, created = _subscribe(
        db,
        clock,
        user_id=message.from_user.id,
        chat_id=message.chat.id,
        cluster_name=cluster_name,
        batch_year=batch_year,
        kinds=KINDS_RECOGNISED,
        leads=repo.DEFAULT_LEADS,
        lang=lang,
    )
    deadlines = plan_for(batch_year, today, _custom(db, today), sub.kind_list)
    intro = (
        _t(lang, "✅ 已订阅。", "✅ Subscribed.")
        if created
        else _t(lang, "您已订阅过这些提醒，不会重复提醒。", "You already have these reminders.")
    )
    await message.answer(
        intro + "\n" + _summary(sub, deadlines, today, lang) + "\n\n"
        + _t(lang, "查看或取消：/reminders", "List or cancel: /reminders")
    )


def _subscribe(
    db: Database,
    clock: Clock,
    *,
    user_id: int,
    chat_id: int,
    cluster_name: str,
    batch_year: int | None,
    kinds: Sequence[str],
    leads: Sequence[int],
    lang: str,
) -> tuple[ReminderSubscription, bool]:
    """Create the subscription unless the chat already has the very same one (a second
    /subscribe must not double every reminder)."""
    kind_list = [k for k in ("annual_report", "renewal_review", "custom",
                             "recommendation_round") if k in set(kinds)]
    lead_list = sorted(set(leads), reverse=True)
    with db.session() as session:
        for existing in repo.list_subscriptions(session, chat_id=chat_id):
            if (existing.batch_year, existing.cluster_name, existing.kind_list,
                    existing.lead_list) \
                    == (batch_year, cluster_name.strip()[:MAX_CLUSTER_NAME], kind_list, lead_list):
                return existing, False
        sub = repo.create_subscription(
            session,
            user_id=user_id,
            chat_id=chat_id,
            cluster_name=cluster_name,
            batch_year=batch_year,
            kinds=kinds,
            lead_days=leads,
            lang=lang,
            now=clock(),
        )
    return sub, True


# --- /remind (guided) --------------------------------------------------------------------------


@router.message(Command("remind"))
async def on_remind(message: Message, state: FSMContext, lang: str = "zh") -> None:
    await state.clear()
    await state.set_state(RemindFlow.cluster_name)
    await message.answer(
        _t(
            lang,
            "设置截止日期提醒（共 4 步，随时可发 /cancel 退出）。\n\n"
            "第 1 步：请输入集群名称，例如「某某县特色产业集群」。",
            "Set up deadline reminders (4 steps; /cancel leaves at any time).\n\n"
            "Step 1: the cluster's name, e.g. “XX County electronics cluster”.",
        )
    )


@router.message(StateFilter(RemindFlow.cluster_name), F.text, ~F.text.startswith("/"))
async def on_cluster_name(
    message: Message, state: FSMContext, clock: Clock, settings: Settings, lang: str = "zh"
) -> None:
    name = " ".join((message.text or "").split())
    if not name or len(name) > MAX_CLUSTER_NAME:
        await message.answer(
            _t(lang, f"集群名称需为 1–{MAX_CLUSTER_NAME} 个字，请重新输入。",
               f"The name must be 1–{MAX_CLUSTER_NAME} characters; please try again.")
        )
        return
    await state.update_data(cluster=name)
    await state.set_state(RemindFlow.batch_year)
    today = _today(clock, settings)
    years = list(range(FIRST_BATCH_YEAR, today.year + 1))
    rows = [
        [InlineKeyboardButton(text=str(y), callback_data=RemindCb(action="year",
                                                                  value=str(y)).pack())
         for y in years[i:i + 4]]
        for i in range(0, len(years), 4)
    ]
    rows.append([InlineKeyboardButton(
        text=_t(lang, "尚未认定——提醒我推荐申报轮次", "Not yet recognised — remind me of rounds"),
        callback_data=RemindCb(action="year", value="none").pack())])
    rows.append([_quit_button(lang)])
    await message.answer(
        _t(lang, f"第 2 步：「{html.escape(name)}」是哪一年批次认定的？",
           f"Step 2: which batch year recognised “{html.escape(name)}”?"),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=rows),
    )


def _quit_button(lang: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=_t(lang, "取消", "Cancel"),
                                callback_data=RemindCb(action="quit").pack())


def _kinds_keyboard(available: Sequence[str], chosen: Sequence[str],
                    lang: str) -> InlineKeyboardMarkup:
    rows = [
        [InlineKeyboardButton(
            text=("✅ " if kind in chosen else "⬜ ") + _kind_name(kind, lang),
            callback_data=RemindCb(action="kind", value=kind).pack())]
        for kind in available
    ]
    rows.append([InlineKeyboardButton(text=_t(lang, "下一步 ➡️", "Next ➡️"),
                                      callback_data=RemindCb(action="next").pack()),
                 _quit_button(lang)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def _leads_keyboard(chosen: Sequence[int], lang: str) -> InlineKeyboardMarkup:
    def label(days: int) -> str:
        mark = "✅ " if days in chosen else "⬜ "
        if days == 0:
            return mark + _t(lang, "当天", "on the day")
        return mark + _t(lang, f"提前{days}天", f"{days} days")

    buttons = [InlineKeyboardButton(text=label(d), callback_data=RemindCb(
        action="lead", value=str(d)).pack()) for d in LEAD_CHOICES]
    rows = [buttons[i:i + 4] for i in range(0, len(buttons), 4)]
    rows.append([InlineKeyboardButton(text=_t(lang, "下一步 ➡️", "Next ➡️"),
                                      callback_data=RemindCb(action="go").pack()),
                 _quit_button(lang)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def _available_kinds(batch_year: int | None) -> tuple[str, ...]:
    return KINDS_CANDIDATE if batch_year is None else KINDS_RECOGNISED


@router.callback_query(StateFilter(RemindFlow.batch_year), RemindCb.filter(F.action == "year"))
async def on_year(
    query: CallbackQuery, callback_data: RemindCb, state: FSMContext, clock: Clock,
    settings: Settings, lang: str = "zh",
) -> None:
    batch_year: int | None = None
    if callback_data.value != "none":
        try:
            batch_year = int(callback_data.value)
            validate_batch_year(batch_year, _today(clock, settings))
        except (ValueError, BatchYearError):
            await query.answer(_t(lang, "年份无效", "Invalid year"), show_alert=True)
            return
    await query.answer()
    if isinstance(query.message, Message):
        await _year_chosen(query.message, state, batch_year, lang, edit=True)


async def _year_chosen(message: Message, state: FSMContext, batch_year: int | None, lang: str,
                       *, edit: bool) -> None:
    """Step 2 done (by button or typed year): go on to step 3, which deadlines."""
    kinds = list(_available_kinds(batch_year))
    await state.update_data(batch=batch_year, kinds=kinds, leads=list(repo.DEFAULT_LEADS))
    await state.set_state(RemindFlow.kinds)
    text = _t(lang,
              f"已选：{_batch_label(batch_year, lang)}。\n第 3 步：要提醒哪些事项？（点按切换）",
              f"Chosen: {_batch_label(batch_year, lang)}.\n"
              "Step 3: which deadlines? (tap to toggle)")
    markup = _kinds_keyboard(kinds, kinds, lang)
    if edit:
        await message.edit_text(text, reply_markup=markup)
    else:
        await message.answer(text, reply_markup=markup)


_TYPED_YEAR = re.compile(r"^\s*(\d{4})\s*年?\s*(?:批次?|度)?\s*$")


@router.message(StateFilter(RemindFlow.batch_year), F.text, ~F.text.startswith("/"))
async def on_year_typed(
    message: Message, state: FSMContext, clock: Clock, settings: Settings, lang: str = "zh"
) -> None:
    """People type the year as often as they press its button: accept it, never treat it as a
    question (which would lose the answer and stall the flow)."""
    match = _TYPED_YEAR.match(unicodedata.normalize("NFKC", message.text or ""))
    if match is not None:
        try:
            batch_year = int(match.group(1))
            validate_batch_year(batch_year, _today(clock, settings))
        except BatchYearError:
            latest = _today(clock, settings).year
            await message.answer(_t(
                lang,
                f"批次年份 {match.group(1)} 无效：请填写 {FIRST_BATCH_YEAR}–{latest} 之间的年份，"
                "或点按上方按钮。",
                f"Batch year {match.group(1)} is not valid: use {FIRST_BATCH_YEAR}–{latest}, "
                "or press a button above.",
            ))
            return
        await _year_chosen(message, state, batch_year, lang, edit=False)
        return
    await message.answer(_t(
        lang,
        f"请点按上方按钮选择批次年份，或直接输入年份（{FIRST_BATCH_YEAR}–"
        f"{_today(clock, settings).year}）；尚未认定请点“尚未认定”。发送 /cancel 退出。",
        f"Please press a button above or type the batch year ({FIRST_BATCH_YEAR}–"
        f"{_today(clock, settings).year}); /cancel leaves.",
    ))


@router.message(StateFilter(RemindFlow.kinds, RemindFlow.leads, RemindFlow.confirm), F.text,
                ~F.text.startswith("/"))
async def on_text_in_button_step(message: Message, lang: str = "zh") -> None:
    # These steps are answered with buttons; typed text must not fall through to the Q&A.
    await message.answer(_t(lang, "请点按上方消息里的按钮继续，或发送 /cancel 退出。",
                            "Please use the buttons above to continue, or send /cancel."))


@router.callback_query(StateFilter(RemindFlow.kinds), RemindCb.filter(F.action == "kind"))
async def on_kind_toggle(
    query: CallbackQuery, callback_data: RemindCb, state: FSMContext, lang: str = "zh"
) -> None:
    data = await state.get_data()
    available = _available_kinds(data.get("batch"))
    if callback_data.value not in available:
        await query.answer()
        return
    chosen = [k for k in data.get("kinds", []) if k in available]
    if callback_data.value in chosen:
        chosen.remove(callback_data.value)
    else:
        chosen.append(callback_data.value)
    await state.update_data(kinds=chosen)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(
            reply_markup=_kinds_keyboard(available, chosen, lang)
        )


@router.callback_query(StateFilter(RemindFlow.kinds), RemindCb.filter(F.action == "next"))
async def on_kinds_done(query: CallbackQuery, state: FSMContext, lang: str = "zh") -> None:
    data = await state.get_data()
    if not data.get("kinds"):
        await query.answer(_t(lang, "请至少选择一项", "Choose at least one"), show_alert=True)
        return
    await state.set_state(RemindFlow.leads)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(
            _t(lang, "第 4 步：提前多久提醒？（可多选，北京时间上午发送）",
               "Step 4: how early? (several allowed; sent in the morning, Beijing time)"),
            reply_markup=_leads_keyboard(data.get("leads", []), lang),
        )


@router.callback_query(StateFilter(RemindFlow.leads), RemindCb.filter(F.action == "lead"))
async def on_lead_toggle(
    query: CallbackQuery, callback_data: RemindCb, state: FSMContext, lang: str = "zh"
) -> None:
    try:
        days = int(callback_data.value)
    except ValueError:
        days = -1
    if days not in LEAD_CHOICES:
        await query.answer()
        return
    data = await state.get_data()
    chosen = [d for d in data.get("leads", []) if d in LEAD_CHOICES]
    if days in chosen:
        chosen.remove(days)
    else:
        chosen.append(days)
    await state.update_data(leads=chosen)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=_leads_keyboard(chosen, lang))


@router.callback_query(StateFilter(RemindFlow.leads), RemindCb.filter(F.action == "go"))
async def on_leads_done(
    query: CallbackQuery, state: FSMContext, db: Database, clock: Clock, settings: Settings,
    lang: str = "zh",
) -> None:
    data = await state.get_data()
    leads = sorted(set(data.get("leads", [])), reverse=True)
    if not leads:
        await query.answer(_t(lang, "请至少选择一个提前时间", "Choose at least one"),
                           show_alert=True)
        return
    await state.set_state(RemindFlow.confirm)
    await query.answer()
    today = _today(clock, settings)
    batch_year = data.get("batch")
    kinds = data.get("kinds", [])
    deadlines = plan_for(batch_year, today, _custom(db, today), kinds)
    kinds_text = ("、" if lang != "en" else ", ").join(_kind_name(k, lang) for k in kinds)
    preview = "\n".join(_deadline_lines(deadlines[:PREVIEW], today, lang)) or _t(
        lang, "（暂无即将到来的截止日期）", "(no upcoming deadline yet)")
    text = _t(
        lang,
        f"请确认：\n集群：<b>{html.escape(data.get('cluster', ''))}</b>\n"
        f"批次：{_batch_label(batch_year, lang)}\n事项：{kinds_text}\n"
        f"提前：{'/'.join(str(d) for d in leads)} 天\n\n接下来的截止日期：\n{preview}",
        f"Please confirm:\nCluster: <b>{html.escape(data.get('cluster', ''))}</b>\n"
        f"Batch: {_batch_label(batch_year, lang)}\nDeadlines: {kinds_text}\n"
        f"Lead times: {'/'.join(str(d) for d in leads)} days\n\nComing up:\n{preview}",
    )
    markup = InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=_t(lang, "✅ 确认订阅", "✅ Subscribe"),
                             callback_data=RemindCb(action="ok").pack()),
        _quit_button(lang),
    ]])
    if isinstance(query.message, Message):
        await query.message.edit_text(text, reply_markup=markup)


@router.callback_query(StateFilter(RemindFlow.confirm), RemindCb.filter(F.action == "ok"))
async def on_confirm(
    query: CallbackQuery, state: FSMContext, db: Database, clock: Clock, settings: Settings,
    lang: str = "zh",
) -> None:
    data = await state.get_data()
    await state.clear()
    if not isinstance(query.message, Message):
        await query.answer()
        return
    sub, created = _subscribe(
        db,
        clock,
        user_id=query.from_user.id,
        chat_id=query.message.chat.id,
        cluster_name=data.get("cluster", ""),
        batch_year=data.get("batch"),
        kinds=data.get("kinds", []),
        leads=data.get("leads", list(repo.DEFAULT_LEADS)),
        lang=lang,
    )
    await query.answer(_t(lang, "已订阅", "Subscribed"))
    today = _today(clock, settings)
    deadlines = plan_for(sub.batch_year, today, _custom(db, today), sub.kind_list)
    intro = _t(lang, "✅ 已订阅。", "✅ Subscribed.") if created else _t(
        lang, "您已订阅过完全相同的提醒，不会重复提醒。",
        "You already had exactly these reminders.")
    await query.message.edit_text(
        intro + "\n" + _summary(sub, deadlines, today, lang) + "\n\n"
        + _t(lang, "查看、取消或导出日历：/reminders", "List, cancel or export: /reminders")
    )


@router.message(Command("cancel"), StateFilter(RemindFlow))
async def on_cancel_command(message: Message, state: FSMContext, lang: str = "zh") -> None:
    """Leave the set-up (the start router's /cancel, when present, runs first and clears any
    flow; this keeps /cancel working for this flow either way)."""
    await state.clear()
    await message.answer(_t(lang, "已取消设置提醒。", "Reminder set-up cancelled."))


@router.callback_query(RemindCb.filter(F.action == "quit"))
async def on_quit(query: CallbackQuery, state: FSMContext, lang: str = "zh") -> None:
    await state.clear()
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(_t(lang, "已取消设置提醒。", "Reminder set-up cancelled."))


@router.callback_query(RemindCb.filter())
async def on_stale_flow_button(query: CallbackQuery, lang: str = "zh") -> None:
    """A button of a set-up that is over (finished, cancelled, or lost in a restart)."""
    await query.answer(
        _t(lang, "这个设置已结束，请重新发送 /remind。",
           "This set-up is over; send /remind again."),
        show_alert=True,
    )


# --- /reminders: list, cancel, export ----------------------------------------------------------


def _list_view(
    db: Database, clock: Clock, settings: Settings, *, user_id: int, lang: str
) -> tuple[str, InlineKeyboardMarkup | None]:
    today = _today(clock, settings)
    with db.session() as session:
        subs = repo.list_subscriptions(session, user_id=user_id)
    if not subs:
        return _t(lang, "您还没有订阅提醒。发送 /remind 分步设置，或 /subscribe 2022 一步订阅。",
                  "You have no reminders. Send /remind, or /subscribe 2022."), None
    custom = _custom(db, today)
    parts = [_t(lang, "<b>您的提醒</b>", "<b>Your reminders</b>")]
    rows: list[list[InlineKeyboardButton]] = []
    for sub in subs:
        deadlines = plan_for(sub.batch_year, today, custom, sub.kind_list)
        parts.append(_summary(sub, deadlines, today, lang))
        rows.append([InlineKeyboardButton(
            text=_t(lang, f"取消 #{sub.id}", f"Cancel #{sub.id}"),
            callback_data=SubCb(action="cancel", sub_id=int(sub.id or 0)).pack())])
    rows.append([InlineKeyboardButton(text=_t(lang, "📅 导出日历 (.ics)", "📅 Export (.ics)"),
                                      callback_data=SubCb(action="ics").pack())])
    return "\n\n".join(parts), InlineKeyboardMarkup(inline_keyboard=rows)


@router.message(Command("reminders"))
async def on_reminders(
    message: Message, db: Database, clock: Clock, settings: Settings, lang: str = "zh"
) -> None:
    assert message.from_user is not None
    text, markup = _list_view(db, clock, settings, user_id=message.from_user.id, lang=lang)
    await message.answer(text, reply_markup=markup)


@router.callback_query(SubCb.filter(F.action == "cancel"))
async def on_cancel_subscription(
    query: CallbackQuery, callback_data: SubCb, db: Database, clock: Clock, lang: str = "zh"
) -> None:
    with db.session() as session:
        outcome = repo.cancel_subscription(
            session, subscription_id=callback_data.sub_id, user_id=query.from_user.id,
            now=clock(),
        )
    texts: dict[str, str] = {
        "cancelled": _t(lang, f"已取消提醒 #{callback_data.sub_id}，不会再收到它的消息。",
                        f"Reminder #{callback_data.sub_id} cancelled."),
        "already": _t(lang, f"提醒 #{callback_data.sub_id} 已经取消过了。",
                      f"Reminder #{callback_data.sub_id} was already cancelled."),
        "not_found": _t(lang, "找不到这个提醒。", "No such reminder."),
    }
    await query.answer(texts[outcome])
    if isinstance(query.message, Message):
        await query.message.answer(texts[outcome])


@router.callback_query(SubCb.filter(F.action == "ics"))
async def on_export(
    query: CallbackQuery, db: Database, clock: Clock, settings: Settings, lang: str = "zh"
) -> None:
    today = _today(clock, settings)
    with db.session() as session:
        subs = repo.list_subscriptions(session, user_id=query.from_user.id)
    custom = _custom(db, today)
    entries = [
        CalendarEntry(int(sub.id or 0), sub.cluster_name, deadline, tuple(sub.lead_list))
        for sub in subs
        for deadline in plan_for(sub.batch_year, today, custom, sub.kind_list)
    ]
    if not entries or not isinstance(query.message, Message):
        await query.answer(_t(lang, "没有可导出的截止日期。", "Nothing to export."),
                           show_alert=True)
        return
    await query.answer()
    data = build_ics(entries, now=clock(), reminder_hour=settings.reminder_hour, lang=lang,
                     timezone=settings.timezone)
    await query.message.answer_document(
        BufferedInputFile(data, filename=ics_filename(today)),
        caption=_t(lang, f"共 {len(entries)} 个截止日期，可导入手机或电脑日历。",
                   f"{len(entries)} deadlines; import into your calendar app."),
    )


__all__ = ["RemindCb", "RemindFlow", "SubCb", "router"]
