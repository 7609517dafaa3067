"""`smebot chat`: the same dispatcher in a terminal, with a printing fake of the Bot API."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aiogram.types import BufferedInputFile
from sqlmodel import select

from bot.app import Services, build_services
from bot.channels.console import ConsoleChat, chat_loop
from handlers.ask.models import Feedback
from infra.settings import Settings
from tests.support.doubles import FakeAnswerer, FakeKnowledgeBase

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def services(tmp_path: Path) -> Services:
    settings = Settings(smebot_data_dir=tmp_path / "data",
                        database_url=f"sqlite:///{tmp_path / 'console.sqlite3'}")
    return build_services(settings, kb=FakeKnowledgeBase(), answerer=FakeAnswerer())


async def run_chat(services: Services, lines: str, **kwargs: Any) -> str:
    out = io.StringIO()
    assert await chat_loop(services, stdin=io.StringIO(lines), stdout=out, **kwargs) == 0
    return out.getvalue()


async def test_transcript_with_buttons_as_numbers(services: Services) -> None:
    output = await run_chat(services, "/start\n1\n3\n1\n")
    assert "<b>" not in output and "&lt;" not in output  # plain text, entities decoded
    assert "集群通 › 您好，控制台用户！" in output
    assert "[1] 集群认定后有效期多久？" in output
    # "1" pressed the first example; the answer's buttons are numbered afresh.
    assert "❓ 集群认定后有效期多久？" in output
    assert "[1] 查看原文   [2] 👍   [3] 👎" in output
    # "3" pressed 👎: stored, acknowledged, keyboard updated.
    assert "（谢谢，我们会改进这类回答。）" in output
    assert "[3] 👎 ✓" in output
    with services.db.session() as session:
        [vote] = session.exec(select(Feedback)).all()
    assert (vote.user_id, vote.vote) == (1, -1)
    # "1" then pressed 查看原文 on the updated keyboard.
    assert "《暂行办法》第十五条" in output.split("👎 ✓")[-1]


async def test_numbers_without_buttons_and_escaped_numbers_are_text(services: Services) -> None:
    output = await run_chat(services, "7\n/start\n\\2\n")
    assert output.count("❓ 7") == 1
    assert "❓ 2" in output  # "\2" sent the text "2", not button 2


async def test_quotes_are_marked_and_english_works(services: Services) -> None:
    output = await run_chat(services, "What must be reported each year?\n", lang="en")
    assert "│ " in output  # a quote block, shown with a bar
    assert "📖 Source: 《暂行办法》第十六条" in output
    assert "[1] Full text 1" in output


async def test_files_are_saved_and_their_path_printed(services: Services) -> None:
    out = io.StringIO()
    chat = ConsoleChat(services, out=out)
    await chat.start()
    try:
        await chat.bot.send_document(1, BufferedInputFile(b"%PDF-1.4 test", "report.pdf"),
                                     caption="<b>自评估报告</b>")
        await chat.bot.send_photo(1, BufferedInputFile(b"\x89PNG", "chart.png"))
    finally:
        await chat.stop()
    saved = services.settings.data_dir / "console" / "report.pdf"
    assert saved.read_bytes() == b"%PDF-1.4 test"
    assert f"[文件] {saved}" in out.getvalue()
    assert "自评估报告" in out.getvalue() and "<b>" not in out.getvalue()
    assert (services.settings.data_dir / "console" / "chart.png").exists()


async def test_empty_stdin_exits_cleanly(services: Services) -> None:
    assert await run_chat(services, "") == ""


@pytest.mark.e2e
def test_smebot_chat_subprocess_with_piped_stdin(
    real_answerer: Any, answerer_data_dir: Path, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    env.update(
        SMEBOT_DATA_DIR=str(answerer_data_dir),  # reuse the session's retrieval index
        DATABASE_URL=f"sqlite:///{tmp_path / 'chat.sqlite3'}",
        PYTHONPATH=str(REPO),
        HF_HUB_OFFLINE="1",
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot", "chat"],
        input="/start\n1\n1\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    assert "[1] 集群认定后有效期多久？" in out
    assert "三年" in out and "《暂行办法》第十五条" in out
    assert "复核通过的有效期延长三年" in out  # the 查看原文 article
    assert "Traceback" not in result.stderr
