"""`smebot run --channel wecom --channel telegram` as its own process against the WeCom and
Bot API stand-ins: two channels, one dispatcher, one process.

The process is configured with WeCom's published sample credentials (token, corp id,
EncodingAESKey), so its URL verification must answer the published sample; everything else
goes through the stand-in's encrypted callbacks and its server API.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.bot.channels.test_wecom_platform import (
    SAMPLE_AES_KEY,
    SAMPLE_CORP_ID,
    SAMPLE_ECHO,
    SAMPLE_TOKEN,
    SAMPLE_VERIFY,
)
from tests.support.bot_api import BotAPIStandIn
from tests.support.wecom_api import Card, WeComStandIn

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[3]
USER = "ZhangSan"
TELEGRAM_USER = 4343
# 30 days before the 2026 annual report (due 2026-04-30) at the reminder hour: a batch-2023
# subscription made now is due at once.
NOW = "2026-03-31T09:00:00+08:00"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Running:
    def __init__(self, standin: WeComStandIn, bot_api: BotAPIStandIn,
                 process: asyncio.subprocess.Process, log: Path) -> None:
        self.standin = standin
        self.bot_api = bot_api
        self.process = process
        self.log = log

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@pytest.fixture
async def wecom_process(
    bot_api: BotAPIStandIn, real_answerer: Any, answerer_data_dir: Path, tmp_path: Path
) -> AsyncIterator[Running]:
    standin = await WeComStandIn(corp_id=SAMPLE_CORP_ID, token=SAMPLE_TOKEN,
                                 aes_key=SAMPLE_AES_KEY).start()
    port = _free_port()
    standin.callback_url = f"http://127.0.0.1:{port}/wecom/callback"
    env = dict(os.environ)
    env.update(
        standin.env(),
        TELEGRAM_BOT_TOKEN=bot_api.token,
        TELEGRAM_API_BASE=bot_api.base_url,
        WECOM_CALLBACK_HOST="127.0.0.1",
        WECOM_CALLBACK_PORT=str(port),
        SMEBOT_DATA_DIR=str(answerer_data_dir),  # reuse the session's retrieval index
        DATABASE_URL=f"sqlite:///{tmp_path / 'wecom.sqlite3'}",
        SMEBOT_NOW=NOW,
        REMINDER_POLL_SECONDS="0.5",
        PYTHONPATH=str(REPO),
        HF_HUB_OFFLINE="1",
    )
    log_path = tmp_path / "wecom-run.log"
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--channel", "wecom", "--channel", "telegram",
            env=env, cwd=tmp_path, stdout=log, stderr=log,
        )
        running = Running(standin, bot_api, process, log_path)
        try:
            for _ in range(1800):  # the knowledge base loads first
                if process.returncode is not None:
                    raise AssertionError(running.output()[-3000:])
                try:
                    if (await standin.verify_url("ready"))[0] == 200:
                        break
                except OSError:
                    pass
                await asyncio.sleep(0.1)
            else:
                raise AssertionError("the callback never came up:\n" + running.output()[-3000:])
            yield running
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            returncode = await asyncio.wait_for(process.wait(), timeout=60)
            await standin.stop()
    output = log_path.read_text(encoding="utf-8", errors="replace")
    assert returncode == 0, output[-3000:]
    assert "Traceback" not in output, output[-3000:]


async def _click(standin: WeComStandIn, card: Card, button: str, *,
                 expect: str) -> Card:
    """Tap `button`; return the next card whose message says `expect`."""
    mark = standin.mark()
    status, _ = await standin.click(USER, card, button)
    assert status == 200
    await standin.wait_for(USER, expect, after=mark)
    return await standin.wait_for_card(USER, after=mark)


async def test_wecom_channel_end_to_end(wecom_process: Running) -> None:
    standin = wecom_process.standin

    # URL verification with WeCom's published sample request.
    async with aiohttp.ClientSession() as http, http.get(
        standin.callback_url or "", params=SAMPLE_VERIFY
    ) as response:
        status, body = response.status, await response.text()
    assert (status, body) == (200, SAMPLE_ECHO)

    # A question, answered with its citation through message/send.
    mark = standin.mark()
    assert (await standin.send_text(USER, "集群的有效期是多长时间？")) == (200, "")
    answer = await standin.wait_for(USER, "第十五条", after=mark, timeout=60)
    assert "三年" in answer.text and "<" not in answer.text  # plain text, no markup
    assert answer.msgtype == "text" and len(answer.text.encode()) <= 2048

    # The same MsgId delivered three times (WeCom's retries) is answered once.
    mark = standin.mark()
    await standin.send_text(USER, "/help", msg_id=88001, repeat=3)
    await standin.wait_for(USER, "/assess", after=mark)
    await asyncio.sleep(2)
    assert len([t for t in standin.texts(USER, after=mark) if "/assess" in t]) == 1

    # A forged callback (signed with another token) is refused and nothing is sent.
    mark = standin.mark()
    query, body_xml = standin.seal(standin.text_xml(USER, "/start", 88002), token="forged")
    assert (await standin.post_raw(query, body_xml))[0] == 403
    await asyncio.sleep(1.5)
    assert standin.texts(USER, after=mark) == [] and standin.cards_for(USER, after=mark) == []

    # /assess driven by template_card clicks.
    mark = standin.mark()
    await standin.send_text(USER, "/assess")
    await standin.wait_for(USER, "选择认定标准", after=mark)
    menu = await standin.wait_for_card(USER, after=mark)
    assert "全国（2022年版）" in menu.options
    screen = await _click(standin, menu, "全国（2022年版）", expect="第 2/10 步")
    for _ in range(50):  # the card is updated in the background, after the click is handled
        if menu.replaced:
            break
        await asyncio.sleep(0.1)
    assert menu.replaced and "全国" in menu.replaced  # the clicked card shows the choice
    screen = await _click(standin, screen, "是", expect="（2/2）")
    screen = await _click(standin, screen, "是", expect="第 3/10 步")
    # Typing a listed option's number presses it (the text menu behind the cards).
    number = screen.options.index("是") + 1
    mark = standin.mark()
    await standin.send_text(USER, str(number))
    await standin.wait_for(USER, "第 3/10 步", after=mark)

    # A reminder delivered to the WeCom user through their own channel.
    mark = standin.mark()
    await standin.send_text(USER, "/cancel")
    await standin.send_text(USER, "/subscribe 2023")
    await standin.wait_for(USER, "已订阅", after=mark)
    reminder = await standin.wait_for(USER, "截止日期提醒", after=mark, timeout=30)
    assert "2026-04-30" in reminder.text
    assert standin.token_fetches == 1  # one cached access_token for the whole session

    # The same process serves Telegram too; the WeCom reminder did not go there.
    telegram = wecom_process.bot_api
    await telegram.wait_for_call("setMyCommands", timeout=60)
    telegram.send_message(TELEGRAM_USER, "集群的有效期是多长时间？")
    answer_tg = await telegram.wait_for(TELEGRAM_USER, "第十五条", timeout=60)
    assert "三年" in answer_tg.text
    assert not [m for m in telegram.messages(TELEGRAM_USER) if "截止日期提醒" in m.text]
