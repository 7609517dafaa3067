"""/reminders: the user's subscriptions with their upcoming deadlines; cancel; export (.ics)."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, Message

from handlers.reminders import repo, service, views
from handlers.reminders.calendar import CalendarEntry, build_ics, ics_filename
from handlers.reminders.callbacks import SubCb
from infra.callbacks import callback_chat_id
from infra.clock import Clock
from infra.db import Database
from infra.i18n import t
from infra.rendering import split_html
from infra.settings import Settings

router = Router(name="reminders.listing")


@router.message(Command("reminders"))
async def on_reminders(
    message: Message, db: Database, clock: Clock, settings: Settings, lang: str = "zh"
) -> None:
    assert message.from_user is not None  # commands always come from a user
    owner = message.from_user.id
    subs = service.subscriptions_of(db, owner, chat_id=message.chat.id,
                                    private=message.chat.type == "private")
    if not subs:
        await message.answer(t("reminders.list.empty", lang))
        return
    today = service.today(clock, settings)
    custom = service.custom_deadlines(db, today)
    parts = [t("reminders.list.title", lang)]
    parts += [
        views.summary(sub, service.upcoming(sub.batch_year, sub.kind_list, today, custom),
                      today, lang)
        for sub in subs
    ]
    # Many operator deadlines can make the list longer than one message: send it in parts,
    # the buttons under the last one.
    *head, last = split_html("\n\n".join(parts))
    for chunk in head:
        await message.answer(chunk)
    await message.answer(last, reply_markup=views.list_keyboard(subs, owner, lang))


@router.callback_query(SubCb.filter(F.action == "cancel"))
async def on_cancel_subscription(
    query: CallbackQuery, callback_data: SubCb, bot: Bot, db: Database, clock: Clock,
    lang: str = "zh",
) -> None:
    with db.session() as session:
        outcome = repo.cancel_subscription(
            session, subscription_id=callback_data.sub_id, user_id=query.from_user.id,
            now=clock(),
        )
    text = t(f"reminders.cancel.{outcome}", lang, id=callback_data.sub_id)
    await query.answer(text)
    await bot.send_message(callback_chat_id(query), text)


@router.callback_query(SubCb.filter(F.action == "ics"))
async def on_export(
    query: CallbackQuery, bot: Bot, db: Database, clock: Clock, settings: Settings,
    lang: str = "zh",
) -> None:
    today = service.today(clock, settings)
    custom = service.custom_deadlines(db, today)
    chat_id = callback_chat_id(query)
    private = query.message is None or query.message.chat.type == "private"
    subs = service.subscriptions_of(db, query.from_user.id, chat_id=chat_id, private=private)
    entries = [
        CalendarEntry(int(sub.id or 0), sub.cluster_name, deadline, tuple(sub.lead_list))
        for sub in subs
        for deadline in service.upcoming(sub.batch_year, sub.kind_list, today, custom)
    ]
    if not entries:
        await query.answer(t("reminders.export.nothing", lang), show_alert=True)
        return
    await query.answer()
    data = build_ics(entries, now=clock(), reminder_hour=settings.reminder_hour, lang=lang,
                     timezone=settings.timezone)
    await bot.send_document(
        chat_id,
        BufferedInputFile(data, filename=ics_filename(today)),
        caption=t("reminders.export.caption", lang, count=len(entries)),
    )


@router.callback_query(SubCb.filter())
async def on_unknown_list_button(query: CallbackQuery, lang: str = "zh") -> None:
    """Button data this release never issues (an old client, a forged press): answer anyway."""
    await query.answer(t("reminders.list.stale", lang), show_alert=True)
