"""/subscribe <batch year>: every reminder for a cluster of that batch, in one message."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from handlers.reminders import repo, service, views
from handlers.reminders.years import read_batch_year
from infra.clock import Clock
from infra.db import Database
from infra.i18n import t
from infra.rendering import split_html
from infra.settings import Settings
from knowledge.deadlines import KINDS_RECOGNISED, BatchYearError, validate_batch_year

router = Router(name="reminders.subscribe")


@router.message(Command("subscribe"))
async def on_subscribe(
    message: Message,
    command: CommandObject,
    db: Database,
    clock: Clock,
    settings: Settings,
    lang: str = "zh",
) -> None:
    today = service.today(clock, settings)
    arg = " ".join((command.args or "").split())
    if not arg:
        await message.answer(t("reminders.subscribe.no_year", lang) + "\n"
                             + views.usage(lang, today))
        return
    # "/subscribe 2022年" and "/subscribe 2022 电子集群" alike: the year is the whole text or
    # its first word, read the same way /remind reads a typed year.
    batch_year = read_batch_year(arg)
    if batch_year is None:
        batch_year = read_batch_year(arg.split()[0])
    if batch_year is None:
        await message.answer(t("reminders.subscribe.not_a_year", lang, text=arg[:30]) + "\n"
                             + views.usage(lang, today))
        return
    try:
        validate_batch_year(batch_year, today)
    except BatchYearError:
        await message.answer(views.invalid_year(batch_year, today, lang) + "\n"
                             + views.usage(lang, today))
        return
    assert message.from_user is not None  # commands always come from a user
    saved = service.save_subscription(
        db, clock,
        user_id=message.from_user.id,
        chat_id=message.chat.id,
        cluster_name=t("reminders.subscribe.default_name", lang, year=batch_year),
        batch_year=batch_year,
        kinds=KINDS_RECOGNISED,
        leads=repo.DEFAULT_LEADS,
        lang=lang,
        rename=False,  # a name typed in /remind beats the one made up here
    )
    sub = saved.subscription
    deadlines = service.upcoming(batch_year, sub.kind_list, today,
                                 service.custom_deadlines(db, today))
    for chunk in split_html(views.subscribed(saved.outcome, sub, deadlines, today, lang)):
        await message.answer(chunk)  # many operator deadlines can need more than one message
