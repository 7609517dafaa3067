"""`smebot reminders …`: plan, run-once (for cron and operators), add-deadline, stats."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import date
from typing import TYPE_CHECKING

from bot.cli import CliError
from infra.clock import make_clock, today_in
from infra.settings import Settings
from knowledge.deadlines import BatchYearError, plan_deadlines

if TYPE_CHECKING:
    from infra.db import Database

# The database layer (SQLAlchemy/SQLModel) and aiogram are imported inside the commands that use
# them: every `smebot` invocation imports this module, and other commands must not pay for them.


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("reminders", help="deadline reminders")
    sub = parser.add_subparsers(dest="reminders_command", metavar="ACTION")

    plan = sub.add_parser("plan", help="the deadlines of a cluster of one batch year")
    plan.add_argument("--batch-year", type=int, required=True, help="e.g. 2022")
    plan.add_argument("--today", type=_parse_date, default=None, help="YYYY-MM-DD")
    plan.add_argument("--json", action="store_true")
    plan.set_defaults(handler=cmd_plan)

    run_once = sub.add_parser("run-once", help="send the reminders that are due now, then exit")
    run_once.add_argument("--json", action="store_true")
    run_once.set_defaults(handler=cmd_run_once)

    add = sub.add_parser("add-deadline", help="add a deadline every subscriber hears about")
    add.add_argument("--title", required=True)
    add.add_argument("--due", type=_parse_date, required=True, help="YYYY-MM-DD")
    add.add_argument("--title-en", default=None)
    add.add_argument("--json", action="store_true")
    add.set_defaults(handler=cmd_add_deadline)

    stats = sub.add_parser("stats", help="subscription and delivery counts")
    stats.add_argument("--json", action="store_true")
    stats.set_defaults(handler=cmd_stats)

    parser.set_defaults(handler=lambda _args: _usage(parser))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _emit(payload: object) -> None:
    sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")


def _database(settings: Settings) -> Database:
    from bot import migrations
    from infra.db import Database

    db = Database(settings.resolved_database_url)
    try:
        migrations.prepare(db, auto_upgrade=settings.db_auto_upgrade)
    except RuntimeError as exc:
        db.dispose()
        raise CliError(str(exc)) from None
    return db


def _today(settings: Settings) -> date:
    return today_in(make_clock(settings.smebot_now), settings.tz)


def cmd_plan(args: argparse.Namespace) -> int:
    from handlers.reminders import repo

    settings = Settings()
    today = args.today or _today(settings)
    db = _database(settings)
    try:
        with db.session() as session:
            custom = repo.custom_specs(session, since=today)
    finally:
        db.dispose()
    try:
        plan = plan_deadlines(args.batch_year, today, custom)
    except BatchYearError as exc:
        raise CliError(str(exc)) from None
    if args.json:
        _emit(plan.to_json())
        return 0
    print(f"批次 {plan.batch_year}：有效期 {plan.valid_from} 至 {plan.valid_until}")
    if not plan.deadlines:
        print("（自该日起没有截止日期）")
    for deadline in plan.deadlines:
        print(f"{deadline.due}  {deadline.kind:<15} {deadline.title}")
    return 0


def cmd_add_deadline(args: argparse.Namespace) -> int:
    from handlers.reminders import repo

    settings = Settings()
    clock = make_clock(settings.smebot_now)
    if args.due < _today(settings):
        raise CliError(f"the due date {args.due} has already passed")
    db = _database(settings)
    try:
        with db.session() as session:
            row = repo.add_custom_deadline(
                session, title=args.title, due=args.due, title_en=args.title_en, now=clock()
            )
    except ValueError as exc:
        raise CliError(str(exc)) from None
    finally:
        db.dispose()
    if args.json:
        _emit({"id": row.id, "title": row.title, "due": row.due.isoformat(), "kind": "custom"})
    else:
        print(f"已添加截止日期 #{row.id}：{row.due} {row.title}")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    from handlers.reminders import repo

    settings = Settings()
    db = _database(settings)
    try:
        with db.session() as session:
            result = repo.stats(session)
    finally:
        db.dispose()
    if args.json:
        _emit(result.to_json())
        return 0
    print(f"有效订阅：{result.active_subscriptions}（已停用 {result.inactive_subscriptions}）")
    for year, count in result.by_batch_year.items():
        print(f"  批次 {year}: {count}")
    print(f"运营方截止日期：{result.custom_deadlines}")
    print("提醒发送：" + (", ".join(f"{k}={v}" for k, v in sorted(result.deliveries.items()))
                         or "无"))
    return 0


def cmd_run_once(args: argparse.Namespace) -> int:
    from bot.channels.base import REGISTRY
    from bot.channels.runner import configured_channels

    settings = Settings()
    names = configured_channels(settings, REGISTRY)
    if not names:
        raise CliError("no channel is configured: set TELEGRAM_BOT_TOKEN, or the WECOM_* "
                       "settings, … (see README, channels)")
    report = asyncio.run(_run_once(settings, names))
    if args.json:
        _emit(report)
    else:
        print(", ".join(f"{k}={v}" for k, v in report.items()), file=sys.stderr)
    return 0


async def _run_once(settings: Settings, names: list[str]) -> dict[str, int]:
    """One scheduler pass through every configured channel: each reminder goes out through its
    user's own channel (a routing bot) within that channel's limits (a per-channel sender)."""
    from bot.channels.runner import build_channels, outbound_for
    from handlers.reminders.scheduler import ReminderScheduler

    db = _database(settings)
    channels, identities = build_channels(settings, db, names)
    # The Sender retries itself; the sessions' retry layers stand aside for its calls.
    bot, sender = outbound_for(channels, identities)
    try:
        scheduler = ReminderScheduler(db=db, clock=make_clock(settings.smebot_now),
                                      settings=settings, sender=sender)
        report = await scheduler.run_once(bot)
    finally:
        await bot.session.close()
        db.dispose()
    return report.to_json()
