"""Deadlines as an iCalendar (.ics) file, for people who live in their calendar app.

Each deadline is an all-day event on its due date with one alarm per lead time, at the local
reminder hour of that day (an all-day event's alarm is relative to its local midnight). UIDs are
stable (subscription + deadline key), so importing an updated file updates events instead of
duplicating them. An .ics file is plain text, not HTML: catalogue texts are used without
values (t() would HTML-escape them) and stored names go in as they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from icalendar import Alarm, Calendar, Event

from infra.i18n import t
from knowledge.deadlines import Deadline

PRODID = "-//smebot//集群通 deadline reminders//ZH"


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    subscription_id: int
    cluster_name: str
    deadline: Deadline
    lead_days: tuple[int, ...]


def build_ics(
    entries: Iterable[CalendarEntry],
    *,
    now: datetime,
    reminder_hour: int = 9,
    lang: str = "zh",
    timezone: str = "Asia/Shanghai",
) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", t("reminders.ics.calendar_name", lang))
    cal.add("x-wr-timezone", timezone)
    for entry in entries:
        deadline = entry.deadline
        event = Event()
        event.add("uid", f"{entry.subscription_id}-{deadline.key}@smebot")
        event.add("dtstamp", now)
        event.add("dtstart", deadline.due)
        event.add("dtend", deadline.due + timedelta(days=1))
        title = deadline.title_for(lang)
        event.add("summary", f"{title} · {entry.cluster_name}")
        source = t("reminders.ics.source", lang) + deadline.ref if deadline.ref else ""
        event.add("description", "\n".join(x for x in (title, source) if x))
        event.add("categories", [deadline.kind])
        event.add("transp", "TRANSPARENT")
        for lead in entry.lead_days:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", title)
            # `lead` days before the due date, at the reminder hour.
            alarm.add("trigger", timedelta(days=-lead, hours=reminder_hour))
            event.add_component(alarm)
        cal.add_component(event)
    return bytes(cal.to_ical())


def ics_filename(today: date) -> str:
    return f"smebot-deadlines-{today.isoformat()}.ics"
