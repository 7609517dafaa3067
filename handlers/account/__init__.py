"""The account slice: /start, /help, /lang and /forget — the user's relation to the bot."""

from __future__ import annotations

from aiogram import Router

from handlers.account import forget, lang, start

router = Router(name="account")
for _module in (start, lang, forget):
    router.include_router(_module.router)

__all__ = ["router"]
