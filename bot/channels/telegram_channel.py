"""Telegram on the seam: the Bot API is already what the handlers speak, so the outbound bot
is the real one (with the retry middleware) and the inbound side is aiogram's long polling."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, ClassVar

from aiogram import Bot, Dispatcher

from bot.channels.base import Channel
from bot.channels.config import ChannelConfigError
from bot.repos.users import mark_inactive
from bot.telegram import make_bot

if TYPE_CHECKING:
    from bot.channels.identity import Identities
    from bot.db import Database
    from bot.settings import Settings

logger = logging.getLogger(__name__)

POLLING_TIMEOUT = 30  # seconds Telegram holds a getUpdates open when there is nothing new


class TelegramChannel(Channel):
    name: ClassVar[str] = "telegram"
    blocking: ClassVar[bool] = True

    def __init__(self, settings: Settings, db: Database, identities: Identities) -> None:
        super().__init__(settings, db, identities)

        def on_forbidden(chat_id: int) -> None:
            if chat_id > 0:  # private chats have the user's id; groups are negative
                with db.session() as session:
                    mark_inactive(session, user_id=chat_id)
                logger.info("user %s blocked the bot; marked inactive", chat_id)

        self._bot = make_bot(settings, on_forbidden=on_forbidden)

    @classmethod
    def check(cls, settings: Settings) -> None:
        token = settings.telegram_bot_token
        if token is None or not token.get_secret_value():
            raise ChannelConfigError(
                "the Telegram channel needs TELEGRAM_BOT_TOKEN (from @BotFather)"
            )

    @property
    def bot(self) -> Bot:
        return self._bot

    async def start(self, dp: Dispatcher) -> None:
        raise NotImplementedError("Telegram polls: use run_blocking")

    async def stop(self) -> None:
        await self._bot.session.close()

    async def run_blocking(self, dp: Dispatcher, outbound: Bot) -> None:
        # A webhook left over from webhook mode would make getUpdates fail with 409 Conflict.
        await self._bot.delete_webhook(drop_pending_updates=False)
        await dp.start_polling(self._bot, polling_timeout=POLLING_TIMEOUT,
                               close_bot_session=False)
