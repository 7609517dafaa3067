"""The slice's one router: the owner guard first, then /subscribe, /remind and /reminders."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import CallbackQuery

from handlers.reminders import flow, listing, subscribe
from handlers.reminders.callbacks import RemindCb, SubCb, pressed_by_someone_else
from infra.callbacks import refuse_unless_owner

router = Router(name="reminders")


@router.callback_query(RemindCb.filter(), pressed_by_someone_else)
@router.callback_query(SubCb.filter(), pressed_by_someone_else)
async def on_someone_elses_button(
    query: CallbackQuery, callback_data: RemindCb | SubCb, lang: str = "zh"
) -> None:
    """In a group every member sees every button; only the user it was shown to may press it."""
    await refuse_unless_owner(query, callback_data.owner, lang)


for _feature in (subscribe.router, flow.router, listing.router):
    router.include_router(_feature)
