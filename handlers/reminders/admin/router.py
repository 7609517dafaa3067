"""/admin for operators (settings.admin_ids): subscription counts and custom deadlines.

`/admin` shows the counts with buttons; `/admin add YYYY-MM-DD 标题` adds a deadline in one line,
or the "添加截止日期" button asks for the title and then the date.

Two routers: `admin_only` carries the one `IsAdmin` filter for every handler in it; `refusal`,
tried after it, answers everyone else's /admin, admin buttons and (an administrator removed
mid-flow) flow messages with a clear refusal.
"""

from __future__ import annotations

from datetime import date

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from handlers.reminders import repo
from handlers.reminders.admin import views
from handlers.reminders.admin.callbacks import AdminCb, AdminFlow
from handlers.reminders.admin.filters import IsAdmin
from handlers.reminders.repo.deadlines import MAX_TITLE
from infra.callbacks import callback_chat_id, refuse_unless_owner
from infra.clock import Clock, today_in
from infra.db import Database
from infra.i18n import t
from infra.rendering import split_html
from infra.settings import Settings

admin_only = Router(name="admin.panel")
admin_only.message.filter(IsAdmin())
admin_only.callback_query.filter(IsAdmin())

refusal = Router(name="admin.refusal")

TYPED = (F.text, ~F.text.startswith("/"))


def _panel(db: Database, clock: Clock, settings: Settings, lang: str) -> str:
    with db.session() as session:
        stats = repo.stats(session)
        upcoming = repo.list_custom_deadlines(session, since=today_in(clock, settings.tz))
    return views.panel(stats, upcoming, lang)


def _add(db: Database, clock: Clock, *, title: str, due: date, user_id: int, lang: str) -> str:
    with db.session() as session:
        row = repo.add_custom_deadline(session, title=title, due=due, now=clock(),
                                       created_by=user_id)
    return views.added(row, lang)


async def _send_panel(bot: Bot, chat_id: int, text: str, menu: InlineKeyboardMarkup) -> None:
    """The panel, in parts when many operator deadlines make it long; buttons on the last."""
    *head, last = split_html(text)
    for chunk in head:
        await bot.send_message(chat_id, chunk)
    await bot.send_message(chat_id, last, reply_markup=menu)


@admin_only.message(Command("admin"))
async def on_admin(
    message: Message, command: CommandObject, state: FSMContext, bot: Bot, db: Database,
    clock: Clock, settings: Settings, lang: str = "zh",
) -> None:
    assert message.from_user is not None  # IsAdmin passed: there is a user
    args = (command.args or "").split(maxsplit=2)
    if args and args[0] == "add":
        if len(args) < 3:
            await message.answer(t("admin.add.usage", lang))
            return
        due, error = views.parse_due(args[1], today_in(clock, settings.tz), lang)
        if due is None:
            await message.answer(error or "")
            return
        title = " ".join(args[2].split())
        if len(title) > MAX_TITLE:  # refused, not cut: the operator decides how to shorten it
            await message.answer(t("admin.add.bad_title", lang, max=MAX_TITLE))
            return
        await message.answer(_add(db, clock, title=title, due=due,
                                  user_id=message.from_user.id, lang=lang))
        return
    await state.clear()
    await _send_panel(bot, message.chat.id, _panel(db, clock, settings, lang),
                      views.menu(message.from_user.id, lang))


@admin_only.callback_query(AdminCb.filter())
async def on_admin_button(
    query: CallbackQuery, callback_data: AdminCb, state: FSMContext, bot: Bot, db: Database,
    clock: Clock, settings: Settings, lang: str = "zh",
) -> None:
    # Another administrator's panel: its flow would run in the presser's state anyway, but a
    # panel answers the one who opened it.
    if await refuse_unless_owner(query, callback_data.owner, lang):
        return
    await query.answer()
    chat_id = callback_chat_id(query)
    if callback_data.action == "add":
        await state.set_state(AdminFlow.title)
        await bot.send_message(chat_id, t("admin.add.ask_title", lang))
    else:
        await _send_panel(bot, chat_id, _panel(db, clock, settings, lang),
                          views.menu(query.from_user.id, lang))


@admin_only.message(StateFilter(AdminFlow.title), *TYPED)
async def on_admin_title(message: Message, state: FSMContext, lang: str = "zh") -> None:
    title = " ".join((message.text or "").split())
    if not title or len(title) > MAX_TITLE:
        await message.answer(t("admin.add.bad_title", lang, max=MAX_TITLE))
        return
    await state.update_data(title=title)
    await state.set_state(AdminFlow.due)
    await message.answer(t("admin.add.ask_due", lang))


@admin_only.message(StateFilter(AdminFlow.due), *TYPED)
async def on_admin_due(
    message: Message, state: FSMContext, db: Database, clock: Clock, settings: Settings,
    lang: str = "zh",
) -> None:
    assert message.from_user is not None
    due, error = views.parse_due(message.text or "", today_in(clock, settings.tz),
                                 lang)
    if due is None:
        await message.answer(error or "")
        return
    data = await state.get_data()
    await message.answer(_add(db, clock, title=str(data.get("title", "")), due=due,
                              user_id=message.from_user.id, lang=lang))
    await state.clear()


@admin_only.message(StateFilter(AdminFlow), ~F.text)
async def on_admin_not_text(message: Message, lang: str = "zh") -> None:
    await message.answer(t("admin.add.text_only", lang))


@refusal.message(Command("admin"))
async def on_refused_command(message: Message, lang: str = "zh") -> None:
    await message.answer(t("admin.refusal", lang))


@refusal.message(StateFilter(AdminFlow), *TYPED)
async def on_refused_flow(message: Message, state: FSMContext, lang: str = "zh") -> None:
    """An administrator removed from ADMIN_IDS in the middle of adding a deadline."""
    await state.clear()
    await message.answer(t("admin.refusal", lang))


@refusal.callback_query(AdminCb.filter())
async def on_refused_button(query: CallbackQuery, lang: str = "zh") -> None:
    await query.answer(t("admin.refusal", lang), show_alert=True)
