"""The admin feature's router."""

from aiogram import Router

router = Router(name="admin")
