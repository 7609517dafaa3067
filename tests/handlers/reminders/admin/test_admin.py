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
    assert len(answers) == 1 and "其他用户" in answers[0]
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


async def test_many_operator_deadlines_are_listed_in_parts(make_harness: HarnessFactory) -> None:
    h = await make_harness(smebot_now=NOW, admin_ids=[ADMIN])
    with h.db.session() as session:
        for day in range(1, 61):  # 60 deadlines with long titles: far beyond one message
            repo.add_custom_deadline(session, title=f"第{day}项" + "省级推荐申报材料报送截止" * 14,
                                     due=date(2026, 5, 1 + day % 28), now=NOW)
    await h.reply(USER, "/subscribe 2022", "已订阅")
    mark = h.api.mark()
    await h.send(USER, "/reminders")
    await h.settle()
    parts = h.messages(USER, after=mark)
    assert len(parts) > 1 and all(len(p.text) <= 4096 for p in parts)
    assert parts[-1].buttons and not any(p.buttons for p in parts[:-1])
    assert sum(p.text.count("第") for p in parts) >= 60
    mark = h.api.mark()
    await h.send(ADMIN, "/admin")
    await h.settle()
    panel = h.messages(ADMIN, after=mark)
    assert len(panel) > 1 and "有效订阅：1" in panel[0].text
    assert any("添加截止日期" in b for b in panel[-1].button_texts)
    # The guided set-up's final summary is long too: edited in place, continued below.
    await h.reply(USER + 1, "/remind", "第 1 步")
    years = await h.reply(USER + 1, "长名单县集群", "第 2 步")
    kinds = await h.click(USER + 1, years, "2022", "第 3 步")
    leads = await h.click(USER + 1, kinds, "下一步", "第 4 步")
    confirm = await h.click(USER + 1, leads, "下一步", "请确认")
    mark = h.api.mark()
    await h.press(USER + 1, confirm, "确认订阅")
    await h.settle()
    done = h.messages(USER + 1, after=mark)
    edited = h.api.message(confirm.chat_id, confirm.message_id)
    assert edited is not None and edited.text.startswith("✅ 已订阅") and not edited.buttons
    assert len(done) >= 1 and all(len(m.text) <= 4096 for m in done)
    assert not any("抱歉" in m.text for m in h.messages(USER + 1))


async def test_an_over_long_one_line_title_is_refused_not_cut(
    make_harness: HarnessFactory,
) -> None:
    h = await make_harness(smebot_now=NOW, admin_ids=[ADMIN])
    reply = await h.reply(ADMIN, "/admin add 2026-07-15 " + "很长的标题" * 50, "1–200")
    assert "已添加" not in reply.text
    with h.db.session() as session:
        assert repo.list_custom_deadlines(session) == []
