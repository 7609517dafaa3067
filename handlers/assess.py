"""The assess feature's router."""

from aiogram import Router

router = Router(name="assess")
