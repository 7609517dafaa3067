"""The inbound side of WeCom: the callback URL (接收消息服务器) of the self-built application.

- `GET ?msg_signature&timestamp&nonce&echostr`: URL verification. The signature is checked and
  the decrypted echostr is the plain-text body.
- `POST ?msg_signature&timestamp&nonce` with `<xml><ToUserName/><Encrypt/><AgentID/></xml>`:
  the signature is checked, the message decrypted (the receive id inside must be our corp id)
  and answered 200 with an empty body at once; the message is handled in a background task, so
  WeCom's 5-second window never depends on how long an answer takes.
- A bad signature, a missing parameter, another corp id or another agent: 4xx, nothing handled.
- WeCom retries a callback it got no answer for (three times): every message is processed once,
  keyed by `MsgId` for messages and by sender + create time + event + task + key for events,
  through a `Deduplicator` (a database table, so restarts do not forget).

wechatpy's `WeChatCrypto` does the crypto; `parse_message` parses ordinary messages, and events
it does not know (`template_card_event`) are read from the decrypted XML with xmltodict.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import xmltodict
from aiohttp import web
from wechatpy.enterprise import parse_message
from wechatpy.enterprise.crypto import WeChatCrypto
from wechatpy.enterprise.exceptions import InvalidCorpIdException
from wechatpy.exceptions import InvalidSignatureException

from bot.channels.wecom.settings import WeComSettings
from infra.dedup import Deduplicator, release_after_failure

logger = logging.getLogger(__name__)

CHANNEL = "wecom"


@dataclass(slots=True)
class Inbound:
    """One decrypted WeCom callback, reduced to what the channel acts on."""

    kind: str  # "text", "click" (template_card_event), "enter" (enter_agent), "other"
    user_id: str
    agent_id: int | None
    create_time: int
    text: str = ""
    msg_id: str = ""
    event: str = ""
    event_key: str = ""
    task_id: str = ""
    response_code: str = ""
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def dedup_key(self) -> str:
        if self.msg_id:
            return f"msg:{self.msg_id}"
        return f"ev:{self.user_id}:{self.create_time}:{self.event}:{self.task_id}:{self.event_key}"


def parse_inbound(xml: str) -> Inbound:
    """Decrypted callback XML -> Inbound."""
    fields = xmltodict.parse(xml)["xml"]
    msg_type = str(fields.get("MsgType") or "").lower()
    agent = fields.get("AgentID")
    base: dict[str, Any] = {
        "user_id": str(fields.get("FromUserName") or ""),
        "agent_id": int(agent) if agent not in (None, "") else None,
        "create_time": int(fields.get("CreateTime") or 0),
        "raw": dict(fields),
    }
    if msg_type == "text":
        message = parse_message(xml)  # wechatpy's TextMessage
        return Inbound(kind="text", text=str(message.content or ""), msg_id=str(message.id or ""),
                       **base)
    if msg_type == "event":
        event = str(fields.get("Event") or "").lower()
        kind = {"template_card_event": "click", "enter_agent": "enter"}.get(event, "other")
        return Inbound(
            kind=kind, event=event, event_key=str(fields.get("EventKey") or ""),
            task_id=str(fields.get("TaskId") or ""),
            response_code=str(fields.get("ResponseCode") or ""), **base,
        )
    return Inbound(kind="other", msg_id=str(fields.get("MsgId") or ""), event=msg_type, **base)


InboundHandler = Callable[[Inbound], Awaitable[None]]


class WeComCallback:
    """The aiohttp application serving WeCom's callback URL."""

    def __init__(
        self,
        settings: WeComSettings,
        *,
        dedup: Deduplicator,
        handler: InboundHandler,
    ) -> None:
        self.settings = settings
        self.crypto = WeChatCrypto(settings.token, settings.aes_key, settings.corp_id)
        self.dedup = dedup
        self.handler = handler
        self.tasks: set[asyncio.Task[None]] = set()
        self.stats = {"accepted": 0, "duplicate": 0, "refused": 0, "failed": 0}

    def app(self) -> web.Application:
        app = web.Application()
        path = self.settings.wecom_callback_path
        app.router.add_get(path, self.verify_url)
        app.router.add_post(path, self.receive)
        return app

    def _refuse(self, status: int, reason: str) -> web.Response:
        self.stats["refused"] += 1
        logger.warning("WeCom callback refused (%s): %s", status, reason)
        return web.Response(status=status, text=reason)

    async def verify_url(self, request: web.Request) -> web.Response:
        query = request.query
        try:
            signature, timestamp = query["msg_signature"], query["timestamp"]
            nonce, echostr = query["nonce"], query["echostr"]
        except KeyError as exc:
            return self._refuse(400, f"missing parameter {exc.args[0]}")
        try:
            plain = self.crypto.check_signature(signature, timestamp, nonce, echostr)
        except InvalidSignatureException:
            return self._refuse(403, "bad signature")
        except InvalidCorpIdException:
            return self._refuse(403, "another corp id")
        except Exception:  # undecryptable echostr (bad padding, not base64)
            return self._refuse(400, "undecryptable echostr")
        text = plain.decode() if isinstance(plain, bytes) else str(plain)
        return web.Response(text=text, content_type="text/plain")

    async def receive(self, request: web.Request) -> web.Response:
        query = request.query
        try:
            signature, timestamp, nonce = (query["msg_signature"], query["timestamp"],
                                           query["nonce"])
        except KeyError as exc:
            return self._refuse(400, f"missing parameter {exc.args[0]}")
        body = await request.text()
        try:
            outer = xmltodict.parse(body)["xml"]
            if not outer.get("Encrypt"):
                raise ValueError("no Encrypt element")
        except Exception:
            return self._refuse(400, "not a WeCom callback body")
        to_user = outer.get("ToUserName")
        if to_user and to_user != self.settings.corp_id:
            return self._refuse(403, "another corp id")
        try:
            xml = self.crypto.decrypt_message(body, signature, timestamp, nonce)
        except InvalidSignatureException:
            return self._refuse(403, "bad signature")
        except InvalidCorpIdException:
            return self._refuse(403, "another corp id")
        except Exception:
            return self._refuse(400, "undecryptable message")
        try:
            inbound = parse_inbound(xml.decode() if isinstance(xml, bytes) else xml)
        except Exception:
            return self._refuse(400, "unreadable message")
        if inbound.agent_id is not None and inbound.agent_id != self.settings.agent_id:
            return self._refuse(403, "another application")
        if not await self.dedup.first_time(CHANNEL, inbound.dedup_key):
            self.stats["duplicate"] += 1
            logger.info("WeCom callback %s already processed", inbound.dedup_key)
            return web.Response(status=200, body=b"")
        self.stats["accepted"] += 1
        task = asyncio.create_task(self._handle(inbound), name=f"wecom-{inbound.dedup_key}")
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return web.Response(status=200, body=b"")

    async def _handle(self, inbound: Inbound) -> None:
        try:
            await self.handler(inbound)
        except Exception:  # the bot never dies on an update
            self.stats["failed"] += 1
            logger.exception("WeCom callback %s failed", inbound.dedup_key)
            # WeCom's retry of this message (or a redelivery to another replica) is handled.
            await release_after_failure(self.dedup, CHANNEL, inbound.dedup_key)

    async def drain(self, grace_seconds: float = 30.0) -> None:
        """Wait for callbacks still being handled (graceful shutdown)."""
        if self.tasks:
            await asyncio.wait(set(self.tasks), timeout=grace_seconds)
