"""`smebot run --channel feishu` (HTTP event subscription) as its own process against the
Feishu stand-in: challenge, encrypted events, cards and clicks, uploads, a reminder, /forget."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from tests.support.channel_process import free_port, smebot_run
from tests.support.feishu_api import (
    APP_ID,
    APP_SECRET,
    ENCRYPT_KEY,
    VERIFICATION_TOKEN,
    FeishuStandIn,
    SentMessage,
)

pytestmark = pytest.mark.e2e

USER = "ou_e2e_alice"
# 30 days before the 2026 annual report (due 2026-04-30) at the reminder hour: a batch-2023
# subscription made now is due at once.
NOW = "2026-03-31T09:00:00+08:00"


async def click(feishu: FeishuStandIn, url: str, card: SentMessage, button: str,
                expect: str) -> SentMessage:
    mark = feishu.mark()
    status, _ = await feishu.post_event(url, feishu.card_action_event(USER, card, button))
    assert status == 200
    return await feishu.wait_for(lambda m: expect in m.text and bool(m.buttons), after=mark,
                                 timeout=90)


async def say(feishu: FeishuStandIn, url: str, text: str, **kwargs: Any) -> int:
    mark = feishu.mark()
    status, _ = await feishu.post_event(url, feishu.message_event(USER, text, **kwargs))
    assert status == 200
    return mark


async def test_feishu_channel_end_to_end(real_answerer: Any, answerer_data_dir: Path,
                                         tmp_path: Path) -> None:
    feishu = await FeishuStandIn().start()
    port = free_port()
    url = f"http://127.0.0.1:{port}/feishu/events"
    env = {"FEISHU_APP_ID": APP_ID, "FEISHU_APP_SECRET": APP_SECRET,
           "FEISHU_ENCRYPT_KEY": ENCRYPT_KEY, "FEISHU_VERIFICATION_TOKEN": VERIFICATION_TOKEN,
           "FEISHU_MODE": "http", "FEISHU_API_BASE": feishu.base_url,
           "FEISHU_CALLBACK_HOST": "127.0.0.1", "FEISHU_CALLBACK_PORT": str(port),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'feishu.sqlite3'}", "SMEBOT_NOW": NOW,
           "REMINDER_POLL_SECONDS": "0.5"}

    async def ready() -> bool:
        status, answer = await feishu.url_verification(url)
        return status == 200 and answer.get("challenge") == answer["_sent_challenge"]

    try:
        async with smebot_run(["feishu"], env, data_dir=answerer_data_dir, work_dir=tmp_path,
                              ready=ready):
            # The challenge, encrypted with the Encrypt Key, answered in plain JSON.
            status, answer = await feishu.url_verification(url)
            assert status == 200 and answer["challenge"] == answer["_sent_challenge"]

            # An encrypted question, answered with its citation through message.create.
            mark = await say(feishu, url, "集群的有效期是多长时间？")
            reply = await feishu.wait_for(lambda m: "第十五条" in m.text, after=mark, timeout=90)
            assert "三年" in reply.text and reply.receive_id == USER
            assert "<b>" not in reply.text and reply.msg_type == "interactive"

            # The same event_id delivered three times (Feishu's retries) is handled once.
            mark = feishu.mark()
            duplicate = feishu.message_event(USER, "/help", event_id="ev-e2e-help")
            for _ in range(3):
                assert (await feishu.post_event(url, duplicate))[0] == 200
            await feishu.wait_for(lambda m: "/assess" in m.text, after=mark)
            await asyncio.sleep(1.5)
            assert len([m for m in feishu.sent(USER) if m.seq > mark]) == 1

            # Forged events are refused and nothing is sent.
            mark = feishu.mark()
            forged = feishu.message_event(USER, "/start")
            assert (await feishu.post_event(url, forged, sign_key="forged"))[0] >= 400
            assert (await feishu.post_event(
                url, feishu.message_event(USER, "/start", token="forged")))[0] >= 400
            await asyncio.sleep(1.5)
            assert feishu.mark() == mark

            # /assess by card clicks, to the end: result, chart (image) and report (file).
            mark = await say(feishu, url, "/assess")
            screen = await feishu.wait_for(lambda m: "选择认定标准" in m.text, after=mark)
            screen = await click(feishu, url, screen, "全国（2022年版）", "第 2/10 步")
            while "核对答案" not in screen.text:
                screen = await click(feishu, url, screen, "跳过", "步")
            mark = feishu.mark()
            await feishu.post_event(url, feishu.card_action_event(USER, screen, "完成评估"))
            await feishu.wait_for(lambda m: "自评结果" in m.text, after=mark, timeout=90)
            image = await feishu.wait_for(lambda m: m.msg_type == "image", after=mark,
                                          timeout=90)
            report = await feishu.wait_for(lambda m: m.msg_type == "file", after=mark,
                                           timeout=90)
            assert feishu.uploads[image.content["image_key"]]["bytes"].startswith(b"\x89PNG")
            upload = feishu.uploads[report.content["file_key"]]
            assert upload["form"]["file_name"].endswith(".docx")
            assert upload["bytes"].startswith(b"PK")  # a Word file is a zip

            # A reminder, delivered to the Feishu user by the scheduler.
            await say(feishu, url, "/cancel")
            mark = await say(feishu, url, "/subscribe 2023")
            await feishu.wait_for(lambda m: "已订阅" in m.text, after=mark)
            reminder = await feishu.wait_for(lambda m: "截止日期提醒" in m.text, after=mark,
                                             timeout=90)
            assert "2026-04-30" in reminder.text and reminder.receive_id == USER

            # /forget, confirmed on its card.
            mark = await say(feishu, url, "/forget")
            confirm = await feishu.wait_for(lambda m: "无法撤销" in m.text, after=mark)
            mark = feishu.mark()
            await feishu.post_event(url, feishu.card_action_event(USER, confirm, "确认删除"))
            await feishu.wait_for(lambda m: "已删除您的全部数据" in m.text, after=mark)
    finally:
        await feishu.stop()
    token_calls = [r for r in feishu.requests if "tenant_access_token" in r["path"]]
    assert len(token_calls) == 1  # one cached tenant_access_token for the whole run
