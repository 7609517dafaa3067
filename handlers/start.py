"""The start feature's router."""

from aiogram import Router

router = Router(name="start")
