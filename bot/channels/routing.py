"""Outbound traffic routed by the user's channel: the reminder scheduler (and anything else
that talks to users outside an update) uses one Bot whose session picks the channel from the
chat id, and one sender whose rate limits are those of that channel.

    bot = Bot(token, session=RoutingSession({"telegram": tg_bot, "wecom": wecom_bot}, identities))
    await bot.send_message(chat_id=user_id, text=…)   # Telegram, WeCom, … by identity

Chat ids below 2**53 are Telegram's (or the console's); above, `Identities` knows the channel.
Calls without a chat (getMe, setMyCommands) go to every channel; the first answer is returned.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping
from typing import Any

from aiogram import Bot
from aiogram.client.session.base import BaseSession
from aiogram.exceptions import TelegramForbiddenError, TelegramNetworkError
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import Message

from bot.channels.identity import Identities, IdentityError
from infra.sender import Gate, Sender, SendResult

logger = logging.getLogger(__name__)


class RoutingSession(BaseSession):
    """A Bot API session that forwards each call to the session of the chat's channel."""

    def __init__(self, bots: Mapping[str, Bot], identities: Identities) -> None:
        super().__init__()
        if not bots:
            raise ValueError("no channel to route to")
        # Each call is made with the channel's own Bot: its token is part of Telegram's URL.
        self.bots = dict(bots)
        self.identities = identities

    def bot_for(self, chat_id: int) -> Bot:
        channel = self.identities.channel_of(int(chat_id))
        if channel == "telegram" and channel not in self.bots:
            channel = "console"  # small ids are the console's when Telegram is not running
        bot = self.bots.get(channel)
        if bot is None:
            raise LookupError(f"chat {chat_id} is on {channel}, which is not running here")
        return bot

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109  (aiogram's BaseSession signature)
    ) -> TelegramType:
        chat_id = getattr(method, "chat_id", None)
        if isinstance(chat_id, int):
            try:
                target = self.bot_for(chat_id)
            except IdentityError as exc:
                # Nobody behind this id any more (/forget): like a user who blocked the bot.
                raise TelegramForbiddenError(method=method, message=str(exc)) from exc
            except LookupError as exc:
                # The user's channel is not running in this process: retry later, never
                # deactivate the subscription for it.
                raise TelegramNetworkError(method=method, message=str(exc)) from exc
            return await target.session(target, method, timeout=timeout)
        results = [await target.session(target, method, timeout=timeout)
                   for target in self.bots.values()]
        return results[0]

    async def close(self) -> None:
        for target in self.bots.values():
            await target.session.close()

    async def stream_content(
        self, url: str, headers: dict[str, Any] | None = None,
        timeout: int = 30,  # noqa: ASYNC109  (aiogram's BaseSession signature)
        chunk_size: int = 65536, raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        session = next(iter(self.bots.values())).session
        async for chunk in session.stream_content(url, headers, timeout, chunk_size,
                                                  raise_for_status):
            yield chunk


class ChannelSender(Sender):
    """A `Sender` whose limits are per channel: each channel's traffic goes through its own
    rate limiter (Telegram's 25/s and 1/s per chat, WeCom's per-application limits, …)."""

    def __init__(self, senders: Mapping[str, Sender], identities: Identities,
                 *, default: str) -> None:
        super().__init__()
        self.senders = dict(senders)
        self.identities = identities
        self.default = default

    def sender_for(self, chat_id: int) -> Sender:
        try:
            channel = self.identities.channel_of(int(chat_id))
        except IdentityError:
            channel = self.default
        return self.senders.get(channel) or self.senders[self.default]

    async def deliver(
        self, chat_id: int, call: Callable[[], Awaitable[Message]], *, gate: Gate | None = None
    ) -> SendResult:
        return await self.sender_for(chat_id).deliver(chat_id, call, gate=gate)

    @property
    def combined_stats(self) -> dict[str, dict[str, int]]:
        return {name: dict(sender.stats) for name, sender in self.senders.items()}
