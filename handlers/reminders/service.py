"""The slice's use of its repository and the deadline rules, shared by its handlers: each call
is one short database session, run off the event loop by the caller when it matters."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from handlers.reminders import repo
from handlers.reminders.models import ReminderSubscription
from infra.clock import Clock, today_in
from infra.db import Database
from infra.settings import Settings
from knowledge.deadlines import (
    KINDS_CANDIDATE,
    KINDS_RECOGNISED,
    BatchYearError,
    CustomDeadlineSpec,
    Deadline,
    plan_for,
)


def today(clock: Clock, settings: Settings) -> date:
    """Today in the configured zone (deadlines are dates there)."""
    return today_in(clock, settings.tz)


def available_kinds(batch_year: int | None) -> tuple[str, ...]:
    return KINDS_CANDIDATE if batch_year is None else KINDS_RECOGNISED


def custom_deadlines(db: Database, since: date) -> list[CustomDeadlineSpec]:
    with db.session() as session:
        return repo.custom_specs(session, since=since)


def upcoming(batch_year: int | None, kinds: Sequence[str], on: date,
             custom: Sequence[CustomDeadlineSpec]) -> tuple[Deadline, ...]:
    """The deadlines one subscription will be reminded of, from `on`."""
    try:
        return plan_for(batch_year, on, custom, kinds)
    except BatchYearError:  # a stored batch year the clock has not reached (clock turned back)
        return ()


def save_subscription(
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
    rename: bool,
) -> repo.Subscribed:
    """One subscription per user, chat and batch: a second one merges into the first."""
    with db.session() as session:
        return repo.subscribe(
            session, user_id=user_id, chat_id=chat_id, cluster_name=cluster_name,
            batch_year=batch_year, kinds=kinds, lead_days=leads, lang=lang, now=clock(),
            rename=rename,
        )


def subscriptions_of(db: Database, user_id: int, *, chat_id: int, private: bool
                     ) -> list[ReminderSubscription]:
    """What /reminders shows: in a private chat every subscription of the user; in a group
    only this group's (the others are nobody else's business)."""
    with db.session() as session:
        return repo.list_subscriptions(session, user_id=user_id,
                                       chat_id=None if private else chat_id)
