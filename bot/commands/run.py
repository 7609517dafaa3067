"""`smebot run` (the Telegram bot) and `smebot chat` (the same bot in the terminal)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import subprocess
import sys

from bot.cli import CliError
from infra.settings import Settings


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    run = subparsers.add_parser(
        "run",
        help="run the Telegram bot (long polling; webhook when WEBHOOK_URL is set)",
        description="Run the Telegram bot. Needs TELEGRAM_BOT_TOKEN; TELEGRAM_API_BASE points "
        "it at another Bot API server; WEBHOOK_URL switches to webhook mode. With --channel "
        "(repeatable) exactly those channels run in this process.",
    )
    run.add_argument(
        "--channel", action="append", default=None, metavar="NAME",
        help="a channel to run: telegram, wecom, … (repeat for several)",
    )
    run.set_defaults(handler=run_command)

    chat = subparsers.add_parser(
        "chat",
        help="talk to the bot in the terminal (no token, no network)",
        description="The same bot in the terminal: type questions and commands; a number "
        "presses a button; Ctrl-D (EOF) quits. Works with piped stdin.",
    )
    chat.add_argument("--lang", choices=("zh", "en"), default="zh", help="your language")
    chat.add_argument("--user-id", type=int, default=1, help="the console user's id")
    chat.set_defaults(handler=chat_command)


def _load_settings() -> Settings:
    try:
        return Settings()
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        raise CliError(f"invalid settings: {exc}") from exc


def _show_info_logs() -> None:
    # The CLI logs warnings only by default; a running bot should say what it is doing.
    root = logging.getLogger()
    if root.level > logging.INFO:
        root.setLevel(logging.INFO)
        logging.getLogger("aiogram.event").setLevel(logging.WARNING)  # one line per update


def run_command(args: argparse.Namespace) -> int:
    settings = _load_settings()
    if args.channel:
        return _run_channels(settings, args.channel)
    if settings.telegram_bot_token is None or not settings.telegram_bot_token.get_secret_value():
        raise CliError(
            "TELEGRAM_BOT_TOKEN is not set. Get a token from @BotFather and put it in the "
            "environment or .env; to try the bot without Telegram, run `smebot chat`."
        )
    # Today's behaviour, through the channel seam: Telegram (long polling, or the webhook
    # server when WEBHOOK_URL is set).
    return _run_channels(settings, ["telegram"])


def _run_channels(settings: Settings, names: list[str]) -> int:
    from bot.channels.config import ChannelConfigError
    from bot.channels.runner import check_channels

    try:
        names = check_channels(settings, names)  # fail before loading the knowledge base
    except ChannelConfigError as exc:
        raise CliError(str(exc)) from None
    _show_info_logs()
    # aiogram is imported here, not at module level: every `smebot` command loads this module and
    # aiogram's types take seconds to import, which `kb`, `ask` and `assess` must not pay for.
    from aiogram.exceptions import TelegramNetworkError, TelegramUnauthorizedError

    from bot.app import build_services
    from bot.channels.runner import run_channels
    from bot.channels.webhook import WebhookSetupError

    workers = _spawn_workers(settings) if settings.webhook_url else []
    services = build_services(settings)
    logging.getLogger(__name__).info("starting channels: %s", ", ".join(names))
    try:
        asyncio.run(run_channels(services, names))
    except WebhookSetupError as exc:
        raise CliError(str(exc)) from exc
    except TelegramUnauthorizedError as exc:
        raise CliError("Telegram rejected TELEGRAM_BOT_TOKEN (401 Unauthorized)") from exc
    except TelegramNetworkError as exc:
        where = settings.telegram_api_base or "api.telegram.org"
        raise CliError(f"cannot reach the Bot API at {where}: {exc}") from exc
    except OSError as exc:  # e.g. the callback port is taken
        raise CliError(f"cannot start the channels: {exc}") from exc
    finally:
        _stop_workers(workers)
    return 0


def _spawn_workers(settings: Settings) -> list[subprocess.Popen[bytes]]:
    """WEBHOOK_WORKERS=N: this process is worker 0 and starts N-1 more `smebot run` processes on
    the same port (SO_REUSEPORT: the kernel spreads connections over them). Each has its own
    metrics port (METRICS_PORT + its index). Every worker runs the reminder scheduler: claims are
    row leases (FOR UPDATE SKIP LOCKED on PostgreSQL), so they never send one reminder twice."""
    extra = settings.webhook_workers - 1
    if extra <= 0:
        return []
    if settings.resolved_database_url.startswith("sqlite") or not settings.redis_url:
        logging.getLogger(__name__).warning(
            "WEBHOOK_WORKERS=%d without PostgreSQL and REDIS_URL: send limits are per worker "
            "and SQLite serialises the writers", settings.webhook_workers,
        )
    children = []
    for index in range(1, extra + 1):
        env = {**os.environ, "WEBHOOK_WORKERS": "1", "SMEBOT_WORKER_INDEX": str(index)}
        if settings.metrics_port:
            env["METRICS_PORT"] = str(settings.metrics_port + index)
        children.append(subprocess.Popen([sys.executable, "-m", "bot", "run"], env=env))
    return children


def _stop_workers(children: list[subprocess.Popen[bytes]]) -> None:
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    for child in children:
        try:
            child.wait(timeout=60)
        except subprocess.TimeoutExpired:
            child.kill()


def chat_command(args: argparse.Namespace) -> int:
    settings = _load_settings()
    from bot.app import build_services
    from bot.channels.console import chat_loop

    print("smebot: loading the knowledge base…", file=sys.stderr)
    services = build_services(settings)
    try:
        return asyncio.run(chat_loop(services, user_id=args.user_id, lang=args.lang))
    finally:
        services.db.dispose()
