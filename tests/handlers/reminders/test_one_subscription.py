"""One subscription per user, chat and batch, whichever way it was made; one batch-year reader
for /subscribe and /remind; the send time shown is the configured one."""

from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from handlers.reminders import repo
from handlers.reminders.models import ReminderSubscription
from tests.support.fixtures import BotHarness, HarnessFactory

pytestmark = pytest.mark.e2e

SHANGHAI = ZoneInfo("Asia/Shanghai")
JAN_10_2025 = datetime(2025, 1, 10, 10, 0, tzinfo=SHANGHAI)
USER = 4242


def active(h: BotHarness) -> list[ReminderSubscription]:
    with h.db.session() as session:
        return repo.list_subscriptions(session, user_id=USER)


@pytest.mark.parametrize("typed", ["2022年", "２０２２年", "2022年批次", "二〇二二年"])
async def test_subscribe_reads_the_year_like_remind(make_harness: HarnessFactory,
                                                    typed: str) -> None:
    h = await make_harness(smebot_now=JAN_10_2025)
    reply = await h.reply(USER, f"/subscribe {typed}", "已订阅")
    assert "2025-04-30" in reply.text
    (sub,) = active(h)
    assert sub.batch_year == 2022


async def _remind(h: BotHarness, name: str, year: str) -> None:
    await h.reply(USER, "/remind", "第 1 步")
    await h.reply(USER, name, "第 2 步")
    kinds = await h.reply(USER, year, "第 3 步")
    leads = await h.click(USER, kinds, "下一步", "第 4 步")
    leads = await h.click(USER, leads, "提前90天", "第 4 步")
    confirm = await h.click(USER, leads, "下一步", "请确认")
    await h.click(USER, confirm, "确认订阅", "已订阅")


async def test_remind_then_subscribe_is_one_subscription(make_harness: HarnessFactory) -> None:
    h = await make_harness(smebot_now=JAN_10_2025)
    await _remind(h, "A县电子集群", "2022")
    merged = await h.reply(USER, "/subscribe 2022", "不会重复")
    assert "A县电子集群" in merged.text  # the typed name stays
    (sub,) = active(h)
    assert sub.cluster_name == "A县电子集群"
    assert sub.lead_days == [90, 30, 7, 1]  # the union of both set-ups
    assert sub.kinds == ["annual_report", "renewal_review", "custom"]
    again = await h.reply(USER, "/subscribe 2022", "已订阅过")
    assert "不会重复" in again.text
    assert len(active(h)) == 1


async def test_subscribe_then_remind_merges_and_takes_the_typed_name(
    make_harness: HarnessFactory,
) -> None:
    h = await make_harness(smebot_now=JAN_10_2025)
    await h.reply(USER, "/subscribe 2023", "已订阅")
    await _remind(h, "B市集群", "2023年")
    (sub,) = active(h)
    assert (sub.batch_year, sub.cluster_name, sub.lead_days) == (2023, "B市集群", [90, 30, 7, 1])
    await h.reply(USER, "/subscribe 2024", "已订阅")  # another batch is another subscription
    assert [s.batch_year for s in active(h)] == [2023, 2024]


async def test_both_ways_send_each_reminder_once(make_harness: HarnessFactory) -> None:
    first = await make_harness(smebot_now=datetime(2025, 3, 1, 10, 0, tzinfo=SHANGHAI))
    await first.reply(USER, "/subscribe 2022", "已订阅")
    await _remind(first, "C县集群", "2022")
    await first.stop()
    second = await make_harness(
        smebot_now=datetime(2025, 3, 31, 9, 5, tzinfo=SHANGHAI),
        database_url=first.settings.database_url,
        reminder_poll_seconds=0.05,
    )
    await second.wait_for(USER, "截止日期提醒")
    await asyncio.sleep(0.3)  # several scheduler ticks
    await second.settle()
    sent = [m for m in second.messages(USER) if m.text.startswith("⏰")]
    assert len(sent) == 1


async def test_step_four_names_the_configured_zone_and_hour(
    make_harness: HarnessFactory,
) -> None:
    h = await make_harness(smebot_now=JAN_10_2025, timezone="Europe/Berlin", reminder_hour=15)
    await h.reply(USER, "/remind", "第 1 步")
    await h.reply(USER, "D县集群", "第 2 步")
    kinds = await h.reply(USER, "2022", "第 3 步")
    leads = await h.click(USER, kinds, "下一步", "第 4 步")
    assert "Europe/Berlin" in leads.text and "15:00" in leads.text
    assert "北京时间" not in leads.text and "上午" not in leads.text
    await h.stop()  # one bot polls the shared stand-in at a time
    english = await make_harness(smebot_now=JAN_10_2025)
    await english.reply(USER, "/remind", "Step 1", language_code="en")
    await english.reply(USER, "E cluster", "Step 2", language_code="en")
    kinds = await english.reply(USER, "2022", "Step 3", language_code="en")
    leads = await english.click(USER, kinds, "Next", "Step 4")
    assert "9:00 Beijing time" in leads.text
