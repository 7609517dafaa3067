"""Sending due reminders exactly once: planning (pure), the scheduler loop, group commits."""

from handlers.reminders.scheduler.planning import due_reminders, send_moment
from handlers.reminders.scheduler.runner import ReminderScheduler, RunReport

__all__ = ["ReminderScheduler", "RunReport", "due_reminders", "send_moment"]
