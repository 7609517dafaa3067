"""Assembly: build the services once, then a dispatcher (and bots) around them.

    services = build_services(settings)
    dp = build_dispatcher(services)
    bot = create_bot(services)
    await dp.start_polling(bot)

Handlers receive the services as workflow data (see docs/ARCHITECTURE.md): `settings`, `db`,
`clock`, `kb`, `answerer`, `forgetters` (bot.schema.FORGETTERS), `sender` (infra.sender.Sender).
The dispatcher's startup hook creates the tables, publishes the command menu (zh + en) and
starts the reminder scheduler; its shutdown hook waits for in-flight updates, then stops the
scheduler — aiogram closes the bot session after that.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiogram import Bot, Dispatcher
from aiogram.types import BotCommand, BotCommandScopeDefault

from bot import migrations
from bot.routers import build_root_router
from bot.scheduler import ReminderScheduler
from bot.schema import FORGETTERS
from infra.clock import Clock, make_clock
from infra.db import Database
from infra.middlewares import (
    ErrorMiddleware,
    ThrottlingMiddleware,
    UserLockMiddleware,
    UserMiddleware,
    in_flight_tracker,
    install_tracker,
)
from infra.sender import Sender
from infra.settings import Settings
from infra.telegram import make_bot
from infra.users import mark_inactive

if TYPE_CHECKING:
    from knowledge.kb import KnowledgeBase
    from retrieval.service import Answerer

logger = logging.getLogger(__name__)

# How long shutdown waits for updates still being handled (an answer takes a second or two).
SHUTDOWN_GRACE_SECONDS = 30.0

COMMANDS: dict[str, list[tuple[str, str]]] = {
    "zh": [
        ("start", "开始 / 功能介绍"),
        ("help", "使用说明"),
        ("assess", "对照认定标准自评估"),
        ("remind", "设置年报与复核提醒"),
        ("subscribe", "按批次年份订阅全部提醒"),
        ("reminders", "查看和取消提醒"),
        ("cancel", "退出当前流程"),
        ("lang", "切换语言 / Language"),
        ("forget", "删除我的数据"),
    ],
    "en": [
        ("start", "Start / what I can do"),
        ("help", "How to use"),
        ("assess", "Self-assessment against the criteria"),
        ("remind", "Annual report and review reminders"),
        ("subscribe", "All reminders for a batch year"),
        ("reminders", "List and cancel reminders"),
        ("cancel", "Leave the current flow"),
        ("lang", "Language / 切换语言"),
        ("forget", "Delete my data"),
    ],
}


@dataclass
class Services:
    """Everything built once per process and shared by every update."""

    settings: Settings
    db: Database
    clock: Clock
    kb: KnowledgeBase
    answerer: Answerer
    scheduler: ReminderScheduler
    sender: Sender | None = None

    def workflow_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "settings": self.settings,
            "db": self.db,
            "clock": self.clock,
            "kb": self.kb,
            "answerer": self.answerer,
            "forgetters": FORGETTERS,
        }
        if self.sender is not None:
            data["sender"] = self.sender
        return data


def build_services(
    settings: Settings,
    *,
    kb: KnowledgeBase | None = None,
    answerer: Answerer | None = None,
) -> Services:
    """Build the services. `kb`/`answerer` may be passed in to share them (tests, restarts):
    the answerer loads an embedding model and takes seconds to build."""
    db = Database(settings.resolved_database_url)
    # Alembic, not create_all: an existing database is upgraded in place (bot/migrations).
    migrations.prepare(db, auto_upgrade=settings.db_auto_upgrade)
    clock = make_clock(settings.smebot_now)
    if kb is None:
        from knowledge.kb import default_knowledge_base

        kb = default_knowledge_base()
    if answerer is None:
        from retrieval.service import build_answerer

        # warm_up: the model loads in the background so the first English question of a
        # long-running bot does not wait for torch; Chinese questions never need it.
        answerer = build_answerer(settings, warm_up=True)
    # One sender for the process: its rate limits only work if everybody shares it.
    sender = Sender.from_settings(settings)
    scheduler = ReminderScheduler(db=db, clock=clock, settings=settings, sender=sender)
    return Services(
        settings=settings,
        db=db,
        clock=clock,
        kb=kb,
        answerer=answerer,
        scheduler=scheduler,
        sender=sender,
    )


def create_bot(services: Services, *, token: str | None = None) -> Bot:
    """A Bot on the real (or TELEGRAM_API_BASE) server; a 403 marks the user inactive."""

    def on_forbidden(chat_id: int) -> None:
        if chat_id > 0:  # private chats have the user's id; groups are negative
            with services.db.session() as session:
                mark_inactive(session, user_id=chat_id)
            logger.info("user %s blocked the bot; marked inactive", chat_id)

    return make_bot(services.settings, token=token, on_forbidden=on_forbidden)


async def set_commands(bot: Bot) -> None:
    """Publish the command menu: Chinese by default, English for English-speaking clients."""
    for lang, commands in COMMANDS.items():
        await bot.set_my_commands(
            [BotCommand(command=name, description=text) for name, text in commands],
            scope=BotCommandScopeDefault(),
            language_code=None if lang == "zh" else lang,
        )


def build_dispatcher(
    services: Services, *, set_menu: bool = True, throttle_seconds: float | None = None
) -> Dispatcher:
    """A dispatcher with the services as workflow data, the middlewares and all routers.

    `throttle_seconds` overrides the setting (the console chat, one trusted user typing or
    piping lines, turns throttling off with 0)."""
    dp = Dispatcher(**services.workflow_data())
    install_tracker(dp)
    dp.update.outer_middleware(ErrorMiddleware())
    throttle = services.settings.throttle_seconds if throttle_seconds is None else throttle_seconds
    dp.update.outer_middleware(
        ThrottlingMiddleware(throttle, burst=services.settings.throttle_burst)
    )
    dp.update.outer_middleware(UserLockMiddleware())
    dp.update.outer_middleware(UserMiddleware(services.db, services.clock))
    dp.include_router(build_root_router())

    async def on_startup(bot: Bot) -> None:
        if set_menu:
            try:
                await set_commands(bot)
            except Exception:  # a missing menu must not keep the bot from answering
                logger.warning("could not set the command menu", exc_info=True)
        await services.scheduler.start(bot)

    async def on_shutdown() -> None:
        if not await in_flight_tracker(dp).wait_idle(SHUTDOWN_GRACE_SECONDS):
            logger.warning("shutdown: updates still running after %ss", SHUTDOWN_GRACE_SECONDS)
        await services.scheduler.stop()

    dp.startup.register(on_startup)
    dp.shutdown.register(on_shutdown)
    return dp
