"""Webhook mode against hostile or broken input: malformed bodies, a refused setWebhook."""

from __future__ import annotations

import asyncio
import functools
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

import bot.app
from bot.app import build_services
from bot.channels.webhook import WebhookSetupError, build_webhook_app
from bot.cli import main
from tests.support.bot_api import BotAPIStandIn
from tests.support.doubles import FakeAnswerer, FakeKnowledgeBase
from tests.support.fixtures import harness_settings

SECRET = "s3cret-Token_1"


async def test_malformed_bodies_with_the_right_secret_are_400(
    bot_api: BotAPIStandIn, tmp_path: Any
) -> None:
    settings = harness_settings(bot_api, tmp_path, webhook_url="https://bot.example.test/hook",
                                webhook_secret=SECRET)
    services = build_services(settings, kb=FakeKnowledgeBase(), answerer=FakeAnswerer())
    app = build_webhook_app(services)
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    async with TestServer(app) as server, TestClient(server) as client:
        for body in (b"{not json", b"[1, 2]", b'"text"', b'{"update_id": "x"}',
                     b'{"update_id": 5, "message": {"text": "no chat"}}'):
            response = await client.post("/hook", data=body, headers=headers)
            assert response.status == 400, body
        # Nothing reached the dispatcher; a real update still works afterwards.
        update = bot_api.send_message(402, "/help")
        accepted = await client.post("/hook", json=update, headers={
            "X-Telegram-Bot-Api-Secret-Token": SECRET})
        assert accepted.status == 200
        await bot_api.wait_for(402, "使用说明")
        # The secret is still checked first: a malformed body without it is 401, not 400.
        denied = await client.post("/hook", data=b"{not json")
        assert denied.status == 401


async def test_refused_set_webhook_is_a_clear_error(bot_api: BotAPIStandIn, tmp_path: Any) -> None:
    # The stand-in, like Telegram, refuses a plain-HTTP public URL.
    settings = harness_settings(bot_api, tmp_path, webhook_url="http://bot.example.test/hook")
    services = build_services(settings, kb=FakeKnowledgeBase(), answerer=FakeAnswerer())
    app = build_webhook_app(services)
    with pytest.raises(WebhookSetupError, match="HTTPS url must be provided"):
        async with TestServer(app):
            pass


async def test_smebot_run_reports_a_refused_set_webhook_without_traceback(
    bot_api: BotAPIStandIn, tmp_path: Any, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", bot_api.token)
    monkeypatch.setenv("TELEGRAM_API_BASE", bot_api.base_url)
    monkeypatch.setenv("WEBHOOK_URL", "http://bot.example.test/hook")
    monkeypatch.setenv("WEBHOOK_PORT", "0")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'run.sqlite3'}")
    real_build = bot.app.build_services
    monkeypatch.setattr(bot.app, "build_services", lambda settings: real_build(
        settings, kb=FakeKnowledgeBase(), answerer=FakeAnswerer()))
    # `smebot run` owns its event loop (aiohttp's run_app): run it in a thread beside the
    # stand-in's loop, where signal handlers cannot be installed (the only change).
    run_app = web.run_app
    monkeypatch.setattr(web, "run_app", functools.partial(run_app, handle_signals=False))
    code = await asyncio.wait_for(asyncio.to_thread(main, ["run"]), 60)
    err = capsys.readouterr().err
    assert code == 2
    assert "Telegram refused setWebhook" in err and "HTTPS url must be provided" in err
    assert "Traceback" not in err
