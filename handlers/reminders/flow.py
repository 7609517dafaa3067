"""/remind: the guided set-up in four steps (name, batch year, deadlines, lead times), then a
confirmation. The answers live in the FSM data, so a set-up survives a restart of the bot.

Typed text in a step answered by buttons gets a hint, never the Q&A; a typed batch year is read
like /subscribe reads one (handlers.reminders.years).
"""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from handlers.reminders import repo, service, views
from handlers.reminders.callbacks import RemindCb, RemindFlow
from handlers.reminders.years import read_batch_year
from infra.callbacks import callback_chat_id
from infra.clock import Clock
from infra.db import Database
from infra.i18n import t
from infra.rendering import split_html
from infra.settings import Settings
from knowledge.deadlines import FIRST_BATCH_YEAR, BatchYearError, validate_batch_year

router = Router(name="reminders.flow")

TYPED = (F.text, ~F.text.startswith("/"))  # typed text that is not a command


async def _show(query: CallbackQuery, bot: Bot, text: str,
                markup: InlineKeyboardMarkup | None = None) -> None:
    """Replace the pressed message; a message too old to edit gets a new one instead. A text
    longer than one message continues in new ones, the buttons under the last part."""
    first, *rest = split_html(text)
    chat_id = callback_chat_id(query)
    if isinstance(query.message, Message):
        await query.message.edit_text(first, reply_markup=None if rest else markup)
    else:
        await bot.send_message(chat_id, first, reply_markup=None if rest else markup)
    for index, chunk in enumerate(rest, start=1):
        await bot.send_message(chat_id, chunk, reply_markup=markup if index == len(rest) else None)


@router.message(Command("remind"))
async def on_remind(message: Message, state: FSMContext, lang: str = "zh") -> None:
    await state.clear()
    await state.set_state(RemindFlow.cluster_name)
    await message.answer(t("reminders.remind.step1", lang))


@router.message(StateFilter(RemindFlow.cluster_name), *TYPED)
async def on_cluster_name(
    message: Message, state: FSMContext, clock: Clock, settings: Settings, lang: str = "zh"
) -> None:
    name = " ".join((message.text or "").split())
    if not name or len(name) > repo.MAX_CLUSTER_NAME:
        await message.answer(t("reminders.remind.bad_name", lang, max=repo.MAX_CLUSTER_NAME))
        return
    assert message.from_user is not None
    await state.update_data(cluster=name)
    await state.set_state(RemindFlow.batch_year)
    await message.answer(
        t("reminders.remind.step2", lang, name=name),
        reply_markup=views.years_keyboard(service.today(clock, settings), message.from_user.id,
                                          lang),
    )


@router.callback_query(StateFilter(RemindFlow.batch_year), RemindCb.filter(F.action == "year"))
async def on_year(
    query: CallbackQuery, callback_data: RemindCb, state: FSMContext, bot: Bot, clock: Clock,
    settings: Settings, lang: str = "zh",
) -> None:
    batch_year: int | None = None
    if callback_data.value != "none":
        try:
            batch_year = int(callback_data.value)
            validate_batch_year(batch_year, service.today(clock, settings))
        except (ValueError, BatchYearError):
            await query.answer(t("reminders.remind.invalid_year_alert", lang), show_alert=True)
            return
    await query.answer()
    text, markup = await _year_chosen(state, batch_year, query.from_user.id, lang)
    await _show(query, bot, text, markup)


async def _year_chosen(state: FSMContext, batch_year: int | None, owner: int,
                       lang: str) -> tuple[str, InlineKeyboardMarkup]:
    """Step 2 done (by button or typed year): go on to step 3, which deadlines."""
    kinds = list(service.available_kinds(batch_year))
    await state.update_data(batch=batch_year, kinds=kinds, leads=list(repo.DEFAULT_LEADS))
    await state.set_state(RemindFlow.kinds)
    return (t("reminders.remind.step3", lang, batch=views.batch_label(batch_year, lang)),
            views.kinds_keyboard(kinds, kinds, owner, lang))


@router.message(StateFilter(RemindFlow.batch_year), *TYPED)
async def on_year_typed(
    message: Message, state: FSMContext, clock: Clock, settings: Settings, lang: str = "zh"
) -> None:
    """People type the year as often as they press its button: accept it, never treat it as a
    question (which would lose the answer and stall the flow)."""
    today = service.today(clock, settings)
    batch_year = read_batch_year(message.text or "")
    if batch_year is None:
        await message.answer(t("reminders.remind.year_hint", lang, first=FIRST_BATCH_YEAR,
                               latest=today.year))
        return
    try:
        validate_batch_year(batch_year, today)
    except BatchYearError:
        await message.answer(views.invalid_year(batch_year, today, lang) + "\n"
                             + t("reminders.remind.press_button", lang))
        return
    assert message.from_user is not None
    text, markup = await _year_chosen(state, batch_year, message.from_user.id, lang)
    await message.answer(text, reply_markup=markup)


@router.message(StateFilter(RemindFlow.kinds, RemindFlow.leads, RemindFlow.confirm), *TYPED)
async def on_text_in_button_step(message: Message, lang: str = "zh") -> None:
    # These steps are answered with buttons; typed text must not fall through to the Q&A.
    await message.answer(t("reminders.remind.use_buttons", lang))


@router.message(StateFilter(RemindFlow), ~F.text)
async def on_not_text(message: Message, lang: str = "zh") -> None:
    # A photo, sticker or voice note mid-set-up: say what is expected, keep the answers so far.
    await message.answer(t("reminders.remind.text_only", lang))


@router.callback_query(StateFilter(RemindFlow.kinds), RemindCb.filter(F.action == "kind"))
async def on_kind_toggle(
    query: CallbackQuery, callback_data: RemindCb, state: FSMContext, lang: str = "zh"
) -> None:
    data = await state.get_data()
    available = service.available_kinds(data.get("batch"))
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
            reply_markup=views.kinds_keyboard(available, chosen, query.from_user.id, lang)
        )


@router.callback_query(StateFilter(RemindFlow.kinds), RemindCb.filter(F.action == "next"))
async def on_kinds_done(
    query: CallbackQuery, state: FSMContext, bot: Bot, settings: Settings, lang: str = "zh"
) -> None:
    data = await state.get_data()
    if not data.get("kinds"):
        await query.answer(t("reminders.remind.choose_kind", lang), show_alert=True)
        return
    await state.set_state(RemindFlow.leads)
    await query.answer()
    await _show(query, bot,
                t("reminders.remind.step4", lang, send_time=views.send_time(settings, lang)),
                views.leads_keyboard(data.get("leads", []), query.from_user.id, lang))


@router.callback_query(StateFilter(RemindFlow.leads), RemindCb.filter(F.action == "lead"))
async def on_lead_toggle(
    query: CallbackQuery, callback_data: RemindCb, state: FSMContext, lang: str = "zh"
) -> None:
    days = int(callback_data.value) if callback_data.value.isdigit() else -1
    if days not in views.LEAD_CHOICES:
        await query.answer()
        return
    data = await state.get_data()
    chosen = [d for d in data.get("leads", []) if d in views.LEAD_CHOICES]
    if days in chosen:
        chosen.remove(days)
    else:
        chosen.append(days)
    await state.update_data(leads=chosen)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(
            reply_markup=views.leads_keyboard(chosen, query.from_user.id, lang)
        )


@router.callback_query(StateFilter(RemindFlow.leads), RemindCb.filter(F.action == "go"))
async def on_leads_done(
    query: CallbackQuery, state: FSMContext, bot: Bot, db: Database, clock: Clock,
    settings: Settings, lang: str = "zh",
) -> None:
    data = await state.get_data()
    leads = sorted(set(data.get("leads", [])), reverse=True)
    if not leads:
        await query.answer(t("reminders.remind.choose_lead", lang), show_alert=True)
        return
    await state.set_state(RemindFlow.confirm)
    await query.answer()
    today = service.today(clock, settings)
    batch_year, kinds = data.get("batch"), data.get("kinds", [])
    deadlines = service.upcoming(batch_year, kinds, today, service.custom_deadlines(db, today))
    text = views.confirm_text(cluster=data.get("cluster", ""), batch_year=batch_year,
                              kinds=kinds, leads=leads, deadlines=deadlines, today=today,
                              settings=settings, lang=lang)
    await _show(query, bot, text, views.confirm_keyboard(query.from_user.id, lang))


@router.callback_query(StateFilter(RemindFlow.confirm), RemindCb.filter(F.action == "ok"))
async def on_confirm(
    query: CallbackQuery, state: FSMContext, bot: Bot, db: Database, clock: Clock,
    settings: Settings, lang: str = "zh",
) -> None:
    data = await state.get_data()
    saved = service.save_subscription(
        db, clock,
        user_id=query.from_user.id,
        chat_id=callback_chat_id(query),
        cluster_name=data.get("cluster", ""),
        batch_year=data.get("batch"),
        kinds=data.get("kinds", []),
        leads=data.get("leads", list(repo.DEFAULT_LEADS)),
        lang=lang,
        rename=True,
    )
    await state.clear()  # only once it is saved: a failed save keeps the answers for a retry
    await query.answer(t("reminders.remind.subscribed_alert", lang))
    today = service.today(clock, settings)
    sub = saved.subscription
    deadlines = service.upcoming(sub.batch_year, sub.kind_list, today,
                                 service.custom_deadlines(db, today))
    await _show(query, bot, views.subscribed(saved.outcome, sub, deadlines, today, lang))


@router.message(Command("cancel"), StateFilter(RemindFlow))
async def on_cancel_command(message: Message, state: FSMContext, lang: str = "zh") -> None:
    """Leave the set-up (the account slice's /cancel, when present, runs first and clears any
    flow; this keeps /cancel working for this flow either way)."""
    await state.clear()
    await message.answer(t("reminders.remind.cancelled", lang))


@router.callback_query(RemindCb.filter(F.action == "quit"))
async def on_quit(query: CallbackQuery, state: FSMContext, bot: Bot, lang: str = "zh") -> None:
    await state.clear()
    await query.answer()
    await _show(query, bot, t("reminders.remind.cancelled", lang))


@router.callback_query(RemindCb.filter())
async def on_stale_flow_button(query: CallbackQuery, lang: str = "zh") -> None:
    """A button of a set-up that is over (finished, cancelled, or lost in a restart)."""
    await query.answer(t("reminders.remind.over", lang), show_alert=True)
