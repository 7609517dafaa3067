"""A whole /assess on WeCom, in process with the real dispatcher and handlers: every step by a
card click or a typed figure, then the result, the chart (an image) and the report (a file)."""

from __future__ import annotations

import asyncio
import io
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import docx
import pytest

from bot.app import build_dispatcher, build_services
from bot.channels.runner import build_channels, outbound_for
from infra.settings import Settings
from tests.support.doubles import FakeAnswerer, FakeKnowledgeBase
from tests.support.wecom_api import Card, WeComStandIn

USER = "ZhaoLiu"
TYPED = {  # typed answers for the number questions of national-2022, by a word of the question
    "占地面积": "80平方公里",
    "年产值（单位": "35, 40, 46",
    "中小企业产值占": "75%",
    "主导产业产值占": "72",
    "单项冠军": "0",
    "专精特新中小企业": "十二",
    "研发经费": "约8%",
    "工业互联网平台普及率": "20",
}


@pytest.fixture
async def wecom_bot(tmp_path: Path,
                    monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[WeComStandIn]:
    standin = await WeComStandIn().start()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    for name, value in {**standin.env(), "WECOM_CALLBACK_HOST": "127.0.0.1",
                        "WECOM_CALLBACK_PORT": str(port)}.items():
        monkeypatch.setenv(name, value)
    settings = Settings(smebot_data_dir=tmp_path / "data", throttle_seconds=0.0,
                        smebot_now=datetime(2026, 4, 20, 9, 0, tzinfo=UTC))
    services = build_services(settings, kb=FakeKnowledgeBase(),  # type: ignore[arg-type]
                              answerer=FakeAnswerer())  # type: ignore[arg-type]
    (wecom,), identities = build_channels(settings, services.db, ["wecom"])
    outbound, sender = outbound_for([wecom], identities)
    services.outbound_bot, services.sender, services.scheduler.sender = outbound, sender, sender
    dp = build_dispatcher(services)
    await wecom.start(dp)
    await dp.emit_startup(bot=outbound, dispatcher=dp, bots=[outbound],
                          **{k: v for k, v in dp.workflow_data.items() if k != "bot"})
    standin.callback_url = f"http://127.0.0.1:{port}/wecom/callback"
    try:
        yield standin
    finally:
        await wecom.stop()
        await dp.emit_shutdown(bot=outbound, dispatcher=dp, bots=[outbound],
                               **{k: v for k, v in dp.workflow_data.items() if k != "bot"})
        await outbound.session.close()
        services.db.dispose()
        await standin.stop()


async def _screen(standin: WeComStandIn, mark: int) -> tuple[str, Card]:
    """The text and the card of the screen the bot shows after `mark`."""
    card = await standin.wait_for_card(USER, after=mark, timeout=20)
    texts = standin.texts(USER, after=mark)
    return "\n".join(texts), card


async def test_full_assessment_by_card_clicks(wecom_bot: WeComStandIn) -> None:
    standin = wecom_bot
    mark = standin.mark()
    await standin.send_text(USER, "/assess")
    text, card = await _screen(standin, mark)
    assert "选择认定标准" in text
    mark = standin.mark()
    await standin.click(USER, card, "全国（2022年版）")
    text, card = await _screen(standin, mark)
    steps = 0
    while "核对答案" not in text:
        steps += 1
        assert steps < 40, text
        mark = standin.mark()
        if "是" in card.options:
            await standin.click(USER, card, "是")
        elif typed := next((v for k, v in TYPED.items() if k in text), None):
            await standin.send_text(USER, typed)
        else:
            assert "年均增速" in text, text
            await standin.click(USER, card, "跳过")
        text, card = await _screen(standin, mark)
    assert "80平方公里" in text and "35, 40, 46亿元" in text
    # The summary has more than six buttons: "完成评估" is on a later card of the same message.
    finish = None
    for _ in range(100):
        finish = next((c for c in standin.cards_for(USER, after=card.seq - 1)
                       if "完成评估" in c.options), None)
        if finish is not None:
            break
        await asyncio.sleep(0.05)
    assert finish is not None and finish.task_id != card.task_id
    mark = standin.mark()
    await standin.click(USER, finish, "完成评估")
    result = await standin.wait_for(USER, "自评结果", after=mark, timeout=30)
    assert "目前尚不符合本版标准的要求" in result.text
    for _ in range(100):
        media = [s for s in standin.sent if s.seq > mark and s.media]
        if len(media) == 2:
            break
        await asyncio.sleep(0.1)
    image, report = media
    assert image.msgtype == "image" and image.media is not None
    assert image.media["data"].startswith(b"\x89PNG")
    assert report.msgtype == "file" and report.media is not None
    assert report.media["filename"].endswith(".docx")  # the Word report, as on Telegram
    word = docx.Document(io.BytesIO(report.media["data"]))
    assert "目前尚不符合本版标准的要求" in "\n".join(p.text for p in word.paragraphs)
    # The HTML report is one more button away, on one of the result's cards.
    html_card = None
    for _ in range(100):
        html_card = next((c for c in standin.cards_for(USER, after=mark)
                          if any("HTML" in option for option in c.options)), None)
        if html_card is not None:
            break
        await asyncio.sleep(0.05)
    assert html_card is not None
    option = next(option for option in html_card.options if "HTML" in option)
    mark = standin.mark()
    await standin.click(USER, html_card, option)
    for _ in range(100):
        files = [s for s in standin.sent if s.seq > mark and s.msgtype == "file"]
        if files:
            break
        await asyncio.sleep(0.1)
    (html_file,) = files
    assert html_file.media is not None and html_file.media["filename"].endswith(".html")
    assert html_file.media["data"].decode("utf-8").startswith("<!DOCTYPE html>")
