"""`smebot reminders run-once` sends through every configured channel, each user on their own."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.channels.identity import Identities
from bot.cli import main
from bot.schema import FORGETTERS  # noqa: F401  (registers every table)
from handlers.reminders import repo
from infra.db import Database
from infra.settings import Settings
from tests.support.bot_api import BotAPIStandIn
from tests.support.wecom_api import WeComStandIn


async def test_run_once_delivers_to_telegram_and_wecom_users_through_their_channels(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "cli-data"
    settings = Settings(smebot_data_dir=data_dir)
    db = Database(settings.resolved_database_url)
    db.create_all()
    wecom_user = Identities(db.engine).internal_id("wecom", "WangWu")
    with db.session() as session:
        for chat in (501, wecom_user):
            repo.create_subscription(
                session, user_id=chat, chat_id=chat, cluster_name="C", batch_year=2022,
                kinds=["annual_report"], lead_days=[30],
                now=datetime(2025, 3, 1, tzinfo=ZoneInfo("Asia/Shanghai")),
            )
    db.dispose()
    wecom = await WeComStandIn().start()
    try:
        async with BotAPIStandIn() as api:
            api.user(501)
            api.chats[501] = {"id": 501, "type": "private", "first_name": "U"}
            wecom.fail_next("/cgi-bin/message/send", 45009, count=1)  # rate limited once
            env = {"SMEBOT_DATA_DIR": str(data_dir), "TELEGRAM_BOT_TOKEN": api.token,
                   "TELEGRAM_API_BASE": api.base_url, "SMEBOT_NOW": "2025-03-31T09:30:00+08:00",
                   "TELEGRAM_RETRY_BASE_DELAY": "0.01", "WECOM_RETRY_BASE_DELAY": "0.01",
                   **wecom.env()}
            for name, value in env.items():
                monkeypatch.setenv(name, value)
            code = await asyncio.to_thread(main, ["reminders", "run-once", "--json"])
            assert code == 0
            report = json.loads(capsys.readouterr().out)
            assert report["sent"] == 2 and report["dead"] == 0
            assert [m.chat_id for m in api.messages(501)] == [501]
            (text,) = wecom.texts("WangWu")
            assert "截止日期提醒" in text and "2025-04-30" in text
            assert ("/cgi-bin/message/send", 45009) in wecom.calls
            # A cron re-run sends nothing twice.
            code = await asyncio.to_thread(main, ["reminders", "run-once", "--json"])
            assert code == 0 and json.loads(capsys.readouterr().out)["sent"] == 0
    finally:
        await wecom.stop()
