"""Parts (b) and (c) of the scale benchmark (benchmarks/scale_bench.py): /assess sessions across
a replica restart, and many users asking at once."""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from typing import TYPE_CHECKING, Any

import aiohttp

from benchmarks.scale_support import (
    QUESTIONS,
    Replica,
    gather_limited,
    next_progress,
    per_second,
    progress_of,
)
from tests.support.bot_api import SentMessage

if TYPE_CHECKING:
    from benchmarks.scale_bench import Bench


# -- (b) /assess across a restart --------------------------------------------------------

async def wait_for(bench: Bench, chat_id: int, predicate: Any, after: int,
                   timeout: float = 60.0) -> SentMessage | None:  # noqa: ASYNC109
    try:
        return await bench.api.wait_for(chat_id, predicate, timeout, after=after)
    except TimeoutError:
        return None

async def answer_next(bench: Bench, user_id: int, question: SentMessage) -> str:
    """Answer the question `question` shows ("是", or "跳过" for a figure) and classify
    what the bot does with the answer: "right" (the next question, i.e. the session
    continued at the right place), "wrong" (another question: a lost or stale session) or
    "none" (no new question within the time limit)."""
    here = progress_of(question.text)
    assert here is not None, question.text
    expected = next_progress(here)
    button = "是" if "是" in question.button_texts else "跳过"
    mark = bench.api.mark()
    await bench.post(bench.api.press(user_id, question, button))
    # The flow edits the question message in place; any other progress is a wrong step.
    reply = await wait_for(bench,
        user_id,
        lambda m: m.message_id == question.message_id
        and progress_of(m.text) not in (None, here),
        mark,
    )
    got = progress_of(reply.text) if reply is not None else None
    if got is None:
        return "none"
    return "right" if got[:3] == expected else "wrong"

async def part_b(bench: Bench, users: int, before: int = 3) -> dict[str, Any]:
    """Every user starts /assess and answers `before` questions; then replica A restarts
    (SIGTERM, start again) while every user answers the next question (those land on B
    while A is down), and once A is back every user answers once more (the kernel spreads
    those over both, so A's new process must find sessions it never saw)."""
    base = 30_000_000
    questions: dict[int, SentMessage] = {}
    setup_failures: dict[str, int] = {}

    async def begin(user_id: int) -> None:
        mark = bench.api.mark()
        await bench.post(bench.api.send_message(user_id, "/assess"))
        menu = await wait_for(bench, user_id, "选择认定标准", mark)
        if menu is None:
            setup_failures["no menu"] = setup_failures.get("no menu", 0) + 1
            return
        mark = bench.api.mark()
        await bench.post(bench.api.press(user_id, menu, "全国（2022年版）"))
        first = await wait_for(bench, user_id, lambda m: progress_of(m.text) is not None, mark)
        if first is None:
            setup_failures["no first question"] = setup_failures.get("no first question", 0) + 1
            return
        for _ in range(before):
            if await answer_next(bench, user_id, first) != "right":
                setup_failures["answer before restart"] = (
                    setup_failures.get("answer before restart", 0) + 1)
                return
        questions[user_id] = first  # the live message: the stand-in edits it in place

    await gather_limited([begin(base + i) for i in range(users)], 100)
    in_flow = sorted(questions)
    handled_before = await updates_handled(bench)

    restart = asyncio.create_task(restart_replica(bench.replicas[0]))
    await asyncio.sleep(0.2)  # A is going down now
    during = await gather_limited([answer_next(bench, u, questions[u]) for u in in_flow], 100)
    await restart
    handled_mid = await updates_handled(bench)
    after = await gather_limited(
        [answer_next(bench, u, questions[u]) for u, outcome in zip(in_flow, during, strict=True)
         if outcome == "right"], 100)
    handled_after = await updates_handled(bench)
    continued = sum(outcome == "right" for outcome in after)
    return {
        "users": users, "answered_before": before, "in_flow_before": len(in_flow),
        "setup_failures": setup_failures,
        "during_restart": {k: during.count(k) for k in ("right", "wrong", "none")},
        "after_restart": {k: after.count(k) for k in ("right", "wrong", "none")},
        "continued": continued, "lost": len(in_flow) - continued,
        # Updates each replica's process handled in each phase (A's counter restarts).
        "updates_during": {"A": handled_mid["A"], "B": handled_mid["B"] - handled_before["B"]},
        "updates_after": {"A": handled_after["A"] - handled_mid["A"],
                          "B": handled_after["B"] - handled_mid["B"]},
    }

async def updates_handled(bench: Bench) -> dict[str, int]:
    """smebot_updates_total of each replica's current process (0 if it is down)."""
    assert bench.http is not None
    counts: dict[str, int] = {}
    for replica in bench.replicas:
        total = 0.0
        with contextlib.suppress(aiohttp.ClientError, OSError):
            url = f"http://127.0.0.1:{replica.metrics_port}/metrics"
            async with bench.http.get(url) as response:
                for line in (await response.text()).splitlines():
                    if line.startswith("smebot_updates_total{"):
                        total += float(line.rsplit(" ", 1)[1])
        counts[replica.name] = int(total)
    return counts

async def restart_replica(replica: Replica) -> None:
    await replica.stop()
    replica.start()
    await replica.ready()

# -- (c) 1,000 questions at once ---------------------------------------------------------

async def part_c(bench: Bench, users: int, base: int) -> dict[str, Any]:
    latencies: list[float] = []
    arrivals: list[float] = []

    async def ask(index: int) -> None:
        user_id = base + index
        mark = bench.api.mark()
        update = bench.api.send_message(user_id, QUESTIONS[index % len(QUESTIONS)])
        sent = time.monotonic()
        await bench.post(update)
        reply = await wait_for(bench, user_id, lambda m: True, mark, timeout=300)
        if reply is not None:
            latencies.append(time.monotonic() - sent)
            arrivals.append(time.monotonic())

    started = time.monotonic()
    await asyncio.gather(*(ask(i) for i in range(users)))
    wall = time.monotonic() - started
    latencies.sort()
    return {
        "users": users, "answered": len(latencies),
        "p50_ms": 1000 * statistics.median(latencies) if latencies else 0.0,
        "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))] if latencies else 0.0,
        "replies_per_s": len(latencies) / wall if wall else 0.0,
        "wall_s": wall,
        "replies_each_second": per_second([started, *sorted(arrivals)])[:60],
    }
