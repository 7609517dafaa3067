"""Run the real `smebot run --channel NAME` as a child process for end-to-end tests."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class BotProcess:
    def __init__(self, process: asyncio.subprocess.Process, log: Path) -> None:
        self.process = process
        self.log = log

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@asynccontextmanager
async def smebot_run(channels: list[str], env: dict[str, str], *, data_dir: Path,
                     work_dir: Path, ready: Callable[[], Awaitable[bool]],
                     ready_within: float = 240.0) -> AsyncIterator[BotProcess]:
    """Start the bot on `channels`, wait until `ready()` says so, stop it with SIGTERM after
    the block, and check it exited cleanly without a traceback."""
    full = dict(os.environ)
    for name in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_API_BASE"):
        full.pop(name, None)
    full.update(env, SMEBOT_DATA_DIR=str(data_dir), PYTHONPATH=str(REPO), HF_HUB_OFFLINE="1")
    log_path = work_dir / f"run-{'-'.join(channels)}.log"
    arguments = [arg for name in channels for arg in ("--channel", name)]
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", *arguments, env=full, cwd=work_dir,
            stdout=log, stderr=log)
        running = BotProcess(process, log_path)
        try:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + ready_within
            while True:
                if process.returncode is not None:
                    raise AssertionError(running.output()[-3000:])
                try:
                    if await ready():
                        break
                except OSError:
                    pass
                if loop.time() > deadline:
                    raise AssertionError("never ready:\n" + running.output()[-3000:])
                await asyncio.sleep(0.2)
            yield running
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            returncode = await asyncio.wait_for(process.wait(), timeout=60)
    output = log_path.read_text(encoding="utf-8", errors="replace")
    assert returncode == 0, output[-3000:]
    assert "Traceback" not in output, output[-3000:]
