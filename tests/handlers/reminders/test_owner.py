"""In a group every member sees every button: only the user it was shown to may use it, and
every press gets an answer."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from handlers.reminders import repo
from tests.support.bot_api import SentMessage
from tests.support.fixtures import BotHarness, HarnessFactory

pytestmark = pytest.mark.e2e

NOW = datetime(2025, 1, 10, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
GROUP = -100777
OWNER, OTHER = 4242, 5151


async def in_group(h: BotHarness, user: int, text: str, expect: str) -> SentMessage:
    sent = await h.send(user, text, chat_id=GROUP, chat_type="group")
    return await h.wait_for(GROUP, expect, after=sent.mark)


def answers_since(h: BotHarness, before: set[str]) -> list[str]:
    return [str(a.get("text", "")) for q, a in h.api.callback_answers.items() if q not in before]


async def test_someone_elses_flow_buttons_are_refused(make_harness: HarnessFactory) -> None:
    h = await make_harness(smebot_now=NOW)
    await in_group(h, OWNER, "/remind", "第 1 步")
    years = await in_group(h, OWNER, "F县集群", "第 2 步")
    before = set(h.api.callback_answers)
    mark = h.api.mark()
    await h.press(OTHER, years, "2022")
    await h.settle()
    assert any("其他用户" in text for text in answers_since(h, before))
    assert not any("第 3 步" in m.text for m in h.messages(GROUP, after=mark))
    kinds = await h.click(OWNER, years, "2022", "第 3 步")  # the owner's flow goes on
    assert "2022 年批次" in kinds.text


async def test_someone_elses_cancel_button_is_refused(make_harness: HarnessFactory) -> None:
    h = await make_harness(smebot_now=NOW)
    await in_group(h, OWNER, "/subscribe 2022", "已订阅")
    listing = await in_group(h, OWNER, "/reminders", "您的提醒")
    before = set(h.api.callback_answers)
    await h.press(OTHER, listing, "取消 #")
    await h.press(OTHER, listing, "导出日历")
    await h.settle()
    refused = answers_since(h, before)
    assert len(refused) == 2 and all("其他用户" in text for text in refused)
    with h.db.session() as session:
        assert len(repo.list_subscriptions(session, user_id=OWNER)) == 1


async def test_a_finished_flows_button_is_answered(make_harness: HarnessFactory) -> None:
    h = await make_harness(smebot_now=NOW)
    await h.reply(OWNER, "/remind", "第 1 步")
    years = await h.reply(OWNER, "G县集群", "第 2 步")
    await h.reply(OWNER, "/cancel", "取消")
    before = set(h.api.callback_answers)
    await h.press(OWNER, years, "2023")
    await h.settle()
    assert any("已结束" in text for text in answers_since(h, before))


async def test_a_sticker_mid_setup_gets_a_hint_and_keeps_the_flow(
    make_harness: HarnessFactory,
) -> None:
    h = await make_harness(smebot_now=NOW)
    await h.reply(OWNER, "/remind", "第 1 步")
    sent = await h.send_content(OWNER, "sticker")
    hint = await h.wait_for(OWNER, "发送文字", after=sent.mark)
    assert "/cancel" in hint.text
    years = await h.reply(OWNER, "H县集群", "第 2 步")  # the set-up is where it was
    assert "H县集群" in years.text


async def test_reminders_in_a_group_list_only_that_groups(make_harness: HarnessFactory) -> None:
    h = await make_harness(smebot_now=NOW)
    await h.reply(OWNER, "/subscribe 2023", "已订阅")  # private
    await in_group(h, OWNER, "/subscribe 2022", "已订阅")
    listing = await in_group(h, OWNER, "/reminders", "您的提醒")
    assert "2022 年批次" in listing.text and "2023 年批次" not in listing.text
    private = await h.reply(OWNER, "/reminders", "您的提醒")
    assert "2022 年批次" in private.text and "2023 年批次" in private.text
