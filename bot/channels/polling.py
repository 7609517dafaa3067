"""Long polling: `smebot run` without WEBHOOK_URL.

aiogram's `start_polling` installs SIGINT/SIGTERM handlers that stop fetching updates; our
dispatcher's shutdown hook then waits for the updates still being handled (see bot/app.py)
before aiogram closes the bot session, so a deploy never cuts an answer in half.
"""

from __future__ import annotations

import logging

from bot.app import Services, build_dispatcher, build_ops_server, create_bot

logger = logging.getLogger(__name__)

POLLING_TIMEOUT = 30  # seconds Telegram holds a getUpdates open when there is nothing new


async def run_polling(services: Services, *, handle_signals: bool = True) -> None:
    dp = build_dispatcher(services)
    bot = create_bot(services)
    ops = build_ops_server(services)
    if ops is not None:
        await ops.start()
    try:
        # A webhook left over from webhook mode would make getUpdates fail with 409 Conflict.
        await bot.delete_webhook(drop_pending_updates=False)
        await dp.start_polling(
            bot, handle_signals=handle_signals, polling_timeout=POLLING_TIMEOUT
        )
    finally:
        await bot.session.close()
        if ops is not None:
            await ops.stop()
        await services.close()
        services.db.dispose()
