"""Prometheus metrics and the `/healthz` + `/metrics` HTTP endpoint (METRICS_PORT, default 9108).

One registry per process (`Metrics`), not prometheus-client's global one: tests build many bots in
one process and each must count from zero. What is counted:

| metric | labels | fed by |
|---|---|---|
| `smebot_answers_total` | `outcome` = served / declined | the instrumented answerer |
| `smebot_answer_seconds` | | the instrumented answerer (histogram) |
| `smebot_reminders_total` | `status` = due / sent / failed / dead | each scheduler run |
| `smebot_send_errors_total` | `code` = 429, 403, 5xx, 400, network, … | the Bot API session |
| `smebot_updates_total` | `type` | the request-id middleware |
| `smebot_fsm_sessions` | | the FSM storage, counted at scrape time |
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

logger = logging.getLogger(__name__)

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

HealthCheck = Callable[[], Awaitable[None]]
SessionCounter = Callable[[], Awaitable[int]]


class Metrics:
    """The process' counters. Cheap to call from any task or thread."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.answers = Counter(
            "smebot_answers", "Questions answered, by outcome", ["outcome"],
            registry=self.registry,
        )
        self.answer_seconds = Histogram(
            "smebot_answer_seconds", "Time to compose an answer", buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.reminders = Counter(
            "smebot_reminders", "Reminder deliveries, by outcome", ["status"],
            registry=self.registry,
        )
        self.send_errors = Counter(
            "smebot_send_errors", "Bot API calls that failed, by error code", ["code"],
            registry=self.registry,
        )
        self.updates = Counter(
            "smebot_updates", "Updates handled, by type", ["type"], registry=self.registry
        )
        self.fsm_sessions = Gauge(
            "smebot_fsm_sessions", "Conversations with an FSM state (a flow in progress)",
            registry=self.registry,
        )
        for outcome in ("served", "declined"):
            self.answers.labels(outcome)
        for status in ("due", "sent", "failed", "dead"):
            self.reminders.labels(status)
        self._session_counter: SessionCounter | None = None

    def count_sessions_with(self, counter: SessionCounter) -> None:
        self._session_counter = counter

    def observe_answer(self, *, in_scope: bool, seconds: float) -> None:
        self.answers.labels("served" if in_scope else "declined").inc()
        self.answer_seconds.observe(seconds)

    def observe_reminder_run(self, report: Any) -> None:
        """`report`: a scheduler RunReport (planned, sent, retried, dead, …)."""
        self.reminders.labels("due").inc(getattr(report, "planned", 0))
        self.reminders.labels("sent").inc(getattr(report, "sent", 0))
        self.reminders.labels("failed").inc(getattr(report, "retried", 0))
        self.reminders.labels("dead").inc(getattr(report, "dead", 0))

    def observe_send_error(self, code: str) -> None:
        self.send_errors.labels(code).inc()

    async def render(self) -> bytes:
        if self._session_counter is not None:
            try:
                self.fsm_sessions.set(await self._session_counter())
            except Exception:  # a scrape must never fail because Redis or the DB hiccupped
                logger.warning("could not count FSM sessions", exc_info=True)
        return generate_latest(self.registry)


class InstrumentedAnswerer:
    """Wraps an answerer: counts served/declined and times every `ask`."""

    def __init__(self, inner: Any, metrics: Metrics) -> None:
        self._inner = inner
        self._metrics = metrics

    def ask(self, question: str, lang: str | None = None) -> Any:
        started = time.perf_counter()
        answer = self._inner.ask(question, lang)
        self._metrics.observe_answer(
            in_scope=bool(getattr(answer, "in_scope", False)),
            seconds=time.perf_counter() - started,
        )
        return answer

    def __getattr__(self, name: str) -> Any:  # everything else is the answerer's own
        return getattr(self._inner, name)


def build_metrics_app(metrics: Metrics, checks: dict[str, HealthCheck]) -> web.Application:
    """`GET /healthz`: 200 {"status": "ok"} when every check passes, else 503 naming the failed
    ones; `GET /metrics`: the Prometheus text format."""

    async def healthz(_: web.Request) -> web.Response:
        results: dict[str, str] = {}
        for name, check in checks.items():
            try:
                await asyncio.wait_for(check(), 5.0)
                results[name] = "ok"
            except Exception as exc:
                results[name] = f"error: {type(exc).__name__}: {exc}"[:300]
        healthy = all(value == "ok" for value in results.values())
        return web.json_response(
            {"status": "ok" if healthy else "unhealthy", "checks": results},
            status=200 if healthy else 503,
        )

    async def metrics_view(_: web.Request) -> web.Response:
        body = await metrics.render()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_view)
    return app


class MetricsServer:
    """Serves the metrics app on host:port next to the bot (reuse_port: N workers, one port)."""

    def __init__(self, app: web.Application, *, host: str, port: int) -> None:
        self.app = app
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, reuse_port=True)
        await site.start()
        logger.info("metrics on http://%s:%s/metrics", self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


class SendErrorCounter(BaseRequestMiddleware):
    """Bot API session middleware: counts failed calls by code (429, 403, 5xx, 400, network)."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        try:
            return await make_request(bot, method)
        except TelegramNetworkError:
            self.metrics.observe_send_error("network")
            raise
        except TelegramAPIError as exc:
            self.metrics.observe_send_error(error_code(exc))
            raise


def error_code(exc: Exception) -> str:
    if isinstance(exc, TelegramRetryAfter):
        return "429"
    if isinstance(exc, TelegramForbiddenError):
        return "403"
    if isinstance(exc, TelegramServerError):
        return "5xx"
    if isinstance(exc, TelegramUnauthorizedError):
        return "401"
    if isinstance(exc, TelegramNotFound):
        return "404"
    if isinstance(exc, TelegramBadRequest):
        return "400"
    return "other"
