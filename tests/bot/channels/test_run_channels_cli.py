"""`smebot run --channel …` refuses incomplete settings before loading anything."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.channels.base import REGISTRY, channel_class, register
from bot.channels.runner import configured_channels
from bot.cli import main
from infra.settings import Settings


def test_run_channel_names_the_missing_wecom_settings(capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WECOM_CORP_ID", "ww1")
    assert main(["run", "--channel", "wecom"]) != 0
    err = capsys.readouterr().err
    assert "WECOM_AGENT_ID, WECOM_SECRET, WECOM_TOKEN, WECOM_AES_KEY" in err
    assert "WECOM_CORP_ID" not in err.replace("WECOM_CORP_ID=", "")


def test_run_channel_refuses_unknown_and_unconfigured_channels(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["run", "--channel", "nope"]) != 0
    assert "unknown channel 'nope'" in capsys.readouterr().err
    assert main(["run", "--channel", "wecom", "--channel", "telegram"]) != 0
    assert "WECOM_CORP_ID" in capsys.readouterr().err
    assert main(["run"]) != 0  # today's message without a token
    assert "TELEGRAM_BOT_TOKEN" in capsys.readouterr().err


def test_registration_is_one_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(REGISTRY, "demo", "bot.channels.console_channel:ConsoleChannel")
    assert channel_class("demo").name == "console"
    register("demo2", "bot.channels.wecom.channel:WeComChannel")
    try:
        assert channel_class("demo2").name == "wecom"
    finally:
        REGISTRY.pop("demo2")
    assert configured_channels(Settings(), ["console", "telegram", "wecom"]) == []


async def test_with_redis_every_channel_sends_within_one_window_for_all_replicas(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`smebot run` replaces the scheduler's sender by one per channel; with Redis each must
    share its window with the other replicas (a per-process limiter let two replicas send
    reminders at twice the limit). Telegram's is the shared state's own limiter; another
    platform gets its own keys and its own rates."""
    from bot.channels.runner import build_channels, outbound_for
    from infra.db import Database
    from infra.shared_limits import RedisSendLimiter
    from infra.shared_state import build_shared_state
    from tests.support.wecom_api import WeComStandIn

    for name, value in WeComStandIn().env().items():
        monkeypatch.setenv(name, value)
    # Building clients connects to nothing: no Redis server is needed here.
    settings = Settings(telegram_bot_token="123:abc", redis_url="redis://127.0.0.1:9/0",
                        redis_prefix="bot-x", send_rate_per_second=20.0)
    db = Database(f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    shared = build_shared_state(settings, db)
    try:
        channels, identities = build_channels(settings, db, ["telegram", "wecom"])
        _, sender = outbound_for(channels, identities, shared=shared)
        telegram, wecom = sender.senders["telegram"], sender.senders["wecom"]
        assert telegram.shared_limiter is shared.limiter
        assert isinstance(wecom.shared_limiter, RedisSendLimiter)
        assert wecom.shared_limiter.window_key == "bot-x:wecom:send:window"
        assert wecom.shared_limiter.cap / wecom.shared_limiter.period == pytest.approx(
            wecom.rate_per_second)
        _, alone = outbound_for(channels, identities)  # no Redis: limits per process
        assert all(s.shared_limiter is None for s in alone.senders.values())
    finally:
        await shared.close()
        db.dispose()
