"""DingTalk Stream mode with the official SDK (`dingtalk-stream`): the bot dials out.

`DingTalkStreamClient` hard-codes its gateway address (`OPEN_CONNECTION_API`, built at import
time from `https://api.dingtalk.com`) and opens it with a blocking `requests.post` inside its
async `start()`, which also never returns. `SmebotStreamClient` subclasses it minimally:
`open_connection` posts the SDK's own request body to `DINGTALK_API_BASE` (asynchronously),
and `start`/`stop` run the SDK's receive loop until asked to stop. Frame parsing, routing to
the topic handlers and the ACK of every frame stay the SDK's (`route_message`).

Robot messages (topic `/v1.0/im/bot/messages/get`) and card clicks
(`/v1.0/card/instances/callback`) are ACKed at once and processed in the background, once
per msgId / callback message id.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import platform
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote_plus

import aiohttp
import dingtalk_stream
import websockets
from dingtalk_stream import AckMessage, CallbackHandler, CallbackMessage, ChatbotMessage
from dingtalk_stream.card_callback import CardCallbackMessage
from dingtalk_stream.version import VERSION_STRING

from bot.channels.dingtalk.render import clicked_data
from bot.channels.dingtalk.settings import DingTalkSettings
from bot.channels.inbound import InboundAction, InboundEvent, InboundMessage
from infra.dedup import Deduplicator, handle_once

logger = logging.getLogger(__name__)

CHANNEL = "dingtalk"
ROBOT_TOPIC = ChatbotMessage.TOPIC  # /v1.0/im/bot/messages/get
CARD_TOPIC = CallbackHandler.TOPIC_CARD_CALLBACK  # /v1.0/card/instances/callback
EventSink = Callable[[InboundEvent], Awaitable[None]]
# Where a card click should be answered: cardBizId -> (chat id, is group), if known.
CardLocator = Callable[[str], tuple[str, bool] | None]
RECONNECT_DELAY = 3.0


def robot_message(data: dict[str, Any]) -> InboundMessage | None:
    """A robot-message frame's data -> InboundMessage (text and rich text only)."""
    message = ChatbotMessage.from_dict(data)
    texts = [t for t in (message.get_text_list() or []) if t] if message.message_type in (
        "text", "richText") else []
    text = " ".join(t.strip() for t in texts).strip()
    user_id = message.sender_staff_id or message.sender_id
    if not text or not user_id or not message.message_id:
        return None
    group = message.conversation_type == "2"
    return InboundMessage(
        channel=CHANNEL, event_id=message.message_id, user_id=user_id,
        chat_id=message.conversation_id if group else user_id,
        chat_type="group" if group else "private", text=text, message_id=message.message_id,
        user_name=message.sender_nick,
        reply_context={"session_webhook": message.session_webhook,
                       "session_webhook_expires_ms": message.session_webhook_expired_time,
                       "conversation_id": message.conversation_id},
    )


def card_click(frame_id: str, data: dict[str, Any], locate: CardLocator) -> InboundAction | None:
    callback = CardCallbackMessage.from_dict(data)
    pressed = clicked_data(callback.content)
    if pressed is None or not callback.user_id or not callback.card_instance_id:
        return None
    where = locate(callback.card_instance_id)
    chat_id, group = where if where else (callback.user_id, False)
    return InboundAction(
        channel=CHANNEL, event_id=frame_id or f"{callback.card_instance_id}:{pressed}",
        user_id=callback.user_id, chat_id=chat_id, chat_type="group" if group else "private",
        message_id=callback.card_instance_id, data=pressed,
    )


class _TopicHandler(CallbackHandler):
    """ACK at once; convert, de-duplicate and process in the background."""

    def __init__(self, client: SmebotStreamClient, convert: Callable[[CallbackMessage],
                                                                   InboundEvent | None]) -> None:
        super().__init__()
        self.client = client
        self.convert = convert

    async def process(self, callback: CallbackMessage) -> tuple[int, Any]:
        try:
            inbound = self.convert(callback)
        except Exception:
            logger.exception("DingTalk frame could not be read: %s", callback.data)
            return AckMessage.STATUS_OK, {}  # a malformed frame redelivered stays malformed
        if inbound is not None:
            self.client.schedule(inbound)
        return AckMessage.STATUS_OK, {}


class SmebotStreamClient(dingtalk_stream.DingTalkStreamClient):
    def __init__(self, settings: DingTalkSettings, sink: EventSink, dedup: Deduplicator,
                 locate_card: CardLocator = lambda _card_id: None) -> None:
        assert settings.client_id and settings.client_secret
        super().__init__(dingtalk_stream.Credential(
            settings.client_id, settings.client_secret.get_secret_value()), logger)
        self.settings = settings
        self.open_connection_url = f"{settings.api_origin}/v1.0/gateway/connections/open"
        self.sink = sink
        self.dedup = dedup
        self.tasks: set[asyncio.Task[None]] = set()
        self.connected = asyncio.Event()
        self._stopping = asyncio.Event()
        self.register_callback_handler(ROBOT_TOPIC, _TopicHandler(
            self, lambda frame: robot_message(frame.data)))
        self.register_callback_handler(CARD_TOPIC, _TopicHandler(
            self, lambda frame: card_click(frame.headers.message_id or "", frame.data,
                                           locate_card)))

    # -- the gateway ---------------------------------------------------------------------------

    async def open_connection_async(self) -> dict[str, Any] | None:
        """The SDK's `open_connection`, posted to DINGTALK_API_BASE without blocking."""
        topics = [{"type": "CALLBACK", "topic": topic} for topic in self.callback_handler_map]
        body = {"clientId": self.credential.client_id,
                "clientSecret": self.credential.client_secret, "subscriptions": topics,
                "ua": f"dingtalk-sdk-python/v{VERSION_STRING}-union", "localIp": ""}
        headers = {"Content-Type": "application/json", "Accept": "application/json",
                   "User-Agent": f"DingTalkStream/1.0 SDK/{VERSION_STRING} Python/"
                                 f"{platform.python_version()} (smebot)"}
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15)) as session, \
                    session.post(self.open_connection_url, json=body, headers=headers) as response:
                text = await response.text()
                if response.status != 200:
                    logger.error("DingTalk gateway refused: HTTP %s %s", response.status,
                                 text[:300])
                    return None
                connection = json.loads(text)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            logger.error("DingTalk gateway unreachable: %s", exc)
            return None
        if not connection.get("endpoint") or not connection.get("ticket"):
            logger.error("DingTalk gateway answer lacks endpoint/ticket: %s", connection)
            return None
        return connection

    def open_connection(self) -> dict[str, Any] | None:  # the SDK's blocking path: unused
        raise NotImplementedError("SmebotStreamClient opens connections with open_connection_async")

    async def start(self) -> None:
        """Connect, receive and ACK frames until `stop()`; reconnect after any drop."""
        self.pre_start()
        while not self._stopping.is_set():
            connection = await self.open_connection_async()
            if connection is None:
                await self._pause(RECONNECT_DELAY)
                continue
            uri = f'{connection["endpoint"]}?ticket={quote_plus(connection["ticket"])}'
            try:
                async with websockets.connect(uri) as websocket:
                    self.websocket = websocket
                    self.connected.set()
                    keepalive = asyncio.create_task(self.keepalive(websocket))
                    try:
                        async for raw in websocket:
                            task = asyncio.create_task(self.background_task(json.loads(raw)))
                            self.tasks.add(task)
                            task.add_done_callback(self.tasks.discard)
                    finally:
                        keepalive.cancel()
            except (OSError, websockets.exceptions.WebSocketException, ValueError) as exc:
                logger.warning("DingTalk stream dropped: %s", exc)
            finally:
                self.connected.clear()
            await self._pause(RECONNECT_DELAY if not self._stopping.is_set() else 0)

    async def stop(self) -> None:
        self._stopping.set()
        if self.websocket is not None:
            with contextlib.suppress(Exception):
                await self.websocket.close()
        pending = list(self.tasks)
        if pending:
            await asyncio.wait(pending, timeout=10)

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)

    # -- events --------------------------------------------------------------------------------

    def schedule(self, inbound: InboundEvent) -> None:
        task = asyncio.create_task(self._deliver(inbound))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _deliver(self, inbound: InboundEvent) -> None:
        await handle_once(self.dedup, CHANNEL, inbound.event_id, lambda: self.sink(inbound),
                          source="DingTalk")
