"""What /admin shows: the counts panel, its buttons, the answer to an added deadline."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.reminders.admin.callbacks import AdminCb
from handlers.reminders.models import CustomDeadline
from handlers.reminders.repo import ReminderStats
from handlers.reminders.repo.stats import NOT_RECOGNISED_LABEL
from infra.i18n import t


def panel(stats: ReminderStats, upcoming: Sequence[CustomDeadline], lang: str) -> str:
    not_recognised = t("admin.panel.not_recognised", lang)
    years = "\n".join(
        f"  • {not_recognised if label == NOT_RECOGNISED_LABEL else label}：{count}"
        for label, count in stats.by_batch_year.items()
    ) or t("admin.panel.none_lines", lang)
    deliveries = t("admin.panel.sep", lang).join(
        f"{status} {count}" for status, count in sorted(stats.deliveries.items())
    ) or t("admin.panel.none", lang)
    custom = "\n".join(f"  • {d.due.isoformat()} {d.title}" for d in upcoming) \
        or t("admin.panel.none_lines", lang)
    # Values are plain text (titles as the operator typed them): t() escapes them.
    return t("admin.panel", lang, active=stats.active_subscriptions,
             inactive=stats.inactive_subscriptions, years=years, deliveries=deliveries,
             custom=custom)


def menu(owner: int, lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=t("admin.button.add", lang),
                             callback_data=AdminCb(action="add", owner=owner).pack()),
        InlineKeyboardButton(text=t("admin.button.refresh", lang),
                             callback_data=AdminCb(action="stats", owner=owner).pack()),
    ]])


def added(row: CustomDeadline, lang: str) -> str:
    return t("admin.add.done", lang, id=row.id, due=row.due.isoformat(), title=row.title)


def parse_due(text: str, today: date, lang: str) -> tuple[date | None, str | None]:
    """The due date typed by an operator, or why it cannot be used."""
    try:
        due = date.fromisoformat(text.strip())
    except ValueError:
        return None, t("admin.add.bad_date", lang)
    if due < today:
        return None, t("admin.add.past_date", lang, due=due.isoformat())
    return due, None
