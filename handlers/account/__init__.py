"""The account slice: /start, /help, /lang and /forget — the user's relation to the bot."""

from __future__ import annotations

from pathlib import Path

from aiogram import Router

from handlers.account import forget, lang, start
from infra.i18n import register_texts

router = Router(name="account")
for _module in (start, lang, forget):
    router.include_router(_module.router)

register_texts(Path(__file__).with_name("texts.yaml"))

__all__ = ["router"]
