"""The console on the seam: `smebot run --channel console` is `smebot chat` as a channel (the
terminal is the platform; `ConsoleSession` answers the Bot API by printing)."""

from __future__ import annotations

import sys
from types import SimpleNamespace
from typing import TYPE_CHECKING, ClassVar

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode

from bot.channels.base import Channel
from bot.channels.console import CONSOLE_TOKEN, ConsoleChat, ConsoleSession, _read_lines

if TYPE_CHECKING:
    from bot.channels.identity import Identities
    from infra.db import Database
    from infra.dedup import Deduplicator
    from infra.settings import Settings


class ConsoleChannel(Channel):
    name: ClassVar[str] = "console"
    blocking: ClassVar[bool] = True  # reads stdin until EOF

    def __init__(self, settings: Settings, db: Database, identities: Identities,
                 *, dedup: Deduplicator | None = None) -> None:
        super().__init__(settings, db, identities, dedup=dedup)
        self.session = ConsoleSession(sys.stdout, settings.data_dir / "console")
        self._bot = Bot(token=CONSOLE_TOKEN, session=self.session,
                        default=DefaultBotProperties(parse_mode=ParseMode.HTML))

    @classmethod
    def check(cls, settings: Settings) -> None:
        return None  # a terminal needs no settings

    @classmethod
    def configured(cls, settings: Settings) -> bool:
        return False  # nobody to remind outside an interactive session

    @property
    def bot(self) -> Bot:
        return self._bot

    async def start(self, dp: Dispatcher) -> None:
        raise NotImplementedError("the console reads stdin: use run_blocking")

    async def stop(self) -> None:
        await self._bot.session.close()

    async def run_blocking(self, dp: Dispatcher, outbound: Bot) -> None:
        chat = ConsoleChat(SimpleNamespace(settings=self.settings),  # type: ignore[arg-type]
                           out=sys.stdout, dispatcher=dp)
        chat.session, chat.bot = self.session, self._bot
        await chat.start()
        try:
            async for line in _read_lines(sys.stdin):
                await chat.handle_line(line)
        finally:
            await chat.stop()
