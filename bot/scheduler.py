"""The reminder scheduler (placeholder interface; the reminders issue fills it in)."""

from __future__ import annotations

from aiogram import Bot

from bot.clock import Clock
from bot.db import Database
from bot.settings import Settings


class ReminderScheduler:
    """Sends due reminders exactly once. start()/stop() are wired to the dispatcher's lifecycle."""

    def __init__(self, *, db: Database, clock: Clock, settings: Settings) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings

    async def start(self, bot: Bot) -> None:
        """Begin the background loop (placeholder: nothing scheduled yet)."""

    async def stop(self) -> None:
        """Stop the loop and wait for in-flight sends."""
