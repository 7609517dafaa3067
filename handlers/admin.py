"""/admin for operators (settings.admin_ids): subscription counts and custom deadlines.

`/admin` shows the counts with buttons; `/admin add YYYY-MM-DD 标题` adds a deadline in one line,
or the "添加截止日期" button asks for the title and then the date. Everyone else is refused.
"""

from __future__ import annotations

import html
from datetime import date

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.repos import reminders as repo
from infra.clock import Clock
from infra.db import Database
from infra.settings import Settings

router = Router(name="admin")


class AdminCb(CallbackData, prefix="adm"):
    action: str  # add | stats


class AdminFlow(StatesGroup):
    title = State()
    due = State()


def _t(lang: str, zh: str, en: str) -> str:
    return en if lang == "en" else zh


def _is_admin(user_id: int | None, settings: Settings) -> bool:
    return user_id is not None and user_id in settings.admin_ids


def _refusal(lang: str) -> str:
    return _t(lang, "此命令仅限管理员使用。", "This command is for administrators only.")


def _stats_text(db: Database, clock: Clock, settings: Settings, lang: str) -> str:
    today = clock().astimezone(settings.tz).date()
    with db.session() as session:
        stats = repo.stats(session)
        upcoming = repo.list_custom_deadlines(session, since=today)
    years = "\n".join(f"  • {html.escape(k)}：{v}" for k, v in stats.by_batch_year.items()) \
        or _t(lang, "  （无）", "  (none)")
    deliveries = "，".join(f"{k} {v}" for k, v in sorted(stats.deliveries.items())) \
        or _t(lang, "无", "none")
    custom = "\n".join(f"  • {d.due.isoformat()} {html.escape(d.title)}" for d in upcoming) \
        or _t(lang, "  （无）", "  (none)")
    return _t(
        lang,
        f"<b>管理</b>\n有效订阅：{stats.active_subscriptions}"
        f"（已停用 {stats.inactive_subscriptions}）\n按批次：\n{years}\n"
        f"提醒发送：{deliveries}\n即将到来的运营方截止日期：\n{custom}",
        f"<b>Admin</b>\nActive subscriptions: {stats.active_subscriptions}"
        f" (inactive {stats.inactive_subscriptions})\nBy batch:\n{years}\n"
        f"Deliveries: {deliveries}\nUpcoming operator deadlines:\n{custom}",
    )


def _menu(lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=_t(lang, "➕ 添加截止日期", "➕ Add deadline"),
                             callback_data=AdminCb(action="add").pack()),
        InlineKeyboardButton(text=_t(lang, "🔄 刷新统计", "🔄 Refresh"),
                             callback_data=AdminCb(action="stats").pack()),
    ]])


def _parse_due(text: str, today: date, lang: str) -> tuple[date | None, str | None]:
    try:
        due = date.fromisoformat(text.strip())
    except ValueError:
        return None, _t(lang, "日期格式应为 YYYY-MM-DD，例如 2026-07-15。",
                        "The date must be YYYY-MM-DD, e.g. 2026-07-15.")
    if due < today:
        return None, _t(lang, f"{due.isoformat()} 已经过去，请填写今天或以后的日期。",
                        f"{due.isoformat()} has passed; use today or later.")
    return due, None


def _add(db: Database, clock: Clock, *, title: str, due: date, user_id: int, lang: str) -> str:
    with db.session() as session:
        row = repo.add_custom_deadline(session, title=title, due=due, now=clock(),
                                       created_by=user_id)
    return _t(
        lang,
        f"✅ 已添加截止日期 #{row.id}：{due.isoformat()} {html.escape(row.title)}\n"
        "订阅了「运营方发布的截止日期」的用户会按各自的提前天数收到提醒。",
        f"✅ Deadline #{row.id} added: {due.isoformat()} {html.escape(row.title)}\n"
        "Subscribers of operator deadlines will be reminded at their lead times.",
    )


@router.message(Command("admin"))
async def on_admin(
    message: Message, command: CommandObject, state: FSMContext, db: Database, clock: Clock,
    settings: Settings, lang: str = "zh",
) -> None:
    user_id = message.from_user.id if message.from_user else None
    if not _is_admin(user_id, settings):
        await message.answer(_refusal(lang))
        return
    assert user_id is not None
    args = (command.args or "").split(maxsplit=2)
    if args and args[0] == "add":
        if len(args) < 3:
            await message.answer(_t(lang, "用法：<code>/admin add YYYY-MM-DD 标题</code>",
                                    "Usage: <code>/admin add YYYY-MM-DD title</code>"))
            return
        due, error = _parse_due(args[1], clock().astimezone(settings.tz).date(), lang)
        if due is None:
            await message.answer(error or "")
            return
        await message.answer(_add(db, clock, title=args[2][:200], due=due, user_id=user_id,
                                  lang=lang))
        return
    await state.clear()
    await message.answer(_stats_text(db, clock, settings, lang), reply_markup=_menu(lang))


@router.callback_query(AdminCb.filter())
async def on_admin_button(
    query: CallbackQuery, callback_data: AdminCb, state: FSMContext, db: Database, clock: Clock,
    settings: Settings, lang: str = "zh",
) -> None:
    if not _is_admin(query.from_user.id, settings):
        await query.answer(_refusal(lang), show_alert=True)
        return
    await query.answer()
    if not isinstance(query.message, Message):
        return
    if callback_data.action == "add":
        await state.set_state(AdminFlow.title)
        await query.message.answer(_t(lang,
                                      "请输入截止日期的名称，例如「2026年省级推荐申报截止」。",
                                      "Send the deadline's title."))
    else:
        await query.message.answer(_stats_text(db, clock, settings, lang),
                                   reply_markup=_menu(lang))


@router.message(StateFilter(AdminFlow.title), F.text, ~F.text.startswith("/"))
async def on_admin_title(message: Message, state: FSMContext, settings: Settings,
                         lang: str = "zh") -> None:
    if not _is_admin(message.from_user.id if message.from_user else None, settings):
        await state.clear()
        return
    title = " ".join((message.text or "").split())
    if not title or len(title) > 200:
        await message.answer(
            _t(lang, "名称需为 1–200 个字。", "The title must be 1–200 characters.")
        )
        return
    await state.update_data(title=title)
    await state.set_state(AdminFlow.due)
    await message.answer(
        _t(lang, "请输入截止日期（YYYY-MM-DD）。", "Send the due date (YYYY-MM-DD).")
    )


@router.message(StateFilter(AdminFlow.due), F.text, ~F.text.startswith("/"))
async def on_admin_due(
    message: Message, state: FSMContext, db: Database, clock: Clock, settings: Settings,
    lang: str = "zh",
) -> None:
    user_id = message.from_user.id if message.from_user else None
    if not _is_admin(user_id, settings):
        await state.clear()
        return
    assert user_id is not None
    due, error = _parse_due(message.text or "", clock().astimezone(settings.tz).date(), lang)
    if due is None:
        await message.answer(error or "")
        return
    data = await state.get_data()
    await state.clear()
    await message.answer(_add(db, clock, title=str(data.get("title", "")), due=due,
                              user_id=user_id, lang=lang))
