"""The WeCom platform layer against WeCom's published sample and the local stand-in."""

from __future__ import annotations

import asyncio
import base64
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiohttp import web
from wechatpy.enterprise.crypto import WeChatCrypto

from bot.channels.wecom.callback import Inbound, WeComCallback
from bot.channels.wecom.client import WeComClient
from bot.channels.wecom.errors import WeComContentError, WeComRateLimited
from bot.channels.wecom.render import (
    html_to_text,
    keyboard_cards,
    parse_task_id,
    split_text,
    utf8_len,
)
from bot.channels.wecom.settings import ChannelConfigError, WeComSettings
from infra.db import Database
from infra.dedup import DatabaseDeduplicator, MemoryDeduplicator
from tests.support.wecom_api import WeComStandIn, decrypt, encrypt, signature

# WeCom's published sample (developer.work.weixin.qq.com/document/path/90968, and the
# WXBizMsgCrypt samples in every language).
SAMPLE_TOKEN = "QDG6eK"
SAMPLE_CORP_ID = "wx5823bf96d3bd56c7"
SAMPLE_AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
SAMPLE_VERIFY = {
    "msg_signature": "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3",
    "timestamp": "1409659589",
    "nonce": "263014780",
    "echostr": "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7O"
    "aBO+FZXvnaqQ==",
}
SAMPLE_ECHO = "1616140317555161061"
SAMPLE_POST = {
    "msg_signature": "477715d11cdb4164915debcba66cb864d751f3e6",
    "timestamp": "1409659813",
    "nonce": "1372623149",
}
SAMPLE_ENCRYPT = (
    "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3Qczc"
    "dCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLj"
    "vd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMn"
    "vw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k"
    "22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2Yoy"
    "yH2uyPIGHBZZIs2pDBS8R07+qN+E7Q=="
)
SAMPLE_POST_BODY = (
    "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>"
    f"<Encrypt><![CDATA[{SAMPLE_ENCRYPT}]]></Encrypt></xml>"
)


def sample_settings(**extra: Any) -> WeComSettings:
    return WeComSettings(
        wecom_corp_id=SAMPLE_CORP_ID, wecom_agent_id=218, wecom_secret="s",
        wecom_token=SAMPLE_TOKEN, wecom_aes_key=SAMPLE_AES_KEY, **extra,
    )


def test_the_published_sample_verifies_and_decrypts_with_wechatpy() -> None:
    crypto = WeChatCrypto(SAMPLE_TOKEN, SAMPLE_AES_KEY, SAMPLE_CORP_ID)
    echo = crypto.check_signature(SAMPLE_VERIFY["msg_signature"], SAMPLE_VERIFY["timestamp"],
                                  SAMPLE_VERIFY["nonce"], SAMPLE_VERIFY["echostr"])
    assert echo == SAMPLE_ECHO
    # The stand-in's own crypto (written with `cryptography`) reads the same sample.
    assert signature(SAMPLE_TOKEN, SAMPLE_VERIFY["timestamp"], SAMPLE_VERIFY["nonce"],
                     SAMPLE_VERIFY["echostr"]) == SAMPLE_VERIFY["msg_signature"]
    assert decrypt(SAMPLE_VERIFY["echostr"], key=SAMPLE_AES_KEY) == (SAMPLE_ECHO, SAMPLE_CORP_ID)


async def _serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"


@contextlib.asynccontextmanager
async def _stand_in_posting_to(
    handler: Callable[[Inbound], Awaitable[None]],
) -> AsyncIterator[tuple[WeComStandIn, WeComCallback]]:
    """Our callback served on a loopback port, with the WeCom stand-in posting to it."""
    ours = WeComStandIn()
    callback = WeComCallback(
        WeComSettings(wecom_corp_id=ours.corp_id, wecom_agent_id=ours.agent_id,
                      wecom_secret="s", wecom_token=ours.token, wecom_aes_key=ours.aes_key),
        dedup=MemoryDeduplicator(), handler=handler,
    )
    runner, base = await _serve(callback.app())
    await ours.start()
    ours.callback_url = base + "/wecom/callback"
    try:
        yield ours, callback
    finally:
        await runner.cleanup()
        await ours.stop()


@pytest.fixture
async def sample_callback() -> AsyncIterator[tuple[WeComCallback, str, list[Inbound]]]:
    received: list[Inbound] = []

    async def handler(inbound: Inbound) -> None:
        received.append(inbound)

    callback = WeComCallback(sample_settings(), dedup=MemoryDeduplicator(), handler=handler)
    runner, base = await _serve(callback.app())
    try:
        yield callback, base + "/wecom/callback", received
    finally:
        await runner.cleanup()


async def test_callback_answers_the_sample_url_verification_and_decrypts_the_sample_message(
    sample_callback: tuple[WeComCallback, str, list[Inbound]],
) -> None:
    import aiohttp

    callback, url, received = sample_callback
    async with aiohttp.ClientSession() as http:
        async with http.get(url, params=SAMPLE_VERIFY) as response:
            assert response.status == 200
            assert response.content_type == "text/plain"
            assert await response.text() == SAMPLE_ECHO
        async with http.post(url, params=SAMPLE_POST, data=SAMPLE_POST_BODY) as response:
            assert response.status == 200
            assert await response.read() == b""
        # WeCom's retry of the same message: answered, not processed again.
        async with http.post(url, params=SAMPLE_POST, data=SAMPLE_POST_BODY) as response:
            assert response.status == 200
        forged = {**SAMPLE_POST, "msg_signature": "0" * 40}
        async with http.post(url, params=forged, data=SAMPLE_POST_BODY) as response:
            assert response.status == 403
        async with http.get(url, params={**SAMPLE_VERIFY, "nonce": "1"}) as response:
            assert response.status == 403
        async with http.get(url, params={"timestamp": "1"}) as response:
            assert response.status == 400
    await callback.drain()
    assert [(m.kind, m.user_id, m.text, m.msg_id) for m in received] == [
        ("text", "mycreate", "hello", "4561255354251345929")
    ]
    assert callback.stats["duplicate"] == 1 and callback.stats["refused"] == 3


async def test_callback_refuses_another_corp_id_even_with_a_valid_signature() -> None:
    received: list[Inbound] = []

    async def handler(inbound: Inbound) -> None:
        received.append(inbound)

    async with _stand_in_posting_to(handler) as (ours, callback):
        # Encrypted for another corporation (the receive id inside), correctly signed.
        query, body = ours.seal(ours.text_xml("u1", "hi", 1), receive_id="wwsomeoneelse")
        assert (await ours.post_raw(query, body))[0] == 403
        # Signed with another token.
        query, body = ours.seal(ours.text_xml("u1", "hi", 2), token="not-our-token")
        assert (await ours.post_raw(query, body))[0] == 403
        # Another application of ours.
        xml = ours.text_xml("u1", "hi", 3).replace(f"<AgentID>{ours.agent_id}", "<AgentID>9")
        assert (await ours.post_raw(*ours.seal(xml)))[0] == 403
        # And the genuine one goes through.
        assert (await ours.send_text("u1", "hi", msg_id=4))[0] == 200
        status, echo = await ours.verify_url("echo-42")
        assert (status, echo) == (200, "echo-42")
        await callback.drain()
    assert [m.msg_id for m in received] == ["4"]


def test_database_deduplicator_remembers_across_instances(tmp_path: Any) -> None:
    db = Database(f"sqlite:///{tmp_path / 'dedup.sqlite3'}")
    db.create_all()
    first = DatabaseDeduplicator(db)
    assert asyncio.run(first.first_time("wecom", "msg:1"))
    assert not asyncio.run(first.first_time("wecom", "msg:1"))
    assert asyncio.run(first.first_time("feishu", "msg:1"))  # channels do not collide
    db.dispose()
    again = Database(f"sqlite:///{tmp_path / 'dedup.sqlite3'}")  # a restart
    assert not asyncio.run(DatabaseDeduplicator(again).first_time("wecom", "msg:1"))
    again.dispose()


@pytest.fixture
async def standin() -> AsyncIterator[WeComStandIn]:
    server = await WeComStandIn().start()
    try:
        yield server
    finally:
        await server.stop()


def client_for(server: WeComStandIn) -> WeComClient:
    settings = WeComSettings(
        wecom_corp_id=server.corp_id, wecom_agent_id=server.agent_id, wecom_secret=server.secret,
        wecom_token=server.token, wecom_aes_key=server.aes_key, wecom_api_base=server.base_url,
        wecom_retry_base_delay=0.01,
    )
    return WeComClient(settings)


async def test_client_caches_the_token_and_refreshes_it_on_40014_and_42001(
    standin: WeComStandIn,
) -> None:
    client = client_for(standin)
    try:
        await client.send_text("u1", "一")
        await client.send_text("u1", "二")
        assert standin.token_fetches == 1
        standin.expire_tokens()  # 42001 on the next call
        await client.send_text("u1", "三")
        assert standin.token_fetches == 2
        standin._tokens.clear()  # 40014: the server forgot the token
        await client.send_text("u1", "四")
        assert standin.token_fetches == 3
        assert standin.texts("u1") == ["一", "二", "三", "四"]
        assert (("/cgi-bin/message/send", 42001) in standin.calls
                and ("/cgi-bin/message/send", 40014) in standin.calls)
    finally:
        await client.close()


async def test_client_retries_45009_then_gives_up_with_a_typed_error(
    standin: WeComStandIn,
) -> None:
    client = client_for(standin)
    try:
        standin.fail_next("/cgi-bin/message/send", 45009, count=2)
        await client.send_text("u1", "after two rate limits")
        assert standin.texts("u1") == ["after two rate limits"]
        standin.fail_next("/cgi-bin/message/send", 45009, count=4)  # = max attempts
        with pytest.raises(WeComRateLimited):
            await client.send_text("u1", "never")
        with pytest.raises(WeComContentError) as info:
            await client.send_text("u1", "x" * 3000)
        assert info.value.errcode == 40058
    finally:
        await client.close()


async def test_client_uploads_media_sends_cards_and_updates_them(standin: WeComStandIn) -> None:
    client = client_for(standin)
    try:
        png = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+h"
                               "HgAHggJ/PchI7wAAAABJRU5ErkJggg==")
        media_id = await client.upload_media("image", "chart.png", png, "image/png")
        await client.send_image("u1", media_id)
        doc = await client.upload_media("file", "报告.docx", b"PK\x03\x04doc",
                                        "application/octet-stream")
        await client.send_file("u1", doc)
        assert [s.media["filename"] for s in standin.sent if s.media] == ["chart.png", "报告.docx"]
        assert standin.sent[0].media["data"] == png  # type: ignore[index]
        markup = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(
            text=f"选项{i}", callback_data=f"opt:{i}")] for i in range(1, 9)])
        plan = keyboard_cards(markup, message_id=77, title="请选择行业")
        assert [len(card["button_list"]) for card in plan.cards] == [6, 2]
        answers = [await client.send_template_card("u1", card) for card in plan.cards]
        assert all(answer["response_code"] for answer in answers)
        card = standin.cards[plan.cards[1]["task_id"]]
        assert card.key_for("选项8") == "opt:8" and parse_task_id(card.task_id) == 77
        await client.update_button(["u1"], card.response_code, "已选择：选项8")
        assert card.replaced == "已选择：选项8"
        # Seven buttons on one card is refused by WeCom: the renderer never does that.
        too_many = {**plan.cards[0], "task_id": "t7",
                    "button_list": plan.cards[0]["button_list"] + plan.cards[1]["button_list"]}
        with pytest.raises(WeComContentError):
            await client.send_template_card("u1", too_many)
    finally:
        await client.close()


def test_html_becomes_plain_text_with_links_and_quotes_kept() -> None:
    html = ('<b>有效期三年。</b>\n<blockquote>第十五条 …\n第二行</blockquote>\n'
            '详见 <a href="https://www.miit.gov.cn/x?a=1&amp;b=2">工信部通知</a> &lt;原文&gt;')
    assert html_to_text(html) == (
        "有效期三年。\n｜第十五条 …\n｜第二行\n详见 工信部通知（https://www.miit.gov.cn/x?a=1&b=2）"
        " <原文>"
    )


def test_split_text_keeps_every_part_under_2048_bytes_on_sentence_boundaries() -> None:
    sentence = "特色产业集群的认定有效期为三年，期满前需要复核。"  # 25 chars, 75 bytes
    text = sentence * 100
    parts = split_text(text)
    assert len(parts) > 1
    assert all(utf8_len(part) <= 2048 for part in parts)
    assert all(part.endswith("。") for part in parts)
    assert "".join(parts) == text
    # No boundary at all: a hard cut that never splits a character.
    parts = split_text("集" * 1000)
    assert all(utf8_len(part) <= 2048 for part in parts) and "".join(parts) == "集" * 1000


def test_settings_name_the_missing_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("WECOM_CORP_ID", "WECOM_AGENT_ID", "WECOM_SECRET", "WECOM_TOKEN",
                 "WECOM_AES_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WECOM_CORP_ID", "ww1")
    monkeypatch.setenv("WECOM_SECRET", "s")
    with pytest.raises(ChannelConfigError, match="WECOM_AGENT_ID, WECOM_TOKEN, WECOM_AES_KEY"):
        WeComSettings().require()
    settings = WeComSettings()
    assert (settings.wecom_api_base, settings.wecom_callback_host, settings.wecom_callback_port,
            settings.wecom_callback_path) == ("https://qyapi.weixin.qq.com", "0.0.0.0", 8090,
                                              "/wecom/callback")
    monkeypatch.setenv("WECOM_AGENT_ID", "1000002")
    monkeypatch.setenv("WECOM_TOKEN", "t")
    monkeypatch.setenv("WECOM_AES_KEY", "short")
    with pytest.raises(ChannelConfigError, match="43-character"):
        WeComSettings().require()


def test_the_stand_in_encrypts_what_wechatpy_decrypts() -> None:
    standin = WeComStandIn()
    crypto = WeChatCrypto(standin.token, standin.aes_key, standin.corp_id)
    query, body = standin.seal(standin.text_xml("u9", "你好", 5))
    xml = crypto.decrypt_message(body, query["msg_signature"], query["timestamp"], query["nonce"])
    assert "你好" in xml and "<MsgId>5</MsgId>" in xml
    assert encrypt("x", key=standin.aes_key, receive_id="c") != encrypt(
        "x", key=standin.aes_key, receive_id="c")  # random prefix


async def test_a_callback_whose_handling_failed_is_handled_on_retry() -> None:
    """The de-dup mark is released when handling raises: WeCom's retry is processed once."""
    received: list[Inbound] = []
    failures = [RuntimeError("database down")]

    async def handler(inbound: Inbound) -> None:
        if failures:
            raise failures.pop()
        received.append(inbound)

    async with _stand_in_posting_to(handler) as (ours, callback):
        assert (await ours.send_text("u1", "重试", msg_id=77))[0] == 200
        await callback.drain()
        assert callback.stats["failed"] == 1 and received == []
        assert (await ours.send_text("u1", "重试", msg_id=77))[0] == 200  # the retry
        await callback.drain()
        assert (await ours.send_text("u1", "重试", msg_id=77))[0] == 200  # handled: a duplicate
        await callback.drain()
    assert [m.msg_id for m in received] == ["77"]
    assert callback.stats["duplicate"] == 1
