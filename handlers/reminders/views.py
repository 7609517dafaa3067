"""What the reminders slice shows: message texts and keyboards. Pure functions of their
arguments (no database, no aiogram calls), every text from the i18n catalogue."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.reminders.callbacks import RemindCb, SubCb
from handlers.reminders.models import ReminderSubscription
from infra.i18n import normalise_lang, t
from infra.settings import Settings
from knowledge.deadlines import FIRST_BATCH_YEAR, KIND_NAMES, Deadline

LEAD_CHOICES: tuple[int, ...] = (90, 30, 14, 7, 3, 1, 0)
PREVIEW = 3  # deadlines previewed before confirming a subscription
SHANGHAI_ZONES = frozenset({"Asia/Shanghai", "Asia/Chongqing", "Asia/Harbin", "PRC"})


def kind_name(kind: str, lang: str) -> str:
    # The names are knowledge data (bilingual, next to the rules), not catalogue texts.
    return KIND_NAMES.get(kind, {}).get(normalise_lang(lang), kind)


def kind_names(kinds: Sequence[str], lang: str) -> str:
    return t("reminders.list_sep", lang).join(kind_name(k, lang) for k in kinds)


def batch_label(batch_year: int | None, lang: str) -> str:
    if batch_year is None:
        return t("reminders.batch.none", lang)
    return t("reminders.batch.year", lang, year=batch_year)


def send_time(settings: Settings, lang: str) -> str:
    """When reminders go out, from the settings: "北京时间 9:00", "Europe/Berlin 时间 15:00"."""
    if settings.timezone in SHANGHAI_ZONES:
        zone = t("reminders.zone.shanghai", lang)
    else:
        zone = t("reminders.zone.other", lang, zone=settings.timezone)
    return t("reminders.send_time", lang, zone=zone, hour=settings.reminder_hour)


def usage(lang: str, today: date) -> str:
    return t("reminders.year.usage", lang, first=FIRST_BATCH_YEAR, latest=today.year)


def invalid_year(year: int, today: date, lang: str) -> str:
    """Why `year` cannot be a batch year (knowledge.deadlines.validate_batch_year refused it)."""
    if year < FIRST_BATCH_YEAR:
        reason = t("reminders.year.too_early", lang, first=FIRST_BATCH_YEAR)
    else:
        reason = t("reminders.year.future", lang, today=today.isoformat())
    return t("reminders.year.invalid", lang, year=year, reason=reason, first=FIRST_BATCH_YEAR,
             latest=today.year)


def deadline_lines(deadlines: Sequence[Deadline], today: date, lang: str) -> list[str]:
    lines = []
    for deadline in deadlines:
        days = (deadline.due - today).days
        left = t("reminders.days_left", lang, days=days) if days else t("reminders.today", lang)
        lines.append(t("reminders.deadline_line", lang, due=deadline.due.isoformat(), left=left,
                       title=deadline.title_for(lang)))
    return lines


def summary(sub: ReminderSubscription, deadlines: Sequence[Deadline], today: date,
            lang: str) -> str:
    head = t("reminders.summary", lang, id=sub.id, name=sub.cluster_name,
             batch=batch_label(sub.batch_year, lang), kinds=kind_names(sub.kind_list, lang),
             leads="/".join(str(d) for d in sub.lead_list))
    if not deadlines:
        return head + "\n" + t("reminders.summary.nothing_upcoming", lang)
    return head + "\n" + "\n".join(deadline_lines(deadlines, today, lang))


def subscribed(outcome: str, sub: ReminderSubscription, deadlines: Sequence[Deadline],
               today: date, lang: str) -> str:
    """The answer to a finished /subscribe or /remind: created, merged or unchanged."""
    intro = {
        "created": t("reminders.subscribed", lang),
        "merged": t("reminders.subscribed.merged", lang),
    }.get(outcome, t("reminders.subscribed.unchanged", lang))
    return (intro + "\n" + summary(sub, deadlines, today, lang) + "\n\n"
            + t("reminders.subscribe.footer", lang))


def render_reminder(*, cluster_name: str, title: str, due: date, today: date, lang: str) -> str:
    """The reminder message (HTML; every stored text escaped)."""
    days = (due - today).days
    if days == 0:
        left = t("reminders.message.today", lang)
    elif days == 1:
        left = t("reminders.message.tomorrow", lang)
    else:
        left = t("reminders.days_left", lang, days=days)
    return t("reminders.message", lang, cluster=cluster_name, title=title, due=due.isoformat(),
             left=left)


# --- /remind keyboards -----------------------------------------------------------------------


def quit_button(owner: int, lang: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=t("reminders.button.cancel", lang),
                                callback_data=RemindCb(action="quit", owner=owner).pack())


def years_keyboard(today: date, owner: int, lang: str) -> InlineKeyboardMarkup:
    years = list(range(FIRST_BATCH_YEAR, today.year + 1))
    rows = [
        [InlineKeyboardButton(text=str(y), callback_data=RemindCb(
            action="year", value=str(y), owner=owner).pack()) for y in years[i:i + 4]]
        for i in range(0, len(years), 4)
    ]
    rows.append([InlineKeyboardButton(
        text=t("reminders.remind.not_recognised", lang),
        callback_data=RemindCb(action="year", value="none", owner=owner).pack())])
    rows.append([quit_button(owner, lang)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def kinds_keyboard(available: Sequence[str], chosen: Sequence[str], owner: int,
                   lang: str) -> InlineKeyboardMarkup:
    rows = [
        [InlineKeyboardButton(
            text=("✅ " if kind in chosen else "⬜ ") + kind_name(kind, lang),
            callback_data=RemindCb(action="kind", value=kind, owner=owner).pack())]
        for kind in available
    ]
    rows.append([InlineKeyboardButton(text=t("reminders.button.next", lang),
                                      callback_data=RemindCb(action="next", owner=owner).pack()),
                 quit_button(owner, lang)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def leads_keyboard(chosen: Sequence[int], owner: int, lang: str) -> InlineKeyboardMarkup:
    def label(days: int) -> str:
        mark = "✅ " if days in chosen else "⬜ "
        if days == 0:
            return mark + t("reminders.button.lead_on_day", lang)
        return mark + t("reminders.button.lead_days", lang, days=days)

    buttons = [InlineKeyboardButton(text=label(d), callback_data=RemindCb(
        action="lead", value=str(d), owner=owner).pack()) for d in LEAD_CHOICES]
    rows = [buttons[i:i + 4] for i in range(0, len(buttons), 4)]
    rows.append([InlineKeyboardButton(text=t("reminders.button.next", lang),
                                      callback_data=RemindCb(action="go", owner=owner).pack()),
                 quit_button(owner, lang)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def confirm_text(*, cluster: str, batch_year: int | None, kinds: Sequence[str],
                 leads: Sequence[int], deadlines: Sequence[Deadline], today: date,
                 settings: Settings, lang: str) -> str:
    preview = "\n".join(deadline_lines(deadlines[:PREVIEW], today, lang)) or t(
        "reminders.remind.no_preview", lang)
    return t("reminders.remind.confirm", lang, cluster=cluster,
             batch=batch_label(batch_year, lang), kinds=kind_names(kinds, lang),
             leads="/".join(str(d) for d in leads), send_time=send_time(settings, lang)
             ) + "\n" + preview


def confirm_keyboard(owner: int, lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=t("reminders.button.subscribe", lang),
                             callback_data=RemindCb(action="ok", owner=owner).pack()),
        quit_button(owner, lang),
    ]])


# --- /reminders ------------------------------------------------------------------------------


def list_keyboard(subs: Sequence[ReminderSubscription], owner: int,
                  lang: str) -> InlineKeyboardMarkup:
    rows = [
        [InlineKeyboardButton(
            text=t("reminders.button.cancel_sub", lang, id=sub.id),
            callback_data=SubCb(action="cancel", sub_id=int(sub.id or 0), owner=owner).pack())]
        for sub in subs
    ]
    rows.append([InlineKeyboardButton(text=t("reminders.button.export", lang),
                                      callback_data=SubCb(action="ics", owner=owner).pack())])
    return InlineKeyboardMarkup(inline_keyboard=rows)
