"""A /remind set-up in progress survives a restart of the bot (FSM state in the database)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from handlers.reminders import repo
from tests.support.fixtures import HarnessFactory

pytestmark = pytest.mark.e2e

NOW = datetime(2025, 1, 10, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
USER = 4242


async def test_remind_survives_a_restart(make_harness: HarnessFactory) -> None:
    h = await make_harness(smebot_now=NOW)
    await h.reply(USER, "/remind", "第 1 步")
    years = await h.reply(USER, "重启县集群", "第 2 步")
    await h.restart()
    kinds = await h.reply(USER, "2023年", "第 3 步")  # typed after the restart: not a question
    assert "2023 年批次" in kinds.text
    leads = await h.click(USER, kinds, "下一步", "第 4 步")
    await h.restart()
    leads = await h.click(USER, leads, "提前14天", "第 4 步")  # a button from before it
    confirm = await h.click(USER, leads, "下一步", "请确认")
    await h.click(USER, confirm, "确认订阅", "已订阅")
    with h.db.session() as session:
        (sub,) = repo.list_subscriptions(session, user_id=USER)
    assert (sub.cluster_name, sub.batch_year, sub.lead_days) == ("重启县集群", 2023, [30, 14, 7, 1])
    assert years.button_texts[0] == "2022"
