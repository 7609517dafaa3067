"""A recording Bot API session for the reminder, scheduler and sender unit tests.

It answers through aiogram's own `check_response`, so a scripted 429 / 5xx / 403 reaches the
code under test as the very exception aiogram raises for a real server. Timestamps are the
event loop's monotonic time, which is what the rate limiters use.
(The e2e tests use the HTTP stand-in in tests/support instead.)
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, field
from typing import Any

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.methods import SendDocument, SendMessage, TelegramMethod
from aiogram.methods.base import TelegramType

# A scripted answer: (HTTP status, error description, retry_after) or None for success.
Fault = tuple[int, str, int | None] | None
Script = Callable[[int, int], Fault]  # (chat id, how many calls this chat had before) -> fault


def too_many(retry_after: int = 1) -> Fault:
    return (429, f"Too Many Requests: retry after {retry_after}", retry_after)


def server_error() -> Fault:
    return (502, "Bad Gateway", None)


def blocked() -> Fault:
    return (403, "Forbidden: bot was blocked by the user", None)


@dataclass
class Call:
    at: float
    method: str
    chat_id: int
    text: str | None
    ok: bool


@dataclass
class FakeTelegram(BaseSession):
    script: Script | None = None
    latency: float = 0.0
    calls: list[Call] = field(default_factory=list)

    def __post_init__(self) -> None:
        BaseSession.__init__(self)
        self._per_chat: dict[int, int] = {}
        self._message_id = 0
        self.concurrent = 0
        self.max_concurrent = 0

    @property
    def delivered(self) -> list[Call]:
        return [c for c in self.calls if c.ok]

    async def close(self) -> None:
        return None

    async def stream_content(
        self, url: str, headers: dict[str, Any] | None = None,
        timeout: int = 30,  # noqa: ASYNC109 (aiogram's signature)
        chunk_size: int = 65536, raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:  # pragma: no cover - never used
        raise NotImplementedError
        yield b""

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 (aiogram's signature)
    ) -> TelegramType:
        self.concurrent += 1
        self.max_concurrent = max(self.max_concurrent, self.concurrent)
        try:
            if self.latency:
                await asyncio.sleep(self.latency)
        finally:
            self.concurrent -= 1
        chat_id = int(getattr(method, "chat_id", 0) or 0)
        seen = self._per_chat.get(chat_id, 0)
        self._per_chat[chat_id] = seen + 1
        fault = self.script(chat_id, seen) if self.script else None
        text = method.text if isinstance(method, SendMessage) else None
        now = asyncio.get_running_loop().time()
        self.calls.append(Call(now, type(method).__name__, chat_id, text, fault is None))
        if fault is None:
            self._message_id += 1
            result: dict[str, Any] = {
                "message_id": self._message_id,
                "date": 0,
                "chat": {"id": chat_id, "type": "private"},
            }
            if isinstance(method, SendMessage):
                result["text"] = method.text
            if isinstance(method, SendDocument):
                result["document"] = {"file_id": "f", "file_unique_id": "u"}
            payload: dict[str, Any] = {"ok": True, "result": result}
            status = 200
        else:
            status, description, retry_after = fault
            payload = {"ok": False, "error_code": status, "description": description}
            if retry_after is not None:
                payload["parameters"] = {"retry_after": retry_after}
        response = self.check_response(bot, method, status, json.dumps(payload))
        return response.result  # type: ignore[return-value]


def make_bot(session: FakeTelegram) -> Bot:
    return Bot(token="42:TEST", session=session)
