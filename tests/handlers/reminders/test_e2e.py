"""Reminders in chat, end to end: the real polling loop over HTTP against the Bot API stand-in."""

from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from handlers.reminders import repo
from handlers.reminders.models import SENT
from tests.support.bot_api import SentMessage
from tests.support.fixtures import BotHarness, HarnessFactory

pytestmark = pytest.mark.e2e

SHANGHAI = ZoneInfo("Asia/Shanghai")
JAN_10_2025 = datetime(2025, 1, 10, 10, 0, tzinfo=SHANGHAI)
USER = 4242


def subscriptions(harness: BotHarness, *, active_only: bool = True) -> list[object]:
    with harness.db.session() as session:
        return list(repo.list_subscriptions(session, user_id=USER, active_only=active_only))


async def test_subscribe_short_form(make_harness: HarnessFactory) -> None:
    h = await make_harness(smebot_now=JAN_10_2025)
    reply = await h.reply(USER, "/subscribe 2022", "已订阅")
    assert "2025-04-30" in reply.text and "2025-12-31" in reply.text
    assert "30/7/1" in reply.text
    again = await h.reply(USER, "/subscribe 2022", "已订阅过")
    assert "不会重复" in again.text
    subs = subscriptions(h)
    assert len(subs) == 1
    assert subs[0].kinds == ["annual_report", "renewal_review", "custom"]  # type: ignore[attr-defined]
    assert subs[0].lead_days == [30, 7, 1]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/subscribe", "请在命令后写上批次年份"),
        ("/subscribe 明年", "不是年份"),
        ("/subscribe 2019", "首批集群为 2022 年批次"),
        ("/subscribe 2099", "尚未到来"),
    ],
)
async def test_subscribe_bad_input_explains_usage(
    make_harness: HarnessFactory, text: str, expected: str
) -> None:
    h = await make_harness(smebot_now=JAN_10_2025)
    reply = await h.reply(USER, text, "用法")
    assert expected in reply.text
    assert "/subscribe 2022" in reply.text and "2022–2025" in reply.text
    assert subscriptions(h) == []


async def test_subscribe_in_english(make_harness: HarnessFactory) -> None:
    h = await make_harness(smebot_now=JAN_10_2025)
    reply = await h.reply(USER, "/subscribe 2099", "Usage", language_code="en")
    assert "not valid" in reply.text


async def _step(h: BotHarness, message: SentMessage, button: str, expect: str) -> SentMessage:
    return await h.click(USER, message, button, expect)


async def test_remind_guided_flow(make_harness: HarnessFactory) -> None:
    h = await make_harness(smebot_now=JAN_10_2025)
    await h.reply(USER, "/remind", "第 1 步")
    years = await h.reply(USER, "A县<电子>&集群", "第 2 步")
    assert "A县&lt;电子&gt;&amp;集群" in years.html  # the name is escaped
    assert years.button_texts[:4] == ["2022", "2023", "2024", "2025"]
    assert any("尚未认定" in b for b in years.button_texts)
    kinds = await _step(h, years, "2023", "第 3 步")
    assert [b.startswith("✅") for b in kinds.button_texts[:3]] == [True, True, True]
    kinds = await _step(h, kinds, "年度工作报告", "第 3 步")
    assert kinds.button_texts[0].startswith("⬜")
    leads = await _step(h, kinds, "下一步", "第 4 步")
    leads = await _step(h, leads, "提前90天", "第 4 步")
    assert leads.find_button("提前90天").text.startswith("✅")
    confirm = await _step(h, leads, "下一步", "请确认")
    assert "2026-12-31" in confirm.text  # batch 2023's renewal review
    assert "2025-04-30" not in confirm.text  # the annual report was switched off
    done = await _step(h, confirm, "确认订阅", "已订阅")
    assert done.buttons == []
    (sub,) = subscriptions(h)
    assert sub.batch_year == 2023  # type: ignore[attr-defined]
    assert sub.kinds == ["renewal_review", "custom"]  # type: ignore[attr-defined]
    assert sub.lead_days == [90, 30, 7, 1]  # type: ignore[attr-defined]
    assert sub.cluster_name == "A县<电子>&集群"  # type: ignore[attr-defined]


async def test_remind_accepts_a_typed_year_and_never_treats_it_as_a_question(
    make_harness: HarnessFactory,
) -> None:
    h = await make_harness(smebot_now=JAN_10_2025)
    await h.reply(USER, "/remind", "第 1 步")
    await h.reply(USER, "B县集群", "第 2 步")
    refused = await h.reply(USER, "2021", "无效")
    assert "2022–2025" in refused.text and "出处" not in refused.text
    hint = await h.reply(USER, "不知道", "请点按上方按钮")
    assert "出处" not in hint.text
    kinds = await h.reply(USER, "２０２３年", "第 3 步")  # full-width digits, as phones type them
    assert "2023 年批次" in kinds.text
    typed = await h.reply(USER, "全部都要", "请点按上方消息里的按钮")
    assert "出处" not in typed.text
    leads = await _step(h, kinds, "下一步", "第 4 步")
    confirm = await _step(h, leads, "下一步", "请确认")
    await _step(h, confirm, "确认订阅", "已订阅")
    (sub,) = subscriptions(h)
    assert sub.batch_year == 2023  # type: ignore[attr-defined]


async def test_reminders_list_shows_every_upcoming_deadline(make_harness: HarnessFactory) -> None:
    # Batch 2022 on 2026-04-20 (renewal assumed): three annual reports and the review in 2028.
    h = await make_harness(smebot_now=datetime(2026, 4, 20, 9, 0, tzinfo=SHANGHAI))
    await h.reply(USER, "/subscribe 2022", "已订阅")
    listing = await h.reply(USER, "/reminders", "您的提醒")
    for due in ("2026-04-30", "2027-04-30", "2028-04-30", "2028-12-31"):
        assert due in listing.text


async def test_remind_not_yet_recognised_and_quit(make_harness: HarnessFactory) -> None:
    h = await make_harness(smebot_now=JAN_10_2025)
    await h.reply(USER, "/remind", "第 1 步")
    years = await h.reply(USER, "B市集群", "第 2 步")
    kinds = await _step(h, years, "尚未认定", "第 3 步")
    assert any("推荐申报轮次" in b for b in kinds.button_texts)
    assert not any("年度工作报告" in b for b in kinds.button_texts)
    quit_ = await _step(h, kinds, "取消", "已取消设置")
    assert quit_.buttons == []
    assert subscriptions(h) == []
    # Text after quitting is a question again, not a cluster name.
    await h.send(USER, "B市集群")
    await h.settle()
    assert subscriptions(h) == []


async def test_reminders_list_cancel_twice_and_export(make_harness: HarnessFactory) -> None:
    h = await make_harness(smebot_now=JAN_10_2025)
    await h.reply(USER, "/subscribe 2022", "已订阅")
    await h.reply(USER, "/subscribe 2024", "已订阅")
    listing = await h.reply(USER, "/reminders", "您的提醒")
    assert "2025-04-30" in listing.text and "2027-04-30" in listing.text
    ids = [s.id for s in subscriptions(h)]  # type: ignore[attr-defined]
    assert f"取消 #{ids[0]}" in listing.button_texts

    export = await h.click(USER, listing, "导出日历", lambda m: m.kind == "document")
    assert export.file_name and export.file_name.endswith(".ics")
    calendar = Calendar.from_ical(export.file_bytes or b"")
    events = list(calendar.walk("VEVENT"))
    dues = sorted(str(e.decoded("dtstart")) for e in events)
    assert "2025-04-30" in dues and "2025-12-31" in dues and "2027-12-31" in dues
    assert all(len(e.walk("VALARM")) == 3 for e in events)

    cancelled = await h.click(USER, listing, f"取消 #{ids[0]}", "已取消提醒")
    assert f"#{ids[0]}" in cancelled.text
    again = await h.click(USER, listing, f"取消 #{ids[0]}", "已经取消过了")
    assert f"#{ids[0]}" in again.text
    assert [s.id for s in subscriptions(h)] == ids[1:]  # type: ignore[attr-defined]
    relisted = await h.reply(USER, "/reminders", "您的提醒")
    assert f"取消 #{ids[0]}" not in relisted.button_texts


async def test_reminders_empty(make_harness: HarnessFactory) -> None:
    h = await make_harness(smebot_now=JAN_10_2025)
    reply = await h.reply(USER, "/reminders", "还没有订阅")
    assert reply.buttons == []


async def test_subscription_survives_restart_and_reminds_once(
    make_harness: HarnessFactory,
) -> None:
    first = await make_harness(smebot_now=datetime(2025, 3, 1, 10, 0, tzinfo=SHANGHAI))
    await first.reply(USER, "/subscribe 2022", "已订阅")
    await first.stop()
    # Back up on the 30-day reminder's morning, on the same database.
    reminder_day = datetime(2025, 3, 31, 9, 5, tzinfo=SHANGHAI)
    second = await make_harness(
        smebot_now=reminder_day,
        database_url=first.settings.database_url,
        reminder_poll_seconds=0.05,
    )
    reminder = await second.wait_for(USER, "截止日期提醒")
    assert "2025-04-30" in reminder.text and "还有 30 天" in reminder.text
    await asyncio.sleep(0.3)  # several scheduler ticks
    await second.restart()
    await asyncio.sleep(0.3)
    await second.settle()
    sent = [m for m in second.messages(USER) if "截止日期提醒" in m.text]
    assert len(sent) == 1
    with second.db.session() as session:
        assert [d.status for d in repo.list_deliveries(session)] == [SENT]


async def test_blocked_user_subscription_is_deactivated(make_harness: HarnessFactory) -> None:
    first = await make_harness(smebot_now=datetime(2025, 3, 1, 10, 0, tzinfo=SHANGHAI))
    await first.reply(USER, "/subscribe 2022", "已订阅")
    await first.stop()
    first.api.block(USER)
    second = await make_harness(
        smebot_now=datetime(2025, 3, 31, 9, 5, tzinfo=SHANGHAI),
        database_url=first.settings.database_url,
        reminder_poll_seconds=0.05,
    )
    for _ in range(200):
        if not subscriptions(second):
            break
        await asyncio.sleep(0.02)
    (sub,) = subscriptions(second, active_only=False)
    assert sub.active is False  # type: ignore[attr-defined]
    assert sub.deactivated_reason == "forbidden"  # type: ignore[attr-defined]


async def test_cancel_command_leaves_the_flow(make_harness: HarnessFactory) -> None:
    h = await make_harness(smebot_now=JAN_10_2025)
    await h.reply(USER, "/remind", "第 1 步")
    await h.reply(USER, "/cancel", "取消")
    await h.send(USER, "C县集群")  # no longer taken as the cluster name
    await h.settle()
    assert not any("第 2 步" in m.text for m in h.messages(USER))
