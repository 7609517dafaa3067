"""DingTalk platform layer against the local stand-in: real HTTP, real websocket, the real SDK
frame handling and ACKs."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.channels.config import ChannelConfigError
from bot.channels.dingtalk.api import DingTalkApi, DingTalkApiError, Target
from bot.channels.dingtalk.render import build_card, markdown_message, markdown_parts
from bot.channels.dingtalk.settings import DingTalkSettings, load_dingtalk_settings
from bot.channels.dingtalk.stream import SmebotStreamClient
from bot.channels.inbound import InboundAction, InboundEvent, InboundMessage
from infra.dedup import MemoryDeduplicator
from tests.support.dingtalk_api import CLIENT_ID, CLIENT_SECRET, ROBOT_CODE, DingTalkStandIn

KEYBOARD = InlineKeyboardMarkup(inline_keyboard=[
    [InlineKeyboardButton(text="是", callback_data="as:yes:1"),
     InlineKeyboardButton(text="否", callback_data="as:no:1")],
])


@pytest.fixture
async def dingtalk() -> AsyncIterator[DingTalkStandIn]:
    stand_in = await DingTalkStandIn().start()
    yield stand_in
    await stand_in.stop()


def settings_for(stand_in: DingTalkStandIn, **extra: object) -> DingTalkSettings:
    values: dict[str, object] = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                                 "robot_code": ROBOT_CODE, "api_base": stand_in.base_url}
    values.update(extra)
    return load_dingtalk_settings(**values)


def test_missing_settings_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DINGTALK_CLIENT_ID", "ding1")
    monkeypatch.setenv("DINGTALK_CLIENT_SECRET", "s")
    with pytest.raises(ChannelConfigError, match="DINGTALK_ROBOT_CODE"):
        load_dingtalk_settings()
    monkeypatch.setenv("DINGTALK_ROBOT_CODE", "ding1")
    settings = load_dingtalk_settings()
    assert settings.api_origin == "https://api.dingtalk.com"
    assert settings.oapi_origin == "https://oapi.dingtalk.com"


def test_rendering_markdown_and_cards() -> None:
    [text] = markdown_parts("<b>结论</b>：有效期三年。<i>注</i> a*b <blockquote>原文</blockquote>")
    assert text == "**结论**：有效期三年。注 a\\*b > 原文"
    assert markdown_message(text)["title"] == "结论：有效期三年。注 ab  原文"[:20]
    card = build_card(text, KEYBOARD)
    ids = [a["id"] for c in card["contents"] if c["type"] == "action" for a in c["actions"]]
    assert ids == ["cb|as:yes:1", "cb|as:no:1"]
    assert len(markdown_parts("句子。" * 3000)) > 1


async def test_api_replies_sends_cards_and_media(dingtalk: DingTalkStandIn) -> None:
    api = DingTalkApi(settings_for(dingtalk), backoff=0.01)
    try:
        data = dingtalk.robot_message("staff1", "你好")
        await api.reply_webhook(data["sessionWebhook"],
                                {"msgtype": "markdown", "markdown": markdown_message("**答**")})
        await api.send(Target("staff1", group=False), "sampleMarkdown",
                       markdown_message("提醒：年报"))
        await api.send(Target("cidGroup1", group=True), "sampleText", {"content": "群"})
        card_id = await api.send_card(Target("staff1", group=False), build_card("问", KEYBOARD))
        await api.update_card(card_id, build_card("已答", None))
        media_id = await api.upload_media(b"\x89PNG", "chart.png", "image")
        await api.send(Target("staff1", group=False), "sampleImageMsg", {"photoURL": media_id})
        seen = [(o.via, o.chat_id, o.kind, o.text[:20]) for o in dingtalk.outbox]
        assert seen[:3] == [("webhook", "staff1", "markdown", "**答**"),
                            ("user", "staff1", "sampleMarkdown", "提醒：年报"),
                            ("group", "cidGroup1", "sampleText", "群")]
        card = next(o for o in dingtalk.outbox if o.card_biz_id == card_id)
        assert card.text == "已答" and len(card.history) == 1
        assert dingtalk.media[media_id]["bytes"] == b"\x89PNG"
        # one token for all of it
        assert sum(1 for r in dingtalk.requests if r["path"].endswith("accessToken")) == 1
    finally:
        await api.close()


async def test_api_retries_throttling_and_expired_token(dingtalk: DingTalkStandIn) -> None:
    api = DingTalkApi(settings_for(dingtalk), backoff=0.01)
    try:
        dingtalk.fail_next("batchSend", 429, "Throttling.Api", count=2)
        await api.send(Target("staff1", group=False), "sampleText", {"content": "a"})
        dingtalk.tokens.clear()
        await api.send(Target("staff1", group=False), "sampleText", {"content": "b"})
        assert [o.text for o in dingtalk.outbox] == ["a", "b"]
        dingtalk.fail_next("batchSend", 400, "param.invalid", count=1)
        with pytest.raises(DingTalkApiError, match=r"param\.invalid"):
            await api.send(Target("staff1", group=False), "sampleText", {"content": "c"})
    finally:
        await api.close()


class Sink:
    def __init__(self) -> None:
        self.events: list[InboundEvent] = []
        self.changed = asyncio.Event()

    async def __call__(self, event: InboundEvent) -> None:
        self.events.append(event)
        self.changed.set()

    async def wait(self, count: int, within: float = 5.0) -> None:
        deadline = time.monotonic() + within
        while len(self.events) < count:
            self.changed.clear()
            await asyncio.wait_for(self.changed.wait(), max(0.01, deadline - time.monotonic()))


async def test_stream_receives_acks_and_deduplicates(dingtalk: DingTalkStandIn) -> None:
    sink = Sink()
    client = SmebotStreamClient(settings_for(dingtalk), sink, MemoryDeduplicator(),
                                locate_card=lambda card: ("cidGroup1", True) if card == "known"
                                else None)
    runner = asyncio.create_task(client.start())
    try:
        await dingtalk.wait_connected()
        opened = dingtalk.open_requests[0]
        assert {s["topic"] for s in opened["subscriptions"]} == {
            "/v1.0/im/bot/messages/get", "/v1.0/card/instances/callback"}
        frame, data = await dingtalk.push_robot_message("staff1", "集群有效期多久？")
        assert (await dingtalk.wait_ack(frame))["code"] == 200
        await sink.wait(1)
        message = sink.events[0]
        assert isinstance(message, InboundMessage)
        assert (message.user_id, message.chat_id, message.chat_type, message.text) == (
            "staff1", "staff1", "private", "集群有效期多久？")
        assert message.reply_context["session_webhook"] == data["sessionWebhook"]

        again = await dingtalk.redeliver(data)  # same msgId, new frame: ACKed, not processed
        await dingtalk.wait_ack(again)
        await dingtalk.push_robot_message("staff2", "年报截止", group_id="cidGroup1")
        await sink.wait(2)
        await asyncio.sleep(0.2)
        assert [e.text for e in sink.events] == ["集群有效期多久？", "年报截止"]
        assert sink.events[1].chat_id == "cidGroup1" and sink.events[1].chat_type == "group"

        from tests.support.dingtalk_api import Outgoing

        card = Outgoing("group", "cidGroup1", "card", build_card("问", KEYBOARD), "known")
        click = await dingtalk.push_card_click("staff2", card, "否")
        await dingtalk.wait_ack(click)
        await sink.wait(3)
        action = sink.events[2]
        assert isinstance(action, InboundAction)
        assert (action.data, action.chat_id, action.chat_type, action.message_id) == (
            "as:no:1", "cidGroup1", "group", "known")
        assert set(dingtalk.acks) == {f["headers"]["messageId"] for f in dingtalk.frames}
    finally:
        await client.stop()
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)


async def test_stream_refused_with_wrong_secret(dingtalk: DingTalkStandIn) -> None:
    client = SmebotStreamClient(settings_for(dingtalk, client_secret="wrong"), Sink(),
                                MemoryDeduplicator())
    assert await client.open_connection_async() is None
    assert not dingtalk.tickets


async def test_a_message_whose_handling_failed_is_handled_on_redelivery(
    dingtalk: DingTalkStandIn,
) -> None:
    """The de-dup mark is released when handling raises: DingTalk's redelivery is processed."""
    sink = Sink()
    failures = [RuntimeError("database down")]

    async def flaky(event: InboundEvent) -> None:
        if failures:
            raise failures.pop()
        await sink(event)

    client = SmebotStreamClient(settings_for(dingtalk), flaky, MemoryDeduplicator(),
                                locate_card=lambda _card: None)
    runner = asyncio.create_task(client.start())
    try:
        await dingtalk.wait_connected()
        frame, data = await dingtalk.push_robot_message("staff1", "重试")
        await dingtalk.wait_ack(frame)
        while client.tasks or failures:  # noqa: ASYNC110  (waiting for the failed handling)
            await asyncio.sleep(0.01)
        assert sink.events == []
        await dingtalk.wait_ack(await dingtalk.redeliver(data))
        await sink.wait(1)
        await dingtalk.wait_ack(await dingtalk.redeliver(data))  # handled: a duplicate now
        await asyncio.sleep(0.2)
        assert [e.text for e in sink.events] == ["重试"]
    finally:
        await client.stop()
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)
