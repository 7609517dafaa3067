"""`smebot run --channel A --channel B`: several channels around one dispatcher in one process.

    identities -> channels -> outbound Bot (RoutingSession) + ChannelSender -> dispatcher

The dispatcher's start-up hook starts the reminder scheduler on the routing bot, so each
reminder goes out through its user's own channel with that channel's limits. A blocking
channel (Telegram's long polling) owns start-up, signals and shutdown; without one, this module
emits start-up, serves until SIGINT/SIGTERM, then shuts down gracefully: receiving stops first,
updates in flight finish, the scheduler stops, sessions close.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.enums import ParseMode

from bot.channels.base import Channel, channel_class
from bot.channels.identity import Identities
from bot.channels.routing import ChannelSender, RoutingSession

if TYPE_CHECKING:
    from bot.app import Services
    from infra.db import Database
    from infra.dedup import Deduplicator
    from infra.settings import Settings
    from infra.shared_state import SharedState

logger = logging.getLogger(__name__)

ROUTER_TOKEN = "4242:channel-router"  # aiogram checks the token's shape only


def check_channels(settings: Settings, names: Iterable[str]) -> list[str]:
    """The distinct channel names, each checked (ChannelConfigError names what is missing)."""
    unique = list(dict.fromkeys(names))
    for name in unique:
        channel_class(name).check(settings)
    return unique


def build_channels(
    settings: Settings, db: Database, names: Sequence[str], *, dedup: Deduplicator | None = None
) -> tuple[list[Channel], Identities]:
    identities = Identities(db.engine)
    channels = [channel_class(name)(settings, db, identities, dedup=dedup) for name in names]
    return channels, identities


def outbound_for(
    channels: Sequence[Channel], identities: Identities, *, shared: SharedState | None = None
) -> tuple[Bot, ChannelSender]:
    """The routing bot and the per-channel sender for traffic outside an update.

    With Redis (`shared`), each channel's limits are one window for every replica: a sender
    limiting only its own process let two replicas send reminders at twice the rate."""
    router = RoutingSession({c.name: c.bot for c in channels}, identities)
    bot = Bot(token=ROUTER_TOKEN, session=router,
              default=DefaultBotProperties(parse_mode=ParseMode.HTML))
    senders = {c.name: c.sender() for c in channels}
    if shared is not None:
        for name, channel_sender in senders.items():
            channel_sender.shared_limiter = shared.send_limiter(
                name, rate_per_second=channel_sender.rate_per_second,
                per_chat_per_second=1.0 / channel_sender.per_chat_interval,
            )
    sender = ChannelSender(senders, identities, default=channels[0].name)
    return bot, sender


def configured_channels(settings: Settings, names: Iterable[str]) -> list[str]:
    return [name for name in names if channel_class(name).configured(settings)]


async def run_channels(services: Services, names: Sequence[str]) -> None:
    from bot.app import build_dispatcher, build_ops_server

    # services.dedup: the shared (Redis/database) de-duplication of every channel's events.
    channels, identities = build_channels(services.settings, services.db, names,
                                          dedup=services.dedup if services.shared else None)
    outbound, sender = outbound_for(channels, identities, shared=services.shared)
    services.outbound_bot = outbound
    services.sender = sender
    services.scheduler.sender = sender
    # Webhook retries (and several workers behind one port) may deliver an update twice.
    dp = build_dispatcher(services, dedup_updates=bool(services.settings.webhook_url))
    ops = build_ops_server(services)  # /healthz and /metrics on METRICS_PORT (None when 0)
    if ops is not None:
        await ops.start()
    blocking = [c for c in channels if c.blocking]
    serving = [c for c in channels if not c.blocking]
    if len(blocking) > 1:
        raise ValueError("at most one blocking channel per process")
    started: list[Channel] = []
    try:
        for channel in serving:
            await channel.start(dp)
            started.append(channel)
        if blocking:
            await blocking[0].run_blocking(dp, outbound)
        else:
            await _serve_until_signal(dp, outbound)
    finally:
        for channel in reversed(started):
            with contextlib.suppress(Exception):
                await channel.stop()
        await outbound.session.close()
        if ops is not None:
            await ops.stop()
        await services.close()
        services.db.dispose()


async def _serve_until_signal(dp: object, outbound: Bot) -> None:
    from aiogram import Dispatcher

    assert isinstance(dp, Dispatcher)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)
    workflow = {k: v for k, v in dp.workflow_data.items() if k != "bot"}
    await dp.emit_startup(bot=outbound, dispatcher=dp, bots=[outbound], **workflow)
    logger.info("serving; SIGTERM or Ctrl-C stops")
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(sig)
        await dp.emit_shutdown(bot=outbound, dispatcher=dp, bots=[outbound], **workflow)
