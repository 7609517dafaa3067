"""Reminder delivery benchmark: N due reminders through the real scheduler and sender, over HTTP,
against the local Bot API stand-in, with injected 429s and 5xxs and a kill + restart midway.

    .venv/bin/python benchmarks/reminders_bench.py                    # 10,000 at 200/s, task kill
    .venv/bin/python benchmarks/reminders_bench.py --mode process     # SIGKILL a worker process
    .venv/bin/python benchmarks/reminders_bench.py --mode process --workers 2  # two at once
    .venv/bin/python benchmarks/reminders_bench.py --n 2000 --rate 25 # the production rate

Prints a table: delivered, duplicates, lost, dead letters, and messages/s against the rate.
Each reminder goes to its own chat unless --chats is smaller, so the 1/s-per-chat limit holds
without slowing the global rate (a real broadcast looks like that: one message per user).

Kill modes:
- task: the scheduler's asyncio task is cancelled abruptly (what an event-loop shutdown or a
  reload does), then a new scheduler (new engine, new sender) starts on the same DB file.
- process: a worker process running the scheduler gets SIGKILL (no clean-up at all), and a new
  worker starts; rows the dead worker claimed come back when their lease expires (--lease).
  A message Telegram accepted in the last few milliseconds before the kill, but not yet marked
  sent, is sent again: no database can close that window; the table shows how often it happens.
  With --workers 2 two scheduler processes share the DB (and the rate: each gets rate/2, as
  the limiter is per process) and one of them is killed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select  # noqa: E402

from bot import migrations  # noqa: E402
from handlers.reminders.models import ReminderDelivery, ReminderSubscription  # noqa: E402
from handlers.reminders.scheduler import ReminderScheduler  # noqa: E402
from infra.db import Database  # noqa: E402
from infra.sender import Sender  # noqa: E402
from infra.settings import Settings  # noqa: E402
from infra.telegram import make_bot  # noqa: E402

SHANGHAI = ZoneInfo("Asia/Shanghai")
SUBSCRIBED = datetime(2025, 3, 1, 10, 0, tzinfo=SHANGHAI)
SEND_DAY = datetime(2025, 3, 31, 9, 0, 5, tzinfo=SHANGHAI)  # the 30-day reminder's morning
CHAT_BASE = 10_000_000


def ticking_clock(start: datetime, origin: float | None = None) -> Callable[[], datetime]:
    """`start` at wall time `origin` (default: now), advancing with the system clock.

    Every process gets the same `origin`, so they agree on "now" like processes reading one
    NTP-synchronised clock do. (Clocks apart by more than the lease would let a process take
    over rows another is still sending: the lease must exceed any clock skew.)
    """
    base = time.time() if origin is None else origin

    def clock() -> datetime:
        return start + timedelta(seconds=time.time() - base)

    return clock


def bench_settings(args: argparse.Namespace, db_url: str, base_url: str, token: str) -> Settings:
    return Settings(
        telegram_bot_token=token,
        telegram_api_base=base_url,
        database_url=db_url,
        send_rate_per_second=args.rate,
        send_rate_per_chat_per_second=1.0,
        reminder_batch_size=max(50, int(args.rate)),
        reminder_lease_seconds=args.lease,
        reminder_poll_seconds=0.5,
        reminder_retry_delay_seconds=0.5,
        telegram_retry_base_delay=0.2,
        telegram_max_attempts=1,  # the bulk sender retries; no second retry layer underneath
        send_max_attempts=4,
        reminder_max_unsettled=args.max_unsettled,
    )


def seed(db: Database, n: int, chats: int) -> None:
    rows = [
        {
            # One subscriber per reminder (a user has one subscription per chat and batch);
            # with --chats < n several subscribers share a chat, like members of a group.
            "user_id": CHAT_BASE + i,
            "chat_id": CHAT_BASE + i % chats,
            "cluster_name": f"集群{i:05d}",
            "batch_year": 2022,
            "kinds": "annual_report",
            "lead_days": "30",
            "lang": "zh",
            "active": True,
            "created_at": SUBSCRIBED.astimezone(UTC),
        }
        for i in range(n)
    ]
    with db.session() as session:
        for start in range(0, n, 1000):
            session.execute(insert(ReminderSubscription), rows[start : start + 1000])
        session.commit()


def delivery_counts(db: Database) -> dict[str, int]:
    with db.session() as session:
        return dict(
            session.execute(
                select(ReminderDelivery.status, func.count()).group_by(ReminderDelivery.status)
            ).all()
        )


# --- worker (process mode) -----------------------------------------------------------------------


async def worker_main(args: argparse.Namespace) -> None:
    settings = bench_settings(args, args.db, args.base, args.token)
    db = Database(args.db)
    scheduler = ReminderScheduler(db=db, clock=ticking_clock(SEND_DAY, args.origin),
                                  settings=settings,
                                  sender=Sender.from_settings(settings))
    bot = make_bot(settings)
    try:
        while True:  # like `smebot run`: keep ticking until killed
            await scheduler.run_once(bot)
            await asyncio.sleep(settings.reminder_poll_seconds)
    finally:
        await bot.session.close()


# --- driver ------------------------------------------------------------------------------------


async def run(args: argparse.Namespace) -> dict[str, Any]:
    from tests.support.bot_api import BotAPIStandIn

    tmp = Path(tempfile.mkdtemp(prefix="smebot-bench-"))
    db_url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    db = Database(db_url)
    migrations.prepare(db)
    chats = min(args.chats or args.n, args.n)
    seed(db, args.n, chats)

    api = BotAPIStandIn()
    await api.start()
    for i in range(chats):
        chat_id = CHAT_BASE + i
        api.chats[chat_id] = {"id": chat_id, "type": "private", "first_name": f"U{i}"}

    settings = bench_settings(args, db_url, api.base_url, api.token)
    sent_ok = lambda: len(api.calls("sendMessage", status=200))  # noqa: E731

    async def inject() -> None:
        # A fixed budget of faults, spread evenly over the expected sending time.
        ticks = max(1, int(args.n / args.rate / args.inject_every))
        left_429, left_5xx = args.inject_429, args.inject_5xx
        for tick in range(ticks):
            await asyncio.sleep(args.inject_every)
            due_429 = round(args.inject_429 * (tick + 1) / ticks) - (args.inject_429 - left_429)
            due_5xx = round(args.inject_5xx * (tick + 1) / ticks) - (args.inject_5xx - left_5xx)
            if due_429 > 0:
                api.fail_next("sendMessage", 429, count=due_429, retry_after=1)
                left_429 -= due_429
            if due_5xx > 0:
                api.fail_next("sendMessage", 502, count=due_5xx)
                left_5xx -= due_5xx

    injector = asyncio.create_task(inject())
    started = time.monotonic()
    kill_at = int(args.n * args.kill_at)
    restart_gap = 0.0
    try:
        if args.mode == "task":
            clock = ticking_clock(SEND_DAY)
            first = ReminderScheduler(db=Database(db_url), clock=clock, settings=settings,
                                      sender=Sender.from_settings(settings))
            bot1 = make_bot(settings)
            await first.start(bot1)
            while sent_ok() < kill_at:  # noqa: ASYNC110 (polling the stand-in's log)
                await asyncio.sleep(0.01)
            killed_at = time.monotonic()
            task = first._task
            assert task is not None
            task.cancel()  # abrupt: no stop(), no grace
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await bot1.session.close()
            second = ReminderScheduler(db=Database(db_url), clock=clock, settings=settings,
                                       sender=Sender.from_settings(settings))
            bot2 = make_bot(settings)
            await second.start(bot2)
            resumed_from = sent_ok()
            while sent_ok() == resumed_from:  # noqa: ASYNC110
                await asyncio.sleep(0.005)
            restart_gap = time.monotonic() - killed_at
            await _wait_done(db, args.n, args.timeout)
            await second.stop()
            await bot2.session.close()
        else:
            origin = time.time()
            procs = [await _spawn(args, db_url, api, origin) for _ in range(args.workers)]
            while sent_ok() < kill_at:
                if any(p.returncode is not None for p in procs):
                    raise RuntimeError("worker died")
                await asyncio.sleep(0.01)
            killed_at = time.monotonic()
            procs[0].send_signal(signal.SIGKILL)  # no clean-up at all
            await procs[0].wait()
            procs[0] = await _spawn(args, db_url, api, origin)
            resumed_from = sent_ok()
            while sent_ok() == resumed_from:  # noqa: ASYNC110
                await asyncio.sleep(0.01)
            restart_gap = time.monotonic() - killed_at
            await _wait_done(db, args.n, args.timeout)
            for proc in procs:
                proc.send_signal(signal.SIGKILL)
                await proc.wait()
    finally:
        injector.cancel()
    total = time.monotonic() - started

    ok_calls = api.calls("sendMessage", status=200)
    per_message: dict[tuple[int | None, str], int] = {}
    for call in ok_calls:
        key = (call.chat_id, str(call.params.get("text", "")))
        per_message[key] = per_message.get(key, 0) + 1
    unique = len(per_message)
    times = sorted(c.at for c in ok_calls)
    sending = (times[-1] - times[0] - restart_gap) if len(times) > 1 else 0.0
    counts = delivery_counts(db)
    await api.close()
    db.dispose()
    shutil.rmtree(tmp, ignore_errors=True)
    return {
        "n": args.n,
        "chats": chats,
        "mode": args.mode,
        "workers": args.workers if args.mode == "process" else 1,
        "rate": args.rate,
        "delivered": unique,
        "duplicates": len(ok_calls) - unique,
        "lost": args.n - unique,
        "dead_letters": counts.get("dead", 0),
        "db_status": counts,
        "injected_429": len(api.calls("sendMessage", status=429)),
        "injected_5xx": len(api.calls("sendMessage", status=502)),
        "restart_gap_s": restart_gap,
        "wall_s": total,
        "send_s": sending,
        "msgs_per_s": unique / sending if sending > 0 else 0.0,
    }


async def _spawn(args: argparse.Namespace, db_url: str, api: Any,
                 origin: float) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--worker", "--db", db_url, "--base", api.base_url,
        # Each process limits itself, so N processes share the configured rate.
        "--token", api.token, "--rate", str(args.rate / args.workers), "--lease", str(args.lease),
        "--max-unsettled", str(args.max_unsettled),
        "--origin", repr(origin),
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


async def _wait_done(db: Database, n: int, timeout: float) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        counts = await asyncio.to_thread(delivery_counts, db)
        finished = sum(counts.get(s, 0) for s in ("sent", "dead", "expired", "superseded"))
        if finished >= n:
            return
        await asyncio.sleep(0.2)
    print(f"warning: not finished after {timeout}s", file=sys.stderr)


def print_table(result: dict[str, Any]) -> None:
    target = 0.9 * result["rate"]
    rows = [
        ("reminders due", result["n"], ""),
        ("chats", result["chats"], ""),
        ("kill mode", result["mode"], "killed at half, restarted on the same DB"),
        ("worker processes", result["workers"], "process mode: concurrent on one DB"),
        ("injected 429 / 5xx", f"{result['injected_429']} / {result['injected_5xx']}", ""),
        ("delivered (unique)", result["delivered"], ""),
        ("duplicates", result["duplicates"], "target 0"),
        ("lost", result["lost"], "target 0"),
        ("dead letters", result["dead_letters"], ""),
        ("DB statuses", result["db_status"], ""),
        ("restart gap", f"{result['restart_gap_s']:.2f} s", "kill -> first send after restart"),
        ("sending time", f"{result['send_s']:.2f} s", "first..last send minus the gap"),
        ("wall time", f"{result['wall_s']:.2f} s", ""),
        ("messages/s", f"{result['msgs_per_s']:.1f}",
         f"rate {result['rate']:.0f}/s, target >= {target:.0f}/s "
         f"({100 * result['msgs_per_s'] / result['rate']:.0f}% of rate)"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'metric':<{width}}  {'value':>12}  note")
    print("-" * (width + 50))
    for name, value, note in rows:
        print(f"{name:<{width}}  {value!s:>12}  {note}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=200.0, help="global messages/s")
    parser.add_argument("--chats", type=int, default=0, help="distinct chats (default: n)")
    parser.add_argument("--mode", choices=("task", "process"), default="task")
    parser.add_argument("--max-unsettled", type=int, default=20,
                        help="reminder_max_unsettled (bounds re-sends after a hard kill)")
    parser.add_argument("--workers", type=int, default=1,
                        help="process mode: scheduler processes running at once on one DB")
    parser.add_argument("--kill-at", type=float, default=0.5, help="fraction sent before kill")
    parser.add_argument("--lease", type=float, default=3.0, help="claim lease, seconds")
    parser.add_argument("--inject-429", type=int, default=10)
    parser.add_argument("--inject-5xx", type=int, default=30)
    parser.add_argument("--inject-every", type=float, default=2.0, help="seconds between faults")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--base", help=argparse.SUPPRESS)
    parser.add_argument("--token", help=argparse.SUPPRESS)
    parser.add_argument("--origin", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        asyncio.run(worker_main(args))
        return 0
    result = asyncio.run(run(args))
    print_table(result)
    return 0 if result["duplicates"] == 0 and result["lost"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
