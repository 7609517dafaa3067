"""The ask feature's router."""

from aiogram import Router

router = Router(name="ask")
