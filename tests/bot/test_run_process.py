"""`smebot run` as its own process, pointed at a Bot API server by TELEGRAM_API_BASE.

This is the contract operators rely on (CONTRACTS.md): with a token and TELEGRAM_API_BASE the
bot serves real updates over HTTP, and SIGTERM stops it cleanly. The server is the local stand-in.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.bot_api import BotAPIStandIn

REPO = Path(__file__).resolve().parents[2]
USER = 4242


@pytest.mark.e2e
async def test_smebot_run_serves_the_configured_bot_api_and_stops_on_sigterm(
    bot_api: BotAPIStandIn, real_answerer: Any, answerer_data_dir: Path, tmp_path: Path
) -> None:
    env = dict(os.environ)
    env.update(
        TELEGRAM_BOT_TOKEN=bot_api.token,
        TELEGRAM_API_BASE=bot_api.base_url,
        SMEBOT_DATA_DIR=str(answerer_data_dir),  # reuse the session's retrieval index
        DATABASE_URL=f"sqlite:///{tmp_path / 'run.sqlite3'}",
        SMEBOT_NOW="2026-04-20T09:00:00+08:00",
        PYTHONPATH=str(REPO),
        HF_HUB_OFFLINE="1",
    )
    log_path = tmp_path / "run.log"
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", env=env, cwd=tmp_path, stdout=log, stderr=log
        )
        try:
            # Start-up publishes the command menu, then long-polls the stand-in.
            await bot_api.wait_for_call("setMyCommands", timeout=180)
            bot_api.send_message(USER, "/start", language_code="zh-hans")
            greeting = await bot_api.wait_for(USER, "/assess", timeout=60)
            assert greeting.buttons, "the greeting offers example questions as buttons"
            mark = bot_api.mark()
            bot_api.send_message(USER, "集群的有效期是多长时间？")
            answer = await bot_api.wait_for(USER, "第十五条", timeout=60, after=mark)
            assert "三年" in answer.text
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            returncode = await asyncio.wait_for(process.wait(), timeout=60)
    output = log_path.read_text(encoding="utf-8", errors="replace")
    assert returncode == 0, output[-3000:]
    assert "Traceback" not in output
