"""`smebot run --channel …` refuses incomplete settings before loading anything."""

from __future__ import annotations

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
