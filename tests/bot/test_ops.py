"""Operability: /healthz and /metrics served next to the bot, one request id per update in the
logs, an /assess or /remind in progress kept across replicas when Redis holds the FSM state."""

from __future__ import annotations

import io
import json
import logging
import socket

import aiohttp
from aiogram import F, Router
from aiogram.types import Message

from bot.app import build_ops_server
from infra.logs import JsonFormatter, RequestIdFilter
from infra.metrics import Metrics, build_metrics_app
from tests.support.fixtures import HarnessFactory


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return response.status, await response.text()


def _sample(body: str, name: str) -> float:
    for line in body.splitlines():
        if line.split(" ")[0] == name:
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} not in /metrics:\n{body[:2000]}")


async def test_healthz_and_metrics_count_what_the_bot_does(make_harness: HarnessFactory) -> None:
    h = await make_harness(metrics_host="127.0.0.1")
    assert h.services is not None
    port = _free_port()
    ops = build_ops_server(h.services, port=port)
    assert ops is not None
    await ops.start()
    try:
        base = f"http://127.0.0.1:{port}"
        status, body = await _get(f"{base}/healthz")
        assert status == 200
        health = json.loads(body)
        assert health["status"] == "ok" and health["checks"]["database"] == "ok"
        if h.settings.redis_url:
            assert health["checks"]["redis"] == "ok"

        h.api.fail_next("sendMessage", 429, retry_after=1, chat_id=301)
        await h.reply(301, "集群有效期多久？", "三年", timeout=20)
        await h.reply(302, "今天天气怎么样", "超出", timeout=20)
        await h.reply(303, "/remind", "第 1 步")
        await h.settle()
        status, text = await _get(f"{base}/metrics")
        assert status == 200
        assert _sample(text, 'smebot_answers_total{outcome="served"}') == 1
        assert _sample(text, 'smebot_answers_total{outcome="declined"}') == 1
        assert _sample(text, "smebot_answer_seconds_count") == 2
        assert _sample(text, 'smebot_send_errors_total{code="429"}') >= 1
        assert _sample(text, 'smebot_updates_total{type="message"}') >= 3
        assert _sample(text, "smebot_fsm_sessions") == 1  # user 303 is in /remind
        for status_label in ("due", "sent", "failed", "dead"):
            _sample(text, f'smebot_reminders_total{{status="{status_label}"}}')
    finally:
        await ops.stop()


async def test_healthz_is_503_naming_the_failing_check() -> None:
    async def broken() -> None:
        raise ConnectionError("database is down")

    async def fine() -> None:
        return None

    from aiohttp.test_utils import TestClient, TestServer

    app = build_metrics_app(Metrics(), {"database": broken, "redis": fine})
    async with TestClient(TestServer(app)) as client:
        response = await client.get("/healthz")
        assert response.status == 503
        body = await response.json()
        assert body["status"] == "unhealthy" and "database is down" in body["checks"]["database"]
        assert body["checks"]["redis"] == "ok"


async def test_every_log_line_of_an_update_carries_its_request_id(
    make_harness: HarnessFactory,
) -> None:
    router = Router(name="test-logs")
    logger = logging.getLogger("smebot.test.request")

    @router.message(F.text.startswith("logme"))
    async def log_twice(message: Message) -> None:
        logger.warning("first %s", message.text)
        logger.warning("second %s", message.text)
        await message.answer("logged")

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    logger.addHandler(handler)
    try:
        h = await make_harness(start=False)
        await h.start(extra_routers=[router])
        one = await h.send(401, "logme 1")
        two = await h.send(402, "logme 2")
        await h.settle()
    finally:
        logger.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    by_text = {line["message"]: line["request_id"] for line in lines}
    assert by_text["first logme 1"] == by_text["second logme 1"]
    assert by_text["first logme 1"].startswith(f"{one.update_id}-")
    assert by_text["first logme 2"].startswith(f"{two.update_id}-")
    assert by_text["first logme 1"] != by_text["first logme 2"]
    assert all(line["level"] == "WARNING" for line in lines)


async def test_a_remind_in_progress_continues_on_another_replica(
    make_harness: HarnessFactory, tmp_path: object, redis_url: str, redis_prefix: str
) -> None:
    """Replica A starts /remind and goes away; replica B (same database, same Redis) takes the
    next answer as step 2 of the same flow, not as a question."""
    shared = {"database_url": f"sqlite:///{tmp_path}/shared.sqlite3", "redis_url": redis_url,
              "redis_prefix": redis_prefix}
    a = await make_harness(**shared)
    step = await a.reply(501, "/remind", "第 1 步")
    assert "集群名称" in step.text
    await a.stop()
    b = await make_harness(**shared)
    assert b.services is not None and b.services.shared is not None
    assert await b.services.shared.count_fsm_sessions() == 1
    reply = await b.reply(501, "宁德锂电集群", "第 2 步")
    assert reply.buttons  # step 2 offers choices: the name was taken as the flow's answer
    assert not b.api.messages(501, after=step.seq)[0].text.startswith("这个问题")
