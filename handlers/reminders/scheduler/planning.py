"""Planning: which (subscription, deadline, lead time) are due now. Pure: no I/O.

For every active subscription, the deadlines (knowledge.deadlines) and, per deadline, the lead
times whose send moment (due − lead days, at `reminder_hour` in the configured zone) has come —
but not before the subscription existed, so nobody is spammed about moments that passed before
they subscribed. Catch-up after downtime collapses to one message per deadline: only the
smallest due lead is recorded; larger ones still pending are retired as 'superseded'. Deadlines
already passed are never reminded.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, tzinfo

from handlers.reminders.models import PENDING, ReminderSubscription
from handlers.reminders.repo.ledger import DueReminder
from infra.clock import local_date
from knowledge.deadlines import BatchYearError, CustomDeadlineSpec, Deadline, plan_for


def send_moment(due: date, lead_days: int, hour: int, tz: tzinfo) -> datetime:
    """When the reminder `lead_days` before `due` goes out: that day at `hour`, local time."""
    return datetime.combine(due - timedelta(days=lead_days), time(hour), tzinfo=tz)


def due_reminders(
    subs: Iterable[ReminderSubscription],
    *,
    now: datetime,
    zone: tzinfo,
    reminder_hour: int,
    custom: list[CustomDeadlineSpec],
    existing: dict[tuple[int, str], dict[int, str]],
) -> list[DueReminder]:
    """Pure planning step: which (subscription, deadline, lead) are due now (see module doc)."""
    tz = zone
    today = local_date(now, tz)
    plans: dict[tuple[int | None, tuple[str, ...]], tuple[Deadline, ...]] = {}
    out: list[DueReminder] = []
    for sub in subs:
        cache_key = (sub.batch_year, tuple(sub.kind_list))
        if cache_key not in plans:
            try:
                plans[cache_key] = plan_for(sub.batch_year, today, custom, sub.kind_list)
            except BatchYearError:  # only if the clock went back before the batch year
                plans[cache_key] = ()
        created = sub.created_at or now
        leads = sub.lead_list
        for deadline in plans[cache_key]:
            due_leads = [
                lead
                for lead in leads
                if created
                <= send_moment(deadline.due, lead, reminder_hour, tz)
                <= now
            ]
            if not due_leads:
                continue
            target = min(due_leads)
            have = existing.get((int(sub.id or 0), deadline.key), {})
            larger = tuple(lead for lead in due_leads if lead > target)
            if target in have and not any(have.get(lead) == PENDING for lead in larger):
                continue
            out.append(
                DueReminder(
                    subscription_id=int(sub.id or 0),
                    chat_id=sub.chat_id,
                    deadline_key=deadline.key,
                    kind=deadline.kind,
                    title=deadline.title_for(sub.lang),
                    due=deadline.due,
                    lead_days=target,
                    superseded_leads=larger,
                )
            )
    return out
