"""The reminders feature's router."""

from aiogram import Router

router = Router(name="reminders")
