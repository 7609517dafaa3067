"""Assembly and lifecycle: workflow data, router order, command menu, graceful SIGTERM,
webhook mode, and the `smebot run` entry point."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import build_dispatcher, build_services
from bot.channels.webhook import build_webhook_app, webhook_target
from bot.cli import main
from tests.support.bot_api import BotAPIStandIn
from tests.support.doubles import FakeAnswerer, FakeKnowledgeBase
from tests.support.fixtures import BotHarness, HarnessFactory, harness_settings


async def test_workflow_data_and_router_order(fake_harness: BotHarness) -> None:
    dp = fake_harness.dp
    assert set(dp.workflow_data) == {
        "settings", "db", "clock", "kb", "answerer", "forgetters", "sender", "dedup"
    }
    assert dp["db"] is fake_harness.services.db  # type: ignore[union-attr]
    [root] = dp.sub_routers
    # The catch-all question router must come last.
    assert [r.name for r in root.sub_routers] == [
        "account", "assess", "reminders", "admin", "ask", "fallback"
    ]


async def test_dispatcher_can_be_rebuilt_in_one_process(
    bot_api: BotAPIStandIn, tmp_path: Any
) -> None:
    services = build_services(
        harness_settings(bot_api, tmp_path), kb=FakeKnowledgeBase(), answerer=FakeAnswerer()
    )
    first = build_dispatcher(services)
    second = build_dispatcher(services)
    assert len(second.sub_routers[0].sub_routers) == 6  # five features and the fallback
    # The features moved to the new root; each root has its own fallback router.
    assert [r.name for r in first.sub_routers[0].sub_routers] == ["fallback"]


async def test_command_menu_is_published_in_both_languages(fake_harness: BotHarness) -> None:
    commands = fake_harness.api.commands
    zh = {c["command"]: c["description"] for c in commands[""]}
    en = {c["command"]: c["description"] for c in commands["en"]}
    for name in ("start", "help", "assess", "remind", "subscribe", "reminders", "cancel",
                 "forget", "lang"):
        assert name in zh and name in en
    assert zh["help"] == "使用说明" and en["help"] == "How to use"


class SlowAnswerer(FakeAnswerer):
    """Takes a while, so an update is still in flight when SIGTERM arrives."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self.seconds = seconds
        self.started = threading.Event()

    def ask(self, question: str, lang: str | None = None) -> Any:
        self.started.set()
        time.sleep(self.seconds)
        return super().ask(question, lang)


async def test_sigterm_finishes_in_flight_updates_then_closes(
    make_harness: HarnessFactory,
) -> None:
    answerer = SlowAnswerer(1.0)
    h = await make_harness(answerer=answerer, start=False)
    await h.start(handle_signals=True)
    task = h._task
    assert task is not None
    await h.send(301, "集群有效期多久？")
    deadline = time.monotonic() + 10
    while not answerer.started.is_set():
        assert time.monotonic() < deadline, "the question never reached the answerer"
        await asyncio.sleep(0.01)
    os.kill(os.getpid(), signal.SIGTERM)  # aiogram's handler stops polling
    await asyncio.wait_for(asyncio.shield(task), 15)
    # The answer that was being prepared still went out before the session closed.
    [answer] = h.messages(301)
    assert "出处" in answer.text
    session = h.bot.session._session
    assert session is None or session.closed


async def test_webhook_checks_the_secret_and_answers(
    bot_api: BotAPIStandIn, tmp_path: Any
) -> None:
    settings = harness_settings(
        bot_api, tmp_path, webhook_url="https://bot.example.test/tg/hook",
        webhook_secret="s3cret-Token_1",
    )
    services = build_services(settings, kb=FakeKnowledgeBase(), answerer=FakeAnswerer())
    assert webhook_target(services) == ("https://bot.example.test/tg/hook", "/tg/hook")
    app = build_webhook_app(services)
    update = bot_api.send_message(401, "/start")
    async with TestServer(app) as server, TestClient(server) as client:
        assert bot_api.webhook == {
            "url": "https://bot.example.test/tg/hook", "secret_token": "s3cret-Token_1"
        }
        denied = await client.post(
            "/tg/hook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}
        )
        assert denied.status == 401
        missing = await client.post("/tg/hook", json=update)
        assert missing.status == 401
        accepted = await client.post(
            "/tg/hook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-Token_1"}
        )
        assert accepted.status == 200
        reply = await bot_api.wait_for(401, "集群通")
        assert reply.buttons


def test_run_without_token_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert "TELEGRAM_BOT_TOKEN is not set" in err
    assert "smebot chat" in err
