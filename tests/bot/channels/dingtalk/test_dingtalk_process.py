"""`smebot run --channel dingtalk --channel feishu` as its own process: it opens a Stream
connection to the DingTalk stand-in and answers through sessionWebhooks, cards and the robot
APIs; in the same process Feishu's long connection (`FEISHU_MODE=ws`) serves the Feishu
stand-in's protobuf frames."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from tests.support.channel_process import smebot_run
from tests.support.dingtalk_api import (
    CLIENT_ID,
    CLIENT_SECRET,
    ROBOT_CODE,
    DingTalkStandIn,
    Outgoing,
)
from tests.support.feishu_api import APP_ID, APP_SECRET, FeishuStandIn

pytestmark = pytest.mark.e2e

USER = "staff-e2e-01"
# 30 days before the 2026 annual report (due 2026-04-30) at the reminder hour: a batch-2023
# subscription made now is due at once.
NOW = "2026-03-31T09:00:00+08:00"


async def click(dingtalk: DingTalkStandIn, card: Outgoing, button: str, expect: str) -> Outgoing:
    mark = dingtalk.mark()
    await dingtalk.wait_ack(await dingtalk.push_card_click(USER, card, button))
    return await dingtalk.wait_for(lambda o: expect in o.text and bool(o.buttons), after=mark,
                                   timeout=90)


async def say(dingtalk: DingTalkStandIn, text: str, **kwargs: Any) -> tuple[int, dict[str, Any]]:
    mark = dingtalk.mark()
    frame, data = await dingtalk.push_robot_message(USER, text, **kwargs)
    assert (await dingtalk.wait_ack(frame))["code"] == 200
    return mark, data


async def test_dingtalk_channel_end_to_end(real_answerer: Any, answerer_data_dir: Path,
                                           tmp_path: Path) -> None:
    dingtalk = await DingTalkStandIn().start()
    feishu = await FeishuStandIn().start()
    env = {"DINGTALK_CLIENT_ID": CLIENT_ID, "DINGTALK_CLIENT_SECRET": CLIENT_SECRET,
           "DINGTALK_ROBOT_CODE": ROBOT_CODE, "DINGTALK_API_BASE": dingtalk.base_url,
           "FEISHU_APP_ID": APP_ID, "FEISHU_APP_SECRET": APP_SECRET, "FEISHU_MODE": "ws",
           "FEISHU_API_BASE": feishu.base_url,
           "DATABASE_URL": f"sqlite:///{tmp_path / 'dingtalk.sqlite3'}", "SMEBOT_NOW": NOW,
           "REMINDER_POLL_SECONDS": "0.5"}

    async def ready() -> bool:
        return bool(dingtalk.connections) and bool(feishu.long_connection.connections)

    try:
        async with smebot_run(["dingtalk", "feishu"], env, data_dir=answerer_data_dir,
                              work_dir=tmp_path, ready=ready):
            opened = dingtalk.open_requests[-1]
            assert opened["clientId"] == CLIENT_ID
            assert {s["topic"] for s in opened["subscriptions"]} >= {"/v1.0/im/bot/messages/get"}

            # A question, answered with its citation through the message's sessionWebhook.
            mark, data = await say(dingtalk, "集群的有效期是多长时间？")
            answer = await dingtalk.wait_for(lambda o: "第十五条" in o.text, after=mark,
                                             timeout=90)
            assert (answer.via, answer.chat_id, answer.kind) == ("webhook", USER, "markdown")
            assert "三年" in answer.text and "<b>" not in answer.text
            buttons = await dingtalk.wait_for(lambda o: o.kind == "card", after=mark)
            assert buttons.text == "👇" and buttons.buttons  # the answer's buttons, below it

            # The same message redelivered (same msgId, new frame) is ACKed and handled once.
            mark = dingtalk.mark()
            await dingtalk.wait_ack(await dingtalk.redeliver(data))
            await asyncio.sleep(2)
            assert dingtalk.mark() == mark

            # /assess by card clicks, to the end: result, chart and report as robot messages.
            mark, _ = await say(dingtalk, "/assess")
            menu = await dingtalk.wait_for(lambda o: "选择认定标准" in o.text, after=mark)
            assert menu.via == "webhook"  # a reply: the text by the sessionWebhook …
            screen = await dingtalk.wait_for(lambda o: o.kind == "card" and bool(o.buttons),
                                             after=mark)  # … its buttons on a card
            assert screen.via == "user" and "全国（2022年版）" in str(screen.buttons)
            screen = await click(dingtalk, screen, "全国（2022年版）", "第 2/10 步")
            while "核对答案" not in screen.text:
                screen = await click(dingtalk, screen, "跳过", "步")
            mark = dingtalk.mark()
            await dingtalk.wait_ack(await dingtalk.push_card_click(USER, screen, "完成评估"))
            await dingtalk.wait_for(lambda o: "自评结果" in o.text, after=mark, timeout=90)
            image = await dingtalk.wait_for(lambda o: o.kind == "sampleImageMsg", after=mark,
                                            timeout=90)
            report = await dingtalk.wait_for(lambda o: o.kind == "sampleFile", after=mark,
                                             timeout=90)
            assert dingtalk.media[image.payload["photoURL"]]["bytes"].startswith(b"\x89PNG")
            assert report.payload["fileName"].endswith(".docx") and report.chat_id == USER
            assert dingtalk.media[report.payload["mediaId"]]["bytes"].startswith(b"PK")

            # A reminder, delivered proactively (oToMessages/batchSend) by the scheduler.
            await say(dingtalk, "/cancel")
            mark, _ = await say(dingtalk, "/subscribe 2023")
            await dingtalk.wait_for(lambda o: "已订阅" in o.text, after=mark)
            reminder = await dingtalk.wait_for(lambda o: "截止日期提醒" in o.text, after=mark,
                                               timeout=90)
            assert "2026-04-30" in reminder.text
            assert (reminder.via, reminder.chat_id) == ("user", USER)  # proactive: batchSend

            # /forget, confirmed on its card.
            mark, _ = await say(dingtalk, "/forget")
            await dingtalk.wait_for(lambda o: "无法撤销" in o.text, after=mark)
            confirm = await dingtalk.wait_for(lambda o: o.kind == "card", after=mark)
            mark = dingtalk.mark()
            await dingtalk.wait_ack(await dingtalk.push_card_click(USER, confirm, "确认删除"))
            await dingtalk.wait_for(lambda o: "已删除您的全部数据" in o.text, after=mark)

            # The Feishu channel in the same process, by its long connection.
            event = feishu.message_event("ou_ws_user", "年报什么时候截止？")
            frame = await feishu.long_connection.push_event(event)
            assert (await feishu.long_connection.wait_answer(frame))["code"] == 200
            reply = await feishu.wait_for(lambda m: "4月30日" in m.text or "4 月 30 日" in m.text,
                                          timeout=90)
            assert reply.receive_id == "ou_ws_user" and "第十六条" in reply.text
    finally:
        await dingtalk.stop()
        await feishu.stop()
    assert set(dingtalk.acks) == {f["headers"]["messageId"] for f in dingtalk.frames}
    assert sum(1 for r in dingtalk.requests if r["path"].endswith("accessToken")) == 1
