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

import asyncio
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiogram import Bot, Dispatcher
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.types import BotCommand, BotCommandScopeDefault

from bot import migrations
from bot.routers import build_root_router
from bot.schema import FORGETTERS
from handlers.reminders.scheduler import ReminderScheduler
from infra.clock import Clock, make_clock
from infra.db import Database
from infra.dedup import Deduplicator, UpdateDedupMiddleware
from infra.fsm import DatabaseStorage
from infra.metrics import (
    HealthCheck,
    InstrumentedAnswerer,
    Metrics,
    MetricsServer,
    SendErrorCounter,
    build_metrics_app,
)
from infra.middlewares import (
    ErrorMiddleware,
    ThrottlingMiddleware,
    UserMiddleware,
    in_flight_tracker,
    install_tracker,
)
from infra.request_id import RequestIdMiddleware
from infra.sender import Sender
from infra.settings import Settings
from infra.shared_state import SharedState, build_shared_state
from infra.telegram import make_bot

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
    shared: SharedState | None = None
    metrics: Metrics = field(default_factory=Metrics)

    @property
    def dedup(self) -> Deduplicator:
        """De-duplication of inbound events (update_id, MsgId …), shared by the replicas."""
        assert self.shared is not None
        return self.shared.dedup

    async def close(self) -> None:
        """Release connections (Redis) after the bot stopped."""
        if self.shared is not None:
            await self.shared.close()
    # Set when several channels run in one process (bot.channels.runner): a Bot whose session
    # routes each call to the chat's own channel. The scheduler sends reminders through it.
    outbound_bot: Bot | None = None

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
        if self.shared is not None:
            data["dedup"] = self.shared.dedup
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
        answerer = build_answerer(settings.retrieval, warm_up=True)
    shared = build_shared_state(settings, db, storage=DatabaseStorage(db))
    metrics = Metrics()
    metrics.count_sessions_with(shared.count_fsm_sessions)
    # One sender for the process: its rate limits only work if everybody shares it (and with
    # Redis, every replica shares one window). The reminder scheduler sends through it too.
    sender = Sender.from_settings(settings, shared_limiter=shared.limiter)
    scheduler = ReminderScheduler(
        db=db, clock=clock, settings=settings, sender=sender,
        on_report=metrics.observe_reminder_run,
    )
    return Services(
        settings=settings,
        db=db,
        clock=clock,
        kb=kb,
        answerer=InstrumentedAnswerer(answerer, metrics),  # type: ignore[arg-type]
        scheduler=scheduler,
        sender=sender,
        shared=shared,
        metrics=metrics,
    )


def create_bot(services: Services, *, token: str | None = None) -> Bot:
    """A Bot on the real (or TELEGRAM_API_BASE) server; a 403 marks the user inactive."""
    bot = make_bot(services.settings, token=token, db=services.db)
    bot.session.middleware(SendErrorCounter(services.metrics))
    return bot


async def set_commands(bot: Bot) -> None:
    """Publish the command menu: Chinese by default, English for English-speaking clients."""
    for lang, commands in COMMANDS.items():
        await bot.set_my_commands(
            [BotCommand(command=name, description=text) for name, text in commands],
            scope=BotCommandScopeDefault(),
            language_code=None if lang == "zh" else lang,
        )


def build_dispatcher(
    services: Services,
    *,
    set_menu: bool = True,
    throttle_seconds: float | None = None,
    dedup_updates: bool = False,
) -> Dispatcher:
    """A dispatcher with the services as workflow data, the middlewares and all routers.

    `throttle_seconds` overrides the setting (the console chat, one trusted user typing or
    piping lines, turns throttling off with 0)."""
    # FSM state in Redis (REDIS_URL) or the database: a flow survives a restart and continues
    # on any replica. The isolation handles one user's updates in one chat one at a time, in
    # arrival order (a Redis lock across replicas), reading the state once the previous is done.
    shared = services.shared
    dp = Dispatcher(
        storage=shared.storage if shared is not None else DatabaseStorage(services.db),
        events_isolation=shared.isolation if shared is not None else SimpleEventIsolation(),
        **services.workflow_data(),
    )
    # Outermost of ours: every log line of the update carries its request id.
    dp.update.outer_middleware(
        RequestIdMiddleware(lambda kind: services.metrics.updates.labels(kind).inc())
    )
    if dedup_updates and shared is not None:
        # Webhook replicas: Telegram re-sends an update it got no 200 for, maybe to another one.
        dp.update.outer_middleware(UpdateDedupMiddleware(shared.dedup))
    install_tracker(dp)
    # aiogram registers its FSM middleware (which takes the per-user isolation lock) first;
    # move it inside the tracker, so an update waiting for that lock counts as in flight
    # (shutdown and the tests' settle() wait for it).
    dp.update.outer_middleware.unregister(dp.fsm)
    dp.update.outer_middleware(dp.fsm)
    dp.update.outer_middleware(ErrorMiddleware())
    throttle = services.settings.throttle_seconds if throttle_seconds is None else throttle_seconds
    dp.update.outer_middleware(
        ThrottlingMiddleware(throttle, burst=services.settings.throttle_burst)
    )
    dp.update.outer_middleware(UserMiddleware(services.db, services.clock))
    dp.include_router(build_root_router())

    async def on_startup(bot: Bot) -> None:
        if set_menu:
            try:
                await set_commands(bot)
            except Exception:  # a missing menu must not keep the bot from answering
                logger.warning("could not set the command menu", exc_info=True)
        await services.scheduler.start(services.outbound_bot or bot)

    async def on_shutdown() -> None:
        if not await in_flight_tracker(dp).wait_idle(SHUTDOWN_GRACE_SECONDS):
            logger.warning("shutdown: updates still running after %ss", SHUTDOWN_GRACE_SECONDS)
        await services.scheduler.stop()

    dp.startup.register(on_startup)
    dp.shutdown.register(on_shutdown)
    return dp


def build_ops_server(services: Services, *, port: int | None = None) -> MetricsServer | None:
    """`GET /healthz` and `GET /metrics` on METRICS_PORT (None when the port is 0). The health
    check answers 503 when the database or Redis does not."""
    port = services.settings.metrics_port if port is None else port
    if not port:
        return None

    async def database() -> None:
        def ping() -> None:
            with services.db.engine.connect() as connection:
                connection.exec_driver_sql("SELECT 1")

        await asyncio.to_thread(ping)

    checks: dict[str, HealthCheck] = {"database": database}
    if services.shared is not None and services.shared.redis is not None:
        checks["redis"] = services.shared.ping
    app = build_metrics_app(services.metrics, checks)
    return MetricsServer(app, host=services.settings.metrics_host, port=port)

