"""The channel seam: what every chat platform provides, and the registry of platforms.

A channel is built from `(settings, db, identities)` and is
- an outbound `Bot` whose session speaks the platform's API (`bot`), so the unchanged aiogram
  handlers (send/edit text with buttons, photo, document, answer callback) work on it;
- an inbound adapter that turns platform events into `Update`s fed to the shared dispatcher
  (`start(dp)` … `stop()`; the Telegram channel polls instead, see `blocking`);
- the platform's send limits (`sender()`), used for bulk traffic (reminders).
Users are (channel, external id) pairs mapped to the handlers' integer ids by `Identities`.

Adding a platform is one entry in `REGISTRY`: `"name": "module.path:ChannelClass"`; the class
implements `check(settings)` (raise `ChannelConfigError` naming any missing variable), `bot`,
`start(dp)`, `stop()` and, when its limits differ from Telegram's, `sender()`.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, ClassVar

from aiogram import Bot, Dispatcher

from bot.channels.config import ChannelConfigError
from infra.sender import Sender

if TYPE_CHECKING:
    from bot.channels.identity import Identities
    from infra.db import Database
    from infra.dedup import Deduplicator
    from infra.settings import Settings

# name -> "module:Class". Imported only when the channel is asked for.
REGISTRY: dict[str, str] = {
    "console": "bot.channels.console_channel:ConsoleChannel",
    "telegram": "bot.channels.telegram_channel:TelegramChannel",
    "wecom": "bot.channels.wecom.channel:WeComChannel",
    "feishu": "bot.channels.feishu.channel:FeishuChannel",
    "dingtalk": "bot.channels.dingtalk.channel:DingTalkChannel",
}

__all__ = ["REGISTRY", "Channel", "ChannelConfigError", "channel_class", "register"]


class Channel(ABC):
    """One chat platform inside the bot process."""

    name: ClassVar[str]
    # True for a channel whose receiving loop owns the process (Telegram's long polling emits
    # the dispatcher's start-up and shutdown and handles signals itself).
    blocking: ClassVar[bool] = False

    def __init__(self, settings: Settings, db: Database, identities: Identities,
                 *, dedup: Deduplicator | None = None) -> None:
        self.check(settings)
        self.settings = settings
        self.db = db
        self.identities = identities
        # The process's shared de-duplication (Redis or database) when the composition root
        # has one; a channel falls back to its own otherwise.
        self.dedup = dedup

    @classmethod
    @abstractmethod
    def check(cls, settings: Settings) -> None:
        """Raise ChannelConfigError naming every missing or invalid setting."""

    @classmethod
    def configured(cls, settings: Settings) -> bool:
        """Whether the settings are complete (`reminders run-once` uses every such channel)."""
        try:
            cls.check(settings)
        except ChannelConfigError:
            return False
        return True

    @property
    @abstractmethod
    def bot(self) -> Bot:
        """The Bot whose session speaks this platform's API."""

    @abstractmethod
    async def start(self, dp: Dispatcher) -> None:
        """Begin receiving (start servers or connections) without blocking."""

    @abstractmethod
    async def stop(self) -> None:
        """Stop receiving, wait for work in flight, close connections."""

    def sender(self) -> Sender:
        """A Sender with this platform's limits (default: the Telegram settings)."""
        return Sender.from_settings(self.settings)

    async def run_blocking(self, dp: Dispatcher, outbound: Bot) -> None:
        """Only for `blocking` channels: receive until stopped (emits start-up/shutdown)."""
        raise NotImplementedError


def register(name: str, target: str) -> None:
    """Add a channel: `register("feishu", "bot.channels.feishu.channel:FeishuChannel")`."""
    REGISTRY[name] = target


def channel_class(name: str) -> type[Channel]:
    try:
        target = REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(REGISTRY))
        raise ChannelConfigError(f"unknown channel {name!r} (known: {known})") from None
    module_name, _, class_name = target.partition(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    if not (isinstance(cls, type) and issubclass(cls, Channel)):
        raise TypeError(f"{target} is not a Channel")
    return cls
