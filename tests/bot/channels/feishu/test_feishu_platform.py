"""Feishu platform layer against the local stand-in: real HTTP, real AES, the real SDK."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.channels.config import ChannelConfigError
from bot.channels.feishu.api import FeishuApi, FeishuApiError
from bot.channels.feishu.render import render_cards
from bot.channels.feishu.settings import load_feishu_settings
from bot.channels.feishu.transport import FeishuEventRouter, FeishuHttpCallback
from bot.channels.inbound import InboundAction, InboundEvent, InboundMessage
from infra.db import Database
from infra.dedup import DatabaseDeduplicator, MemoryDeduplicator
from tests.support.feishu_api import (
    APP_ID,
    APP_SECRET,
    ENCRYPT_KEY,
    VERIFICATION_TOKEN,
    FeishuStandIn,
)

KEYBOARD = InlineKeyboardMarkup(inline_keyboard=[
    [InlineKeyboardButton(text="是", callback_data="as:yes:1"),
     InlineKeyboardButton(text="否", callback_data="as:no:1")],
    [InlineKeyboardButton(text="跳过", callback_data="as:skip:1")],
])


@pytest.fixture
async def feishu() -> AsyncIterator[FeishuStandIn]:
    stand_in = await FeishuStandIn().start()
    yield stand_in
    await stand_in.stop()


def settings_for(stand_in: FeishuStandIn, **extra: object):
    return load_feishu_settings(
        app_id=APP_ID, app_secret=APP_SECRET, encrypt_key=ENCRYPT_KEY,
        verification_token=VERIFICATION_TOKEN, mode="http", api_base=stand_in.base_url,
        callback_host="127.0.0.1", callback_port=0, **extra)


def test_missing_settings_are_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FEISHU_APP_ID", "cli_x")
    with pytest.raises(ChannelConfigError, match="FEISHU_APP_SECRET"):
        load_feishu_settings()
    monkeypatch.setenv("FEISHU_APP_SECRET", "s")
    monkeypatch.setenv("FEISHU_MODE", "http")
    with pytest.raises(ChannelConfigError, match="FEISHU_ENCRYPT_KEY, FEISHU_VERIFICATION_TOKEN"):
        load_feishu_settings()
    monkeypatch.setenv("FEISHU_MODE", "ws")
    settings = load_feishu_settings()
    assert settings.api_base == "https://open.feishu.cn"
    assert (settings.callback_host, settings.callback_port, settings.callback_path) == (
        "0.0.0.0", 8091, "/feishu/events")


def test_cards_carry_markdown_and_callback_data() -> None:
    cards = render_cards("<b>问题 1/8</b>\n是否有重大事故？<i>2*3</i> &lt;x&gt;", KEYBOARD)
    assert len(cards) == 1
    elements = cards[0]["elements"]
    assert elements[0]["content"] == "**问题 1/8**\n是否有重大事故？*2&#42;3* &lt;x&gt;"
    assert [[a["value"]["data"] for a in e["actions"]] for e in elements[1:]] == [
        ["as:yes:1", "as:no:1"], ["as:skip:1"]]
    long_cards = render_cards("段落。" * 5000, KEYBOARD)
    assert len(long_cards) > 1 and all(len(c["elements"][0]["content"]) <= 7000
                                       for c in long_cards)
    assert "actions" not in str(long_cards[0]) and "actions" in str(long_cards[-1])


async def test_api_sends_patches_and_uploads(feishu: FeishuStandIn) -> None:
    api = FeishuApi(settings_for(feishu))
    [card] = render_cards("<b>答</b>", KEYBOARD)
    message_id = await api.send_card("oc_chat", card)
    sent = feishu.messages[message_id]
    assert sent.receive_id == "oc_chat" and sent.msg_type == "interactive"
    assert sent.text == "**答**"
    [edited] = render_cards("已更新")
    await api.update_card(message_id, edited)
    assert sent.text == "已更新" and len(sent.history) == 1
    image_id = await api.send_image("oc_chat", b"\x89PNG fake")
    report_id = await api.send_file("oc_chat", b"<html></html>", "report.html")
    image_key = feishu.messages[image_id].content["image_key"]
    file_key = feishu.messages[report_id].content["file_key"]
    assert feishu.uploads[image_key]["bytes"] == b"\x89PNG fake"
    assert feishu.uploads[file_key]["form"] == {"file_type": "stream", "file_name": "report.html"}


async def test_api_retries_rate_limit_and_expired_token(feishu: FeishuStandIn) -> None:
    api = FeishuApi(settings_for(feishu), backoff=0.01)
    feishu.fail_next("/im/v1/messages", 99991400, count=2)
    message_id = await api.send("ou_1", "text", {"text": "hi"}, id_type="open_id")
    assert feishu.messages[message_id].text == "hi"
    feishu.tokens.clear()  # every token the bot holds is now expired
    await api.send("ou_1", "text", {"text": "again"}, id_type="open_id")
    assert sum(1 for r in feishu.requests if "tenant_access_token" in r["path"]) == 2
    feishu.fail_next("/im/v1/messages", 230001, count=1)
    with pytest.raises(FeishuApiError, match="230001"):
        await api.send("ou_1", "text", {"text": "bad"}, id_type="open_id")


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


async def start_callback(feishu: FeishuStandIn, dedup: object) -> tuple[FeishuHttpCallback, Sink,
                                                                        str]:
    sink = Sink()
    settings = settings_for(feishu)
    callback = FeishuHttpCallback(FeishuEventRouter(settings, sink, dedup))  # type: ignore[arg-type]
    await callback.start()
    return callback, sink, f"http://127.0.0.1:{callback.port}{settings.callback_path}"


async def test_http_callback_challenge_events_and_forgeries(feishu: FeishuStandIn) -> None:
    callback, sink, url = await start_callback(feishu, MemoryDeduplicator())
    try:
        status, answer = await feishu.url_verification(url)
        assert status == 200 and answer["challenge"] == answer["_sent_challenge"]
        status, _ = await feishu.url_verification(url, token="not-our-token")
        assert status >= 400

        event = feishu.message_event("ou_alice", "集群有效期多久？")
        assert (await feishu.post_event(url, event))[0] == 200
        await sink.wait(1)
        message = sink.events[0]
        assert isinstance(message, InboundMessage)
        assert (message.user_id, message.chat_type, message.text) == (
            "ou_alice", "private", "集群有效期多久？")

        group = feishu.message_event("ou_bob", "年报哪天截止", chat_id="oc_group",
                                     chat_type="group", mention=True)
        assert (await feishu.post_event(url, group))[0] == 200
        unmentioned = feishu.message_event("ou_bob", "闲聊", chat_id="oc_group",
                                           chat_type="group")
        assert (await feishu.post_event(url, unmentioned))[0] == 200
        await sink.wait(2)
        assert sink.events[1].text == "年报哪天截止" and sink.events[1].chat_type == "group"

        forged = [
            {"sign_key": "wrong-key"},  # signature not made with our Encrypt Key
            {"encrypt_key": "wrong-key", "sign_key": "wrong-key"},  # cannot be decrypted
            {"timestamp": int(time.time()) - 3600},  # a replay an hour later
        ]
        for forgery in forged:
            status, _ = await feishu.post_event(
                url, feishu.message_event("ou_mallory", "伪造"), **forgery)
            assert status >= 400, forgery
        wrong_token = feishu.message_event("ou_mallory", "伪造", token="other-token")
        assert (await feishu.post_event(url, wrong_token))[0] >= 400

        duplicate = feishu.message_event("ou_alice", "重复", event_id="ev-dup")
        for _ in range(3):
            assert (await feishu.post_event(url, duplicate))[0] == 200
        await sink.wait(3)
        await asyncio.sleep(0.2)
        assert [e.text for e in sink.events] == ["集群有效期多久？", "年报哪天截止", "重复"]
    finally:
        await callback.stop()


async def test_card_action_becomes_inbound_action(feishu: FeishuStandIn) -> None:
    api = FeishuApi(settings_for(feishu))
    [card] = render_cards("问题", KEYBOARD)
    sent = feishu.messages[await api.send_card("oc_p2p_ou_alice", card)]
    callback, sink, url = await start_callback(feishu, MemoryDeduplicator())
    try:
        status, _ = await feishu.post_event(url, feishu.card_action_event("ou_alice", sent, "否"))
        assert status == 200
        await sink.wait(1)
        action = sink.events[0]
        assert isinstance(action, InboundAction)
        assert (action.user_id, action.message_id, action.data) == (
            "ou_alice", sent.message_id, "as:no:1")
    finally:
        await callback.stop()


def _dedup_db(url: str) -> Database:
    db = Database(url)
    db.create_all()  # the dedup_keys table (registered by infra.dedup)
    return db


async def test_event_ids_survive_a_restart(feishu: FeishuStandIn, tmp_path: Path) -> None:
    url_db = f"sqlite:///{tmp_path / 'seen.sqlite3'}"
    event = feishu.message_event("ou_alice", "问一次", event_id="ev-restart")
    for _ in range(2):  # two "processes" on the same database
        callback, sink, url = await start_callback(feishu, DatabaseDeduplicator(_dedup_db(url_db)))
        try:
            assert (await feishu.post_event(url, event))[0] == 200
            await asyncio.sleep(0.3)
            await callback.router.drain()
        finally:
            await callback.stop()
        seen = len(sink.events)
        if _ == 0:
            assert seen == 1
        else:
            assert seen == 0


async def test_long_connection_receives_protobuf_frames(feishu: FeishuStandIn) -> None:
    from bot.channels.feishu.transport import FeishuLongConnection

    sink = Sink()
    settings = load_feishu_settings(app_id=APP_ID, app_secret=APP_SECRET, mode="ws",
                                    api_base=feishu.base_url)
    connection = FeishuLongConnection(FeishuEventRouter(settings, sink, MemoryDeduplicator()))
    await connection.start()
    try:
        await feishu.long_connection.wait_connected()
        event = feishu.message_event("ou_carol", "长连接里的问题", event_id="ev-ws-1")
        frame_id = await feishu.long_connection.push_event(event)
        assert (await feishu.long_connection.wait_answer(frame_id))["code"] == 200
        again = await feishu.long_connection.push_event(event)  # a redelivery
        await feishu.long_connection.wait_answer(again)
        await sink.wait(1)
        await asyncio.sleep(0.2)
        assert [(e.user_id, e.text) for e in sink.events] == [("ou_carol", "长连接里的问题")]
    finally:
        await connection.stop()
    assert connection.thread is None and not feishu.long_connection.connections


async def test_an_event_whose_handling_failed_is_handled_on_redelivery(
    feishu: FeishuStandIn,
) -> None:
    """The de-dup mark is released when handling raises: Feishu's redelivery is not dropped."""
    dedup = MemoryDeduplicator()
    callback, sink, url = await start_callback(feishu, dedup)
    failures = [RuntimeError("database down")]
    handled = sink.__call__

    async def flaky(event: InboundEvent) -> None:
        if failures:
            raise failures.pop()
        await handled(event)

    callback.router.sink = flaky
    try:
        event = feishu.message_event("ou_alice", "重试", event_id="ev-retry")
        assert (await feishu.post_event(url, event))[0] == 200
        await callback.router.drain()
        assert not failures and sink.events == []
        assert (await feishu.post_event(url, event))[0] == 200  # Feishu redelivers
        await sink.wait(1)
        assert (await feishu.post_event(url, event))[0] == 200  # handled once: a duplicate now
        await asyncio.sleep(0.2)
        assert [e.text for e in sink.events] == ["重试"]
    finally:
        await callback.stop()
