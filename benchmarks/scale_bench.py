"""Scale benchmark: two bot replicas (`smebot run`, webhook mode, one port via SO_REUSEPORT) on
PostgreSQL + Redis against the Bot API stand-in (tests/support/bot_api.py).

    .venv/bin/python benchmarks/scale_bench.py                     # all three parts
    .venv/bin/python benchmarks/scale_bench.py --parts a --n 2000  # a smaller reminder run

(a) N due reminders (default 10,000) with injected 429s and 5xxs; replica A is SIGKILLed when
    half are delivered and started again: delivered, duplicates, lost, and messages per second
    against the one global limit (SEND_RATE_PER_SECOND, shared through Redis).
(b) 500 users each start /assess and answer 3 questions; replica A restarts (SIGTERM, start
    again) while every user answers the next question (those land on B while A is down), and
    once A is back every user answers once more (the kernel spreads those over both, so A's
    new process meets sessions it never saw). Each answer must bring the very next question
    (read from "第 s/n 步 · …（p/c）" in the message the stand-in records): sessions lost =
    users for whom either did not.
(c) 1,000 users asking at once: answer latency p50/p95 (webhook POST -> reply recorded by the
    stand-in) and replies per second, with one replica and with two, each replica idle (its
    embedding model loaded) before the burst.

Each run uses a fresh PostgreSQL schema and a fresh Redis key prefix, dropped at the end.
The stand-in plays Telegram: the bench POSTs updates to the webhook like Telegram does.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.scale_parts import part_b, part_c  # noqa: E402
from benchmarks.scale_support import (  # noqa: E402
    SMEBOT,
    Replica,
    free_port,
    per_second,
    print_a,
    print_b,
    print_c,
    window_peak,
    with_search_path,
)
from tests.support.bot_api import BotAPIStandIn  # noqa: E402

SECRET = "scale-bench-secret"
WEBHOOK_PATH = "/tg"
CHAT_BASE = 20_000_000


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.schema = f"scale_{uuid.uuid4().hex[:10]}"
        self.prefix = f"smebot-scale-{uuid.uuid4().hex[:8]}"
        self.db_url = with_search_path(args.database_url, self.schema)
        self.engine = create_engine(args.database_url)
        self.schema_engine = create_engine(self.db_url, pool_size=2)
        self.tmp = Path(tempfile.mkdtemp(prefix="smebot-scale-"))
        self.api = BotAPIStandIn()
        self.port = free_port()
        self.replicas: list[Replica] = []
        self.http: aiohttp.ClientSession | None = None

    # -- set-up ------------------------------------------------------------------------------

    async def setup(self) -> None:
        with self.engine.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{self.schema}"'))
        await self.api.start()
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": self.api.token,
            "TELEGRAM_API_BASE": self.api.base_url,
            "WEBHOOK_URL": f"https://bot.example.test{WEBHOOK_PATH}",
            "WEBHOOK_SECRET": SECRET,
            "WEBHOOK_HOST": "127.0.0.1",
            "WEBHOOK_PORT": str(self.port),
            "DATABASE_URL": self.db_url,
            "REDIS_URL": self.args.redis_url,
            "REDIS_PREFIX": self.prefix,
            "SMEBOT_DATA_DIR": str(self.args.data_dir),
            "SEND_RATE_PER_SECOND": str(self.args.rate),
            "SEND_RATE_PER_CHAT_PER_SECOND": "1",
            "REMINDER_LEASE_SECONDS": str(self.args.lease),
            "REMINDER_POLL_SECONDS": "0.5",
            "REMINDER_BATCH_SIZE": str(max(50, int(self.args.rate))),
            "REMINDER_RETRY_DELAY_SECONDS": "0.5",
            "TELEGRAM_RETRY_BASE_DELAY": "0.2",
            "SEND_MAX_ATTEMPTS": "4",
            # Sends between "about to send" and "outcome committed": what a SIGKILL can resend.
            "REMINDER_MAX_UNSETTLED": str(self.args.max_unsettled),
            "THROTTLE_SECONDS": "0",
            "HF_HUB_OFFLINE": "1",
            "PYTHONPATH": str(ROOT),
        }
        env.pop("SMEBOT_NOW", None)
        # The schema first, once (replicas would also do it at start-up, under a lock).
        await asyncio.to_thread(
            subprocess.run, [SMEBOT, "db", "upgrade"], env=env, check=True, cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        for name in ("A", "B"):
            self.replicas.append(
                Replica(name, env, free_port(), self.tmp / f"replica-{name}.log")
            )
        self.http = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=200, force_close=True)
        )

    async def start_replicas(self, which: list[Replica] | None = None) -> None:
        for replica in which or self.replicas:
            replica.start()
        await asyncio.gather(*(r.ready() for r in which or self.replicas))

    async def teardown(self) -> None:
        for replica in self.replicas:
            replica.kill()
        if self.http is not None:
            await self.http.close()
        await self.api.close()
        self.schema_engine.dispose()
        with self.engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))
        self.engine.dispose()
        import redis

        client = redis.Redis.from_url(self.args.redis_url)
        keys = list(client.scan_iter(match=f"{self.prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
        client.close()

    # -- webhook deliveries ------------------------------------------------------------------

    async def post(self, update: dict[str, Any]) -> None:
        assert self.http is not None
        url = f"http://127.0.0.1:{self.port}{WEBHOOK_PATH}"
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        for attempt in range(50):  # like Telegram: retry until a replica takes it
            try:
                async with self.http.post(url, json=update, headers=headers) as response:
                    if response.status == 200:
                        return
            except (aiohttp.ClientError, OSError):
                pass
            await asyncio.sleep(0.1 * (attempt + 1))
        raise RuntimeError(f"no replica accepted update {update['update_id']}")

    # -- (a) reminders -----------------------------------------------------------------------

    def seed_reminders(self, n: int) -> None:
        tz = ZoneInfo("Asia/Shanghai")
        today = datetime.now(tz).date()
        due = today + timedelta(days=10)
        moment = datetime.combine(due - timedelta(days=30), datetime.min.time(), tzinfo=tz)
        created = (moment - timedelta(days=1)).astimezone(UTC)
        with self.schema_engine.begin() as connection:
            connection.execute(
                text("INSERT INTO reminder_custom_deadline (title, due, active, created_at) "
                     "VALUES ('2026年省级推荐截止（压测）', :due, true, :at)"),
                {"due": due, "at": created},
            )
            rows = [
                {"user_id": CHAT_BASE + i, "chat_id": CHAT_BASE + i,
                 "cluster_name": f"集群{i:05d}", "at": created}
                for i in range(n)
            ]
            connection.execute(
                text("INSERT INTO reminder_subscription (user_id, chat_id, cluster_name, "
                     "batch_year, kinds, lead_days, lang, active, created_at) VALUES "
                     "(:user_id, :chat_id, :cluster_name, 2022, '[\"custom\"]', '[30]', 'zh', "
                     "true, :at)"),
                rows,
            )
        for i in range(n):
            chat_id = CHAT_BASE + i
            self.api.chats[chat_id] = {"id": chat_id, "type": "private", "first_name": f"U{i}"}

    def retire_reminders(self) -> None:
        """End of (a): its 10,000 subscriptions and deliveries go, so the bench's 0.5 s
        scheduler tick (planning over every subscription) does not load (b) and (c)."""
        with self.schema_engine.begin() as connection:
            connection.execute(text("DELETE FROM reminder_delivery"))
            connection.execute(text("DELETE FROM reminder_subscription WHERE chat_id >= :base"),
                               {"base": CHAT_BASE})

    def delivery_counts(self) -> dict[str, int]:
        with self.schema_engine.connect() as connection:
            return dict(connection.execute(  # type: ignore[arg-type]
                text("SELECT status, count(*) FROM reminder_delivery GROUP BY status")
            ).all())

    async def part_a(self) -> dict[str, Any]:
        n, rate = self.args.n, self.args.rate
        self.seed_reminders(n)
        seen = {"index": 0, "ok": 0}

        def sent_ok() -> int:  # incremental: the request log grows to tens of thousands
            requests = self.api.requests
            for request in requests[seen["index"]:]:
                if request.method == "sendMessage" and request.status == 200:
                    seen["ok"] += 1
            seen["index"] = len(requests)
            return seen["ok"]

        stop = asyncio.Event()

        async def inject() -> None:
            ticks = max(1, int(n / rate / 2))
            per_429 = self.args.inject_429 / ticks
            per_5xx = self.args.inject_5xx / ticks
            owed_429 = owed_5xx = 0.0
            for _ in range(ticks):
                await asyncio.sleep(2.0)
                if stop.is_set():
                    return
                owed_429 += per_429
                owed_5xx += per_5xx
                if owed_429 >= 1:
                    self.api.fail_next("sendMessage", 429, count=int(owed_429), retry_after=1)
                    owed_429 -= int(owed_429)
                if owed_5xx >= 1:
                    self.api.fail_next("sendMessage", 502, count=int(owed_5xx))
                    owed_5xx -= int(owed_5xx)

        started = time.monotonic()
        await self.start_replicas()
        injector = asyncio.create_task(inject())
        while sent_ok() < n // 2:  # noqa: ASYNC110 (polling the stand-in's log)
            await asyncio.sleep(0.05)
        self.replicas[0].kill()  # SIGKILL: no clean-up at all
        killed_at_sent = sent_ok()
        self.replicas[0].start()  # the orchestrator restarts it
        deadline = time.monotonic() + self.args.timeout
        while time.monotonic() < deadline:
            counts = await asyncio.to_thread(self.delivery_counts)
            if sum(counts.get(s, 0) for s in ("sent", "dead", "expired", "superseded")) >= n:
                break
            await asyncio.sleep(0.5)
        stop.set()
        injector.cancel()
        await self.replicas[0].ready()
        wall = time.monotonic() - started
        ok_calls = [c for c in self.api.calls("sendMessage", status=200)
                    if c.chat_id is not None and c.chat_id >= CHAT_BASE]
        per_chat: dict[int, int] = {}
        for call in ok_calls:
            per_chat[int(call.chat_id or 0)] = per_chat.get(int(call.chat_id or 0), 0) + 1
        times = sorted(c.at for c in ok_calls)
        span = times[-1] - times[0] if len(times) > 1 else 0.0
        peak = window_peak(times, 1.0)
        return {
            "n": n, "rate_limit": rate,
            "delivered": len(per_chat),
            "duplicates": sum(v - 1 for v in per_chat.values()),
            "lost": n - len(per_chat),
            "dead": self.delivery_counts().get("dead", 0),
            "injected_429": len(self.api.calls("sendMessage", status=429)),
            "injected_5xx": len(self.api.calls("sendMessage", status=502)),
            "killed_at": killed_at_sent,
            "msgs_per_s": len(ok_calls) / span if span else 0.0,
            "peak_1s": peak,
            "per_second": per_second(times),
            "wall_s": wall,
        }


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    bench = Bench(args)
    results: dict[str, Any] = {}
    await bench.setup()
    try:
        if "a" in args.parts:
            results["a"] = await bench.part_a()
            print_a(results["a"])
            bench.retire_reminders()
        else:
            await bench.start_replicas()
        if "b" in args.parts:
            results["b"] = await part_b(bench, args.assess_users)
            print_b(results["b"])
        if "c" in args.parts:
            await bench.replicas[1].stop()
            await bench.replicas[0].settle()
            one = await part_c(bench, args.askers, 40_000_000)
            bench.replicas[1].start()
            await bench.replicas[1].ready()
            await asyncio.gather(*(r.settle() for r in bench.replicas))
            two = await part_c(bench, args.askers, 50_000_000)
            results["c"] = {"one": one, "two": two}
            print_c(one, two)
    finally:
        await bench.teardown()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get(
        "TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--redis-url", default=os.environ.get(
        "TEST_REDIS_URL", "redis://127.0.0.1:6379/0"))
    parser.add_argument("--data-dir", type=Path, default=ROOT / "data",
                        help="SMEBOT_DATA_DIR with the retrieval index (built if missing)")
    parser.add_argument("--parts", default="abc")
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=25.0,
                        help="global send limit, msgs/s (Telegram's is about 30)")
    parser.add_argument("--lease", type=float, default=30.0,
                        help="REMINDER_LEASE_SECONDS of the replicas (must exceed any stall)")
    parser.add_argument("--max-unsettled", type=int, default=10,
                        help="REMINDER_MAX_UNSETTLED of the replicas")
    parser.add_argument("--inject-429", type=int, default=10)
    parser.add_argument("--inject-5xx", type=int, default=30)
    parser.add_argument("--assess-users", type=int, default=500)
    parser.add_argument("--askers", type=int, default=1000)
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--json", action="store_true", help="also print the results as JSON")
    args = parser.parse_args(argv)
    results = asyncio.run(main_async(args))
    if args.json:
        print(json.dumps(results, ensure_ascii=False))
    a, b = results.get("a"), results.get("b")
    ok = (a is None or (a["duplicates"] == 0 and a["lost"] == 0)) and (b is None or b["lost"] == 0)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
