"""The update middleware that gives every update its request id (see infra/logs.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update

from infra.logs import new_request_id, request_id_var

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class RequestIdMiddleware(BaseMiddleware):
    """Sets the request id for the update (and `data["request_id"]` for handlers)."""

    def __init__(self, on_update: Callable[[str], None] | None = None) -> None:
        self.on_update = on_update

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        update_id = event.update_id if isinstance(event, Update) else None
        request_id = new_request_id(update_id)
        token = request_id_var.set(request_id)
        data["request_id"] = request_id
        if self.on_update is not None and isinstance(event, Update):
            self.on_update(event.event_type)
        try:
            return await handler(event, data)
        finally:
            request_id_var.reset(token)
