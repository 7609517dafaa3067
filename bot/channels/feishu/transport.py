"""Feishu's two ways in: HTTP event subscription and the long connection (`lark.ws.Client`).

Both hand the SDK's `EventDispatcherHandler` the raw event, so decryption (AES-256-CBC with
SHA256(Encrypt Key)), the `X-Lark-Signature` check (SHA256(timestamp + nonce + encrypt_key +
body)) and the verification token are the SDK's own code. The processors registered on it only
collect the decoded event objects; `events.py` turns them into inbound events, the
deduplicator drops redeliveries (by `event_id`), and the sink processes them in the
background, so Feishu gets its answer well inside its 3-second window.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.channels.feishu.events import CHANNEL, action_event, message_event
from bot.channels.feishu.settings import FeishuSettings
from bot.channels.inbound import InboundEvent
from infra.dedup import Deduplicator, handle_once

logger = logging.getLogger(__name__)

EventSink = Callable[[InboundEvent], Awaitable[None]]
# Feishu signs the request time; an event older than this is a replay, not a retry.
MAX_EVENT_AGE_SECONDS = 600


class _RefusalFilter(logging.Filter):
    """The SDK logs every refused event with a traceback; `FeishuHttpCallback` already logs a
    one-line warning with the reason, so a forged request does not fill the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("handle event failed")


def _tame_sdk_logging() -> None:
    """The SDK prints to stdout with a handler of its own: let its records go through the
    bot's logging instead (once), without the tracebacks of refused events."""
    from lark_oapi.core import log as sdk_log

    sdk_log.logger.removeHandler(sdk_log.handler)
    if not any(isinstance(f, _RefusalFilter) for f in sdk_log.logger.filters):
        sdk_log.logger.addFilter(_RefusalFilter())


class FeishuEventRouter:
    """Owns the SDK dispatcher and forwards what it decodes to the sink, once per event id."""

    def __init__(self, settings: FeishuSettings, sink: EventSink,
                 dedup: Deduplicator) -> None:
        import lark_oapi as lark
        from lark_oapi.event.callback.model.p2_card_action_trigger import (
            P2CardActionTriggerResponse,
        )

        _tame_sdk_logging()
        self.settings = settings
        self.sink = sink
        self.dedup = dedup
        self.loop: asyncio.AbstractEventLoop | None = None
        self.tasks: set[asyncio.Future[Any]] = set()
        self._response_type = P2CardActionTriggerResponse
        encrypt_key = settings.encrypt_key.get_secret_value() if settings.encrypt_key else ""
        token = (settings.verification_token.get_secret_value()
                 if settings.verification_token else "")
        self.dispatcher = (
            lark.EventDispatcherHandler.builder(encrypt_key, token)
            .register_p2_im_message_receive_v1(self._on_message)
            .register_p2_card_action_trigger(self._on_card_action)
            .build()
        )

    # SDK callbacks: synchronous, possibly on the long connection's thread.

    def _on_message(self, event: Any) -> None:
        self._forward(message_event(event))

    def _on_card_action(self, event: Any) -> Any:
        self._forward(action_event(event))
        return self._response_type({})  # the card is updated through the API, not here

    def _forward(self, inbound: InboundEvent | None) -> None:
        if inbound is None or self.loop is None:
            return
        future = asyncio.run_coroutine_threadsafe(self._deliver(inbound), self.loop)
        self.tasks.add(future)
        future.add_done_callback(self.tasks.discard)

    async def _deliver(self, inbound: InboundEvent) -> None:
        await handle_once(self.dedup, CHANNEL, inbound.event_id, lambda: self.sink(inbound),
                          source="Feishu")

    async def drain(self, wait_seconds: float = 10.0) -> None:
        """Wait for events already accepted (graceful stop)."""
        pending = [asyncio.wrap_future(f) for f in list(self.tasks)]
        if pending:
            await asyncio.wait(pending, timeout=wait_seconds)


class FeishuHttpCallback:
    """`FEISHU_MODE=http`: an aiohttp server on FEISHU_CALLBACK_HOST:PORT + PATH."""

    def __init__(self, router: FeishuEventRouter) -> None:
        self.router = router
        self.settings = router.settings
        self.runner: web.AppRunner | None = None
        self.port: int | None = None

    def app(self) -> web.Application:
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_post(self.settings.callback_path, self.handle)
        return app

    async def handle(self, request: web.Request) -> web.Response:
        from lark_oapi.core.model import RawRequest

        self.router.loop = asyncio.get_running_loop()
        timestamp = request.headers.get("X-Lark-Request-Timestamp")
        if timestamp is not None and not _fresh(timestamp):
            logger.warning("Feishu callback refused: stale timestamp %s", timestamp)
            return web.json_response({"msg": "stale request"}, status=401)
        raw = RawRequest()
        raw.uri = request.path
        raw.body = await request.read()
        raw.headers = {key: value for key, value in request.headers.items()}
        # Decrypt, verify and decode: CPU work only, done right here; the processors just
        # schedule the events, which run after this response is sent.
        response = self.router.dispatcher.do(raw)
        if response.status_code != 200:
            logger.warning("Feishu callback refused (%s): %s", response.status_code,
                           (response.content or b"")[:200])
        return web.Response(status=response.status_code, body=response.content,
                            content_type="application/json", charset="utf-8")

    async def start(self) -> None:
        self.router.loop = asyncio.get_running_loop()
        self.runner = web.AppRunner(self.app(), access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, self.settings.callback_host, self.settings.callback_port)
        await site.start()
        server = getattr(site, "_server", None)
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else self.settings.callback_port
        logger.info("Feishu event callback on http://%s:%s%s", self.settings.callback_host,
                    self.port, self.settings.callback_path)

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None
        await self.router.drain()


class FeishuLongConnection:
    """`FEISHU_MODE=ws`: the SDK's long connection, which dials out (no public URL needed).

    `lark.ws.Client.start()` blocks and drives the event loop its module holds, so it runs on
    a thread of its own with a fresh loop; decoded events hop back to the bot's loop. Stopping
    turns the SDK's auto-reconnect off, closes the socket and stops that loop.
    """

    def __init__(self, router: FeishuEventRouter) -> None:
        self.router = router
        self.thread: threading.Thread | None = None
        self.client: Any = None
        self.ws_loop: asyncio.AbstractEventLoop | None = None

    async def start(self) -> None:
        import lark_oapi as lark
        import lark_oapi.ws.client as ws_client

        self.router.loop = asyncio.get_running_loop()
        settings = self.router.settings
        assert settings.app_id and settings.app_secret
        self.ws_loop = asyncio.new_event_loop()
        ready = threading.Event()

        def run() -> None:
            assert self.ws_loop is not None
            asyncio.set_event_loop(self.ws_loop)
            # The SDK drives its module-level loop; the one it made at import is kept (and put
            # back afterwards) so it is neither lost nor closed under whoever owns it.
            imported_loop = ws_client.loop
            ws_client.loop = self.ws_loop
            self.client = lark.ws.Client(
                settings.app_id, settings.app_secret.get_secret_value(),  # type: ignore[union-attr]
                event_handler=self.router.dispatcher, domain=settings.api_origin,
                log_level=lark.LogLevel.WARNING,
            )
            ready.set()
            try:
                self.client.start()
            except RuntimeError:
                pass  # "Event loop stopped before Future completed": our stop()
            except Exception:
                logger.exception("Feishu long connection stopped")
            finally:
                _finish(self.ws_loop, self.client)
                ws_client.loop = imported_loop

        self.thread = threading.Thread(target=run, name="feishu-ws", daemon=True)
        self.thread.start()
        await asyncio.to_thread(ready.wait, 10)

    async def stop(self) -> None:
        loop, client = self.ws_loop, self.client
        if loop is not None and client is not None and not loop.is_closed():
            client._auto_reconnect = False
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(loop.stop)  # the thread then closes the socket
        if self.thread is not None:
            await asyncio.to_thread(self.thread.join, 10)
            self.thread = None
        await self.router.drain()


def _finish(loop: asyncio.AbstractEventLoop, client: Any) -> None:
    """Cancel what the SDK left on its loop (ping and receive loops, its cache's cron), close
    the websocket, then the loop."""
    pending = asyncio.all_tasks(loop)
    for task in pending:
        task.cancel()
    with contextlib.suppress(Exception):
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    connection = getattr(client, "_conn", None)
    if connection is not None:
        with contextlib.suppress(Exception):
            loop.run_until_complete(connection.close())
    loop.close()


def _fresh(timestamp: str) -> bool:
    try:
        return abs(time.time() - int(timestamp)) <= MAX_EVENT_AGE_SECONDS
    except ValueError:
        return False
