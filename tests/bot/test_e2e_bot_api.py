"""The Bot API stand-in itself behaves like Telegram (so the e2e tests can trust it)."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import aiohttp
import pytest

from tests.support.bot_api import BotAPIStandIn


async def call(api: BotAPIStandIn, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
    form = {k: json.dumps(v) if isinstance(v, dict | list) else str(v) for k, v in params.items()}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{api.base_url}/bot{api.token}/{method}", data=form) as response,
    ):
        return response.status, await response.json()


@pytest.fixture
def chat(bot_api: BotAPIStandIn) -> int:
    bot_api.send_message(7, "hello")  # the chat exists once the user wrote
    return 7


async def test_valid_html_is_accepted_and_recorded(bot_api: BotAPIStandIn, chat: int) -> None:
    status, body = await call(bot_api, "sendMessage", chat_id=chat,
                              text="<b>粗</b> &amp; <i>斜</i>", parse_mode="HTML")
    assert status == 200 and body["ok"]
    assert body["result"]["text"] == "粗 & 斜"
    assert bot_api.messages(chat)[0].html == "<b>粗</b> &amp; <i>斜</i>"


@pytest.mark.parametrize(
    "text",
    ["<script>x</script>", "<b>unclosed", "a & b", "<b><i>x</b></i>", "&nbsp;", "1 < 2",
     '<a href="x" onclick="y">z</a>'],
)
async def test_malformed_html_is_rejected_like_telegram(
    bot_api: BotAPIStandIn, chat: int, text: str
) -> None:
    status, body = await call(bot_api, "sendMessage", chat_id=chat, text=text, parse_mode="HTML")
    assert status == 400
    assert body["description"].startswith("Bad Request: can't parse entities")
    assert bot_api.messages(chat) == []


async def test_length_empty_and_callback_data_limits(bot_api: BotAPIStandIn, chat: int) -> None:
    status, body = await call(bot_api, "sendMessage", chat_id=chat, text="字" * 4097)
    assert (status, body["description"]) == (400, "Bad Request: message is too long")
    # 4,096 visible characters are fine even when the markup is longer.
    status, _ = await call(bot_api, "sendMessage", chat_id=chat,
                           text="&amp;" * 4096, parse_mode="HTML")
    assert status == 200
    status, body = await call(bot_api, "sendMessage", chat_id=chat, text="<b> </b>",
                              parse_mode="HTML")
    assert (status, body["description"]) == (400, "Bad Request: message text is empty")
    keyboard = {"inline_keyboard": [[{"text": "x", "callback_data": "é" * 33}]]}
    status, body = await call(bot_api, "sendMessage", chat_id=chat, text="x",
                              reply_markup=keyboard)
    assert (status, body["description"]) == (400, "Bad Request: BUTTON_DATA_INVALID")
    status, body = await call(bot_api, "sendMessage", chat_id=999, text="x")
    assert (status, body["description"]) == (400, "Bad Request: chat not found")


async def test_get_updates_long_polls_and_confirms(bot_api: BotAPIStandIn) -> None:
    started = time.monotonic()
    waiting = asyncio.create_task(call(bot_api, "getUpdates", offset=0, timeout=5))
    await asyncio.sleep(0.2)
    assert not waiting.done()  # really waiting
    bot_api.send_message(5, "/start")
    status, body = await waiting
    assert status == 200 and time.monotonic() - started < 3
    [update] = body["result"]
    assert update["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    # Confirming with offset = last id + 1 empties the queue; timeout=0 returns at once.
    status, body = await call(bot_api, "getUpdates", offset=update["update_id"] + 1, timeout=0)
    assert body["result"] == [] and bot_api.pending_updates == 0
    assert bot_api.confirmed_update_id == update["update_id"]


async def test_injected_errors(bot_api: BotAPIStandIn, chat: int) -> None:
    bot_api.fail_next("sendMessage", 429, retry_after=3)
    bot_api.fail_next("sendMessage", 502, count=1)
    status, body = await call(bot_api, "sendMessage", chat_id=chat, text="x")
    assert status == 429 and body["parameters"] == {"retry_after": 3}
    status, _ = await call(bot_api, "sendMessage", chat_id=chat, text="x")
    assert status == 502
    status, _ = await call(bot_api, "sendMessage", chat_id=chat, text="x")
    assert status == 200
    bot_api.block(chat)
    status, body = await call(bot_api, "sendMessage", chat_id=chat, text="x")
    assert (status, body["description"]) == (403, "Forbidden: bot was blocked by the user")
    assert [r.status for r in bot_api.calls("sendMessage")] == [429, 502, 200, 403]


async def test_press_only_offered_buttons(bot_api: BotAPIStandIn, chat: int) -> None:
    keyboard = {"inline_keyboard": [[{"text": "查看原文", "callback_data": "src:1:0"}]]}
    await call(bot_api, "sendMessage", chat_id=chat, text="answer", reply_markup=keyboard)
    sent = bot_api.messages(chat)[0]
    update = bot_api.press(chat, sent, "查看原文")
    assert update["callback_query"]["data"] == "src:1:0"
    with pytest.raises(LookupError):
        bot_api.press(chat, sent, "👍")
    query_id = update["callback_query"]["id"]
    assert (await call(bot_api, "answerCallbackQuery", callback_query_id=query_id))[0] == 200
    # Telegram refuses a second answer to the same query.
    assert (await call(bot_api, "answerCallbackQuery", callback_query_id=query_id))[0] == 400


async def test_multipart_uploads_and_get_file_through_aiogram(
    bot_api: BotAPIStandIn, chat: int
) -> None:
    from aiogram.types import BufferedInputFile

    from infra.settings import Settings
    from infra.telegram import make_bot

    settings = Settings(telegram_api_base=bot_api.base_url)
    bot = make_bot(settings, token=bot_api.token)
    try:
        sent = await bot.send_document(
            chat, BufferedInputFile(b"%PDF-1.4 report", "报告.pdf"), caption="<b>自评估</b>"
        )
        photo = await bot.send_photo(chat, BufferedInputFile(b"\x89PNG chart", "chart.png"))
        assert sent.document is not None and sent.caption == "自评估"
        recorded = bot_api.messages(chat)
        assert [m.kind for m in recorded] == ["document", "photo"]
        assert recorded[0].file_name == "报告.pdf"
        assert recorded[0].file_bytes == b"%PDF-1.4 report"
        assert photo.photo
        file = await bot.get_file(sent.document.file_id)
        assert file.file_path
        downloaded = await bot.download_file(file.file_path)
        assert downloaded is not None and downloaded.read() == b"%PDF-1.4 report"
    finally:
        await bot.session.close()
