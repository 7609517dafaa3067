"""/admin end to end: refused for everyone else; counts; custom deadlines reach subscribers."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from handlers.reminders import repo
from tests.support.fixtures import HarnessFactory

pytestmark = pytest.mark.e2e

NOW = datetime(2026, 3, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
ADMIN = 9001
USER = 4242


async def test_non_admin_is_refused(make_harness: HarnessFactory) -> None:
    h = await make_harness(smebot_now=NOW, admin_ids=[ADMIN])
    reply = await h.reply(USER, "/admin", "仅限管理员")
    assert reply.buttons == []
    reply = await h.reply(USER, "/admin add 2026-07-15 偷偷加一个", "仅限管理员")
    with h.db.session() as session:
        assert repo.list_custom_deadlines(session) == []


async def test_admin_counts_and_one_line_add(make_harness: HarnessFactory) -> None:
    h = await make_harness(smebot_now=NOW, admin_ids=[ADMIN])
    await h.reply(USER, "/subscribe 2022", "已订阅")
    await h.reply(USER + 1, "/subscribe 2024", "已订阅")
    panel = await h.reply(ADMIN, "/admin", "有效订阅")
    assert "有效订阅：2" in panel.text and "2022：1" in panel.text and "2024：1" in panel.text
    assert any("添加截止日期" in b for b in panel.button_texts)

    bad = await h.reply(ADMIN, "/admin add 2026-13-01 标题", "YYYY-MM-DD")
    assert "已添加" not in bad.text
    past = await h.reply(ADMIN, "/admin add 2026-02-01 标题", "已经过去")
    assert "已添加" not in past.text
    added = await h.reply(ADMIN, "/admin add 2026-07-15 2026年<省级>推荐申报截止", "已添加")
    assert "&lt;省级&gt;" in added.html
    with h.db.session() as session:
        (row,) = repo.list_custom_deadlines(session)
    assert (row.title, row.due, row.created_by) == ("2026年<省级>推荐申报截止", date(2026, 7, 15),
                                                   ADMIN)
    # Subscribers see it among their deadlines.
    listing = await h.reply(USER, "/reminders", "您的提醒")
    assert "2026-07-15" in listing.text and "2026年&lt;省级&gt;" in listing.html


async def test_admin_guided_add(make_harness: HarnessFactory) -> None:
    h = await make_harness(smebot_now=NOW, admin_ids=[ADMIN])
    panel = await h.reply(ADMIN, "/admin", "有效订阅")
    await h.click(ADMIN, panel, "添加截止日期", "请输入截止日期的名称")
    await h.reply(ADMIN, "云南省2026年推荐截止", "YYYY-MM-DD")
    await h.reply(ADMIN, "明天", "日期格式")
    done = await h.reply(ADMIN, "2026-06-30", "已添加")
    assert "2026-06-30" in done.text and "云南省2026年推荐截止" in done.text
    refreshed = await h.click(ADMIN, panel, "刷新统计", "即将到来的运营方截止日期")
    assert "云南省2026年推荐截止" in refreshed.text


async def test_admin_button_refused_for_others(make_harness: HarnessFactory) -> None:
    h = await make_harness(smebot_now=NOW, admin_ids=[ADMIN])
    panel = await h.reply(ADMIN, "/admin", "有效订阅")
    mark = h.api.mark()
    await h.press(USER, panel, "添加截止日期")
    await h.settle()
    answers = list(h.api.callback_answers.values())
    assert any("仅限管理员" in str(a.get("text", "")) for a in answers)
    assert h.messages(ADMIN, after=mark) == []


async def test_another_admins_panel_button_is_refused(make_harness: HarnessFactory) -> None:
    h = await make_harness(smebot_now=NOW, admin_ids=[ADMIN, ADMIN + 1])
    group = -100900
    sent = await h.send(ADMIN, "/admin", chat_id=group, chat_type="group")
    panel = await h.wait_for(group, "有效订阅", after=sent.mark)
    before = set(h.api.callback_answers)
    mark = h.api.mark()
    await h.press(ADMIN + 1, panel, "添加截止日期")
    await h.settle()
    answers = [str(a.get("text", "")) for q, a in h.api.callback_answers.items()
               if q not in before]
    assert len(answers) == 1 and "另一位管理员" in answers[0]
    assert h.messages(group, after=mark) == []


async def test_admin_removed_mid_flow_is_refused_and_adds_nothing(
    make_harness: HarnessFactory,
) -> None:
    h = await make_harness(smebot_now=NOW, admin_ids=[ADMIN])
    panel = await h.reply(ADMIN, "/admin", "有效订阅")
    await h.click(ADMIN, panel, "添加截止日期", "请输入截止日期的名称")
    h.settings.admin_ids.clear()  # ADMIN_IDS changed: the check is per update
    await h.reply(ADMIN, "不该添加的截止日期", "仅限管理员")
    await h.send(ADMIN, "2026-06-30")  # the flow is over: no longer taken as the due date
    await h.settle()
    with h.db.session() as session:
        assert repo.list_custom_deadlines(session) == []
