"""Helpers of the scale benchmark (benchmarks/scale_bench.py): replica processes, parsing what
the stand-in recorded, timelines, printing."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
SMEBOT = str(Path(sys.executable).with_name("smebot"))
# The head of an /assess question: "第 2/10 步 · 基本条件（1/2）".
QUESTIONS = (
    "集群认定后有效期多久？",
    "年度工作情况什么时候报送？",
    "特色产业集群的认定标准有哪些？",
    "复核不通过会怎样？",
    "集群主导产业占比要求是多少？",
    "申报需要哪些材料？",
    "中小企业产值占比要达到多少？",
    "What is the validity period of a cluster?",
)
PROGRESS = re.compile(r"第\s*(\d+)/(\d+)\s*步\s*·[^（]*（(\d+)/(\d+)）")

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def with_search_path(url: str, schema: str) -> str:
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options={quote(f'-csearch_path={schema}')}"


class Replica:
    """One `smebot run` process (webhook mode, the scheduler inside)."""

    def __init__(self, name: str, env: dict[str, str], metrics_port: int, log: Path) -> None:
        self.name = name
        self.env = {**env, "METRICS_PORT": str(metrics_port)}
        self.metrics_port = metrics_port
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        handle = self.log.open("ab")
        self.proc = subprocess.Popen(
            [SMEBOT, "run"], env=self.env, stdout=handle, stderr=subprocess.STDOUT, cwd=ROOT
        )

    async def ready(self, timeout: float = 180.0) -> None:  # noqa: ASYNC109
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{self.metrics_port}/healthz"
        async with aiohttp.ClientSession() as http:
            while time.monotonic() < deadline:
                if self.proc is not None and self.proc.poll() is not None:
                    raise RuntimeError(f"replica {self.name} exited: see {self.log}")
                with contextlib.suppress(aiohttp.ClientError, OSError):
                    async with http.get(url) as response:
                        if response.status == 200:
                            return
                await asyncio.sleep(0.2)
        raise TimeoutError(f"replica {self.name} not healthy after {timeout}s: see {self.log}")

    def cpu_seconds(self) -> float:
        assert self.proc is not None
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    async def settle(self, timeout: float = 180.0) -> bool:  # noqa: ASYNC109
        """Wait until the process is idle (under 5% of a core for a second): healthy is not
        warm — the embedding model loads in the background after start-up, and while torch
        imports it holds the GIL, stalling the event loop for seconds at a time."""
        deadline = time.monotonic() + timeout
        before = self.cpu_seconds()
        while time.monotonic() < deadline:
            await asyncio.sleep(1.0)
            now = self.cpu_seconds()
            if now - before < 0.05:
                return True
            before = now
        print(f"note: replica {self.name} still busy after {timeout:.0f} s; measuring anyway",
              file=sys.stderr)
        return False

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    async def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            await asyncio.to_thread(self.proc.wait, 60)


def progress_of(text: str) -> tuple[int, int, int, int] | None:
    """"第 2/10 步 · 基本条件（1/2）" -> (2, 10, 1, 2): the question an /assess message shows.
    A step is a section of several questions, so the step alone does not move on every answer
    (comparing only "2/10" is why this part once counted no session as continued)."""
    found = PROGRESS.search(text)
    if not found:
        return None
    step, total, position, count = (int(g) for g in found.groups())
    return step, total, position, count


def next_progress(here: tuple[int, int, int, int]) -> tuple[int, int, int]:
    """(step, total, position) of the question after `here`: the next one of the section, or
    the next section's first."""
    step, total, position, count = here
    return (step, total, position + 1) if position < count else (step + 1, total, 1)


def per_second(times: list[float]) -> list[int]:
    """Sends in each whole second from the first one (the timeline of part a)."""
    if not times:
        return []
    counts = [0] * (int(times[-1] - times[0]) + 1)
    for moment in times:
        counts[int(moment - times[0])] += 1
    return counts


def window_peak(times: list[float], width: float) -> int:
    """The most events in any window of `width` seconds."""
    best = start = 0
    for end, moment in enumerate(times):
        while moment - times[start] >= width:
            start += 1
        best = max(best, end - start + 1)
    return best


async def gather_limited(coros: list[Any], limit: int) -> list[Any]:
    gate = asyncio.Semaphore(limit)

    async def run(coro: Any) -> Any:
        async with gate:
            return await coro

    return await asyncio.gather(*(run(c) for c in coros))


def print_a(r: dict[str, Any]) -> None:
    print(f"(a) reminders: {r['n']:,} due, limit {r['rate_limit']:.0f}/s, replica A SIGKILLed "
          f"at {r['killed_at']:,} sent and restarted")
    print(f"    delivered {r['delivered']:,} / duplicates {r['duplicates']} / lost {r['lost']} "
          f"(dead letters {r['dead']}; injected 429: {r['injected_429']}, "
          f"5xx: {r['injected_5xx']})")
    print(f"    {r['msgs_per_s']:.1f} msgs/s = {100 * r['msgs_per_s'] / r['rate_limit']:.0f}% of "
          f"the limit; busiest second {r['peak_1s']} msgs; wall {r['wall_s']:.0f} s")
    print(f"    sends per second: {r['per_second']}")


def print_b(r: dict[str, Any]) -> None:
    print(f"(b) /assess across a restart: {r['in_flow_before']} of {r['users']} users mid-flow "
          f"(each answered {r['answered_before']} questions; set-up failures: "
          f"{r['setup_failures'] or 'none'})")
    print(f"    next answer while replica A restarts: {r['during_restart']} "
          f"(updates handled: {r['updates_during']})")
    print(f"    one more once A is back:               {r['after_restart']} "
          f"(updates handled: {r['updates_after']})")
    print(f"    continued at the right step {r['continued']}, sessions lost {r['lost']}")


def print_c(one: dict[str, Any], two: dict[str, Any]) -> None:
    print(f"(c) {one['users']:,} users asking at once:")
    for label, r in (("one replica", one), ("two replicas", two)):
        print(f"    {label:<12}: answered {r['answered']:,}, p50 {r['p50_ms']:.0f} ms, "
              f"p95 {r['p95_ms']:.0f} ms, {r['replies_per_s']:.1f} replies/s")
