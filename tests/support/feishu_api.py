"""A local stand-in for Feishu's Open Platform (open.feishu.cn), served over real HTTP.

The bot's SDK client talks to it exactly as to Feishu (`FEISHU_API_BASE` = `base_url`):

- `POST /open-apis/auth/v3/tenant_access_token/internal` (`app_id`, `app_secret`) ->
  `tenant_access_token`, `expire`; a wrong secret -> code 10014.
- `POST /open-apis/im/v1/messages?receive_id_type=…` (`receive_id`, `msg_type`, `content` as a
  JSON *string*), `POST …/messages/:id/reply`, `PATCH …/messages/:id` (cards only),
  `POST /open-apis/im/v1/images` and `/files` (multipart uploads).
  Every call needs `Authorization: Bearer <tenant token>` (else 99991663). Content must be a
  JSON string of the right shape for its msg_type (else 230001), at most 30 KB for cards
  (230025) and 150 KB otherwise; buttons must carry a dict `value`.
- Error injection: `fail_next(path_part, code, count=)` answers the next matching calls with a
  Feishu error code (e.g. 99991400, the rate limit, with HTTP 400 as Feishu does).

The other direction, Feishu -> bot: `post_event(url, event)` encrypts an event the way Feishu
does (AES-256-CBC, key SHA256(Encrypt Key), random IV prepended, base64), signs it
(`X-Lark-Signature` = SHA256(timestamp + nonce + encrypt_key + body)) and POSTs it;
`url_verification(url)` sends the challenge. Forgeries are built by passing another key/token.
This module implements the crypto itself (pycryptodome), not through the bot's SDK.
The long connection (endpoint + protobuf websocket) is `long_connection` (feishu_ws.py).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import itertools
import json
import os
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web
from Crypto.Cipher import AES

from tests.support.feishu_ws import FeishuLongConnectionStandIn

APP_ID = "cli_standin0000001"
APP_SECRET = "standin-app-secret"
ENCRYPT_KEY = "standin-encrypt-key"
VERIFICATION_TOKEN = "standin-verification-token"
CARD_LIMIT = 30 * 1024
TEXT_LIMIT = 150 * 1024


@dataclass
class SentMessage:
    message_id: str
    receive_id: str
    receive_id_type: str
    msg_type: str
    content: dict[str, Any]
    history: list[dict[str, Any]] = field(default_factory=list)  # earlier contents (patches)
    seq: int = 0  # the stand-in's change counter when it was sent or last patched

    @property
    def text(self) -> str:
        """The visible text: card markdown, text, or a file/image marker."""
        if self.msg_type == "interactive":
            return "\n".join(str(e.get("content", "")) for e in self.content.get("elements", [])
                             if e.get("tag") == "markdown")
        if self.msg_type == "text":
            return str(self.content.get("text", ""))
        return f"[{self.msg_type}] " + json.dumps(self.content)

    @property
    def buttons(self) -> list[dict[str, Any]]:
        if self.msg_type != "interactive":
            return []
        return [a for e in self.content.get("elements", []) if e.get("tag") == "action"
                for a in e.get("actions", [])]


class FeishuStandIn:
    def __init__(self, *, app_id: str = APP_ID, app_secret: str = APP_SECRET,
                 encrypt_key: str = ENCRYPT_KEY, token: str = VERIFICATION_TOKEN) -> None:
        self.app_id = app_id
        self.app_secret = app_secret
        self.encrypt_key = encrypt_key
        self.verification_token = token
        self.tokens: set[str] = set()
        self.messages: dict[str, SentMessage] = {}
        self.order: list[str] = []
        self.uploads: dict[str, dict[str, Any]] = {}
        self.requests: list[dict[str, Any]] = []
        self._failures: list[list[Any]] = []
        self._ids = itertools.count(1)
        self._seq = itertools.count(1)
        self.last_seq = 0
        self._changed = asyncio.Event()
        self.runner: web.AppRunner | None = None
        self.base_url = ""
        self.long_connection = FeishuLongConnectionStandIn(app_id, app_secret)

    # -- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> FeishuStandIn:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/open-apis/auth/v3/tenant_access_token/internal", self._token)
        app.router.add_post("/open-apis/im/v1/messages", self._create)
        app.router.add_post("/open-apis/im/v1/messages/{message_id}/reply", self._reply)
        app.router.add_patch("/open-apis/im/v1/messages/{message_id}", self._patch)
        app.router.add_post("/open-apis/im/v1/images", self._image)
        app.router.add_post("/open-apis/im/v1/files", self._file)
        self.long_connection.install(app)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"
        self.long_connection.base_url = self.base_url
        return self

    async def stop(self) -> None:
        for ws in list(self.long_connection.connections):
            await ws.close()
        if self.runner is not None:
            await self.runner.cleanup()

    def fail_next(self, path_part: str, code: int, *, count: int = 1, status: int = 400) -> None:
        self._failures.append([path_part, code, count, status])

    # -- what the test reads -------------------------------------------------------------------

    def sent(self, receive_id: str | None = None) -> list[SentMessage]:
        return [self.messages[i] for i in self.order
                if receive_id is None or self.messages[i].receive_id == receive_id]

    def mark(self) -> int:
        """The change counter now: `wait_for(..., after=mark)` sees only later changes."""
        return self.last_seq

    def _touch(self, message: SentMessage) -> None:
        self.last_seq = message.seq = next(self._seq)
        self._changed.set()

    async def wait_for(self, predicate: Any, timeout: float = 15.0,  # noqa: ASYNC109
                       *, after: int = 0) -> SentMessage:
        """The first message sent or patched after `after` for which `predicate` is true."""
        deadline = time.monotonic() + timeout
        while True:
            for message in self.sent():
                if message.seq > after and predicate(message):
                    return message
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                shown = [m.text[:80] for m in self.sent()][-5:]
                raise TimeoutError(f"no matching Feishu message; last: {shown}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), timeout=min(remaining, 0.5))

    # -- the API -------------------------------------------------------------------------------

    def _error(self, code: int, msg: str, status: int = 400) -> web.Response:
        return web.json_response({"code": code, "msg": msg}, status=status)

    def _check(self, request: web.Request) -> web.Response | None:
        self.requests.append({"method": request.method, "path": request.path,
                              "query": dict(request.query)})
        for failure in self._failures:
            if failure[0] in request.path and failure[2] > 0:
                failure[2] -= 1
                return self._error(failure[1], "injected failure", failure[3])
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self.tokens:
            return self._error(99991663, "Invalid access token for authorization.", 400)
        return None

    async def _token(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append({"method": "POST", "path": request.path, "body": body})
        if body.get("app_id") != self.app_id or body.get("app_secret") != self.app_secret:
            return web.json_response({"code": 10014, "msg": "app secret invalid"})
        token = f"t-{uuid.uuid4().hex}"
        self.tokens.add(token)
        return web.json_response({"code": 0, "msg": "ok", "tenant_access_token": token,
                                  "expire": 7200})

    def _validate(self, msg_type: str, raw: Any) -> dict[str, Any] | web.Response:
        if not isinstance(raw, str):
            return self._error(230001, "content must be a JSON string")
        size = len(raw.encode("utf-8"))
        if size > (CARD_LIMIT if msg_type == "interactive" else TEXT_LIMIT):
            return self._error(230025, "message content is too long")
        try:
            content = json.loads(raw)
        except ValueError:
            return self._error(230001, "content is not valid JSON")
        shapes = {"text": "text", "image": "image_key", "file": "file_key", "post": None,
                  "interactive": "elements"}
        if msg_type not in shapes:
            return self._error(230001, f"unsupported msg_type {msg_type}")
        key = shapes[msg_type]
        if key is not None and key not in content:
            return self._error(230001, f"{msg_type} content needs {key}")
        if key in ("image_key", "file_key") and content[key] not in self.uploads:
            return self._error(234001, f"unknown {key}")
        if msg_type == "interactive":
            for element in content["elements"]:
                for action in element.get("actions", []):
                    if "value" in action and not isinstance(action["value"], dict):
                        return self._error(230099, "button value must be an object")
        return content

    def _store(self, receive_id: str, id_type: str, msg_type: str,
               content: dict[str, Any]) -> web.Response:
        message_id = f"om_{next(self._ids):06d}{uuid.uuid4().hex[:8]}"
        self.messages[message_id] = SentMessage(message_id, receive_id, id_type, msg_type, content)
        self.order.append(message_id)
        self._touch(self.messages[message_id])
        return web.json_response({"code": 0, "msg": "success", "data": {
            "message_id": message_id, "msg_type": msg_type, "chat_id": receive_id,
            "create_time": str(int(time.time() * 1000)),
            "body": {"content": json.dumps(content, ensure_ascii=False)}}})

    async def _create(self, request: web.Request) -> web.Response:
        if (refused := self._check(request)) is not None:
            return refused
        id_type = request.query.get("receive_id_type", "")
        if id_type not in ("open_id", "user_id", "union_id", "email", "chat_id"):
            return self._error(99992402, "field validation failed: receive_id_type")
        body = await request.json()
        self.requests[-1]["body"] = body
        content = self._validate(str(body.get("msg_type")), body.get("content"))
        if isinstance(content, web.Response):
            return content
        if not body.get("receive_id"):
            return self._error(99992402, "field validation failed: receive_id")
        return self._store(body["receive_id"], id_type, body["msg_type"], content)

    async def _reply(self, request: web.Request) -> web.Response:
        if (refused := self._check(request)) is not None:
            return refused
        original = self.messages.get(request.match_info["message_id"])
        if original is None:
            return self._error(230011, "message not found")
        body = await request.json()
        content = self._validate(str(body.get("msg_type")), body.get("content"))
        if isinstance(content, web.Response):
            return content
        return self._store(original.receive_id, original.receive_id_type, body["msg_type"],
                           content)

    async def _patch(self, request: web.Request) -> web.Response:
        if (refused := self._check(request)) is not None:
            return refused
        message = self.messages.get(request.match_info["message_id"])
        if message is None:
            return self._error(230011, "message not found")
        if message.msg_type != "interactive":
            return self._error(230001, "only cards can be patched")
        body = await request.json()
        content = self._validate("interactive", body.get("content"))
        if isinstance(content, web.Response):
            return content
        message.history.append(message.content)
        message.content = content
        self.order.remove(message.message_id)
        self.order.append(message.message_id)  # "changed last" ordering for waits
        self._touch(message)
        return web.json_response({"code": 0, "msg": "success", "data": {}})

    async def _upload(self, request: web.Request, field_name: str, kind: str) -> dict[str, Any]:
        form = await request.post()
        upload = form.get(field_name)
        if not isinstance(upload, web.FileField):
            raise ValueError(field_name)
        data = upload.file.read()
        key = f"{kind}_v3_{uuid.uuid4().hex[:12]}"
        self.uploads[key] = {"kind": kind, "bytes": data, "form": {k: v for k, v in form.items()
                                                                   if isinstance(v, str)}}
        return {"key": key, "size": len(data)}

    async def _image(self, request: web.Request) -> web.Response:
        if (refused := self._check(request)) is not None:
            return refused
        try:
            stored = await self._upload(request, "image", "img")
        except ValueError:
            return self._error(234001, "image is required")
        if self.uploads[stored["key"]]["form"].get("image_type") != "message":
            return self._error(234001, "image_type must be message")
        return web.json_response({"code": 0, "msg": "success",
                                  "data": {"image_key": stored["key"]}})

    async def _file(self, request: web.Request) -> web.Response:
        if (refused := self._check(request)) is not None:
            return refused
        try:
            stored = await self._upload(request, "file", "file")
        except ValueError:
            return self._error(234001, "file is required")
        form = self.uploads[stored["key"]]["form"]
        if not form.get("file_type") or not form.get("file_name"):
            return self._error(234001, "file_type and file_name are required")
        return web.json_response({"code": 0, "msg": "success",
                                  "data": {"file_key": stored["key"]}})

    # -- Feishu -> bot -------------------------------------------------------------------------

    def encrypt(self, payload: dict[str, Any], key: str | None = None) -> str:
        plain = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        pad = AES.block_size - len(plain) % AES.block_size
        iv = os.urandom(16)
        cipher = AES.new(hashlib.sha256((key or self.encrypt_key).encode()).digest(),
                         AES.MODE_CBC, iv)
        return base64.b64encode(iv + cipher.encrypt(plain + bytes([pad]) * pad)).decode()

    def signed_request(self, payload: dict[str, Any], *, encrypt_key: str | None = None,
                       sign_key: str | None = None, timestamp: int | None = None
                       ) -> tuple[bytes, dict[str, str]]:
        body = json.dumps({"encrypt": self.encrypt(payload, encrypt_key)}).encode()
        stamp = str(timestamp if timestamp is not None else int(time.time()))
        nonce = uuid.uuid4().hex
        signature = hashlib.sha256(
            (stamp + nonce + (sign_key or self.encrypt_key)).encode() + body).hexdigest()
        return body, {"Content-Type": "application/json", "X-Lark-Request-Timestamp": stamp,
                      "X-Lark-Request-Nonce": nonce, "X-Lark-Signature": signature}

    async def post_event(self, url: str, payload: dict[str, Any], **forgery: Any
                         ) -> tuple[int, dict[str, Any]]:
        body, headers = self.signed_request(payload, **forgery)
        async with aiohttp.ClientSession() as session, session.post(
                url, data=body, headers=headers) as response:
            text = await response.text()
            try:
                return response.status, json.loads(text)
            except ValueError:
                return response.status, {"raw": text}

    async def url_verification(self, url: str, *, token: str | None = None
                               ) -> tuple[int, dict[str, Any]]:
        challenge = uuid.uuid4().hex
        payload = {"challenge": challenge, "token": token or self.verification_token,
                   "type": "url_verification"}
        status, answer = await self.post_event(url, payload)
        answer["_sent_challenge"] = challenge
        return status, answer

    # -- event builders (Feishu's v2 schema) ---------------------------------------------------

    def _header(self, event_type: str, event_id: str | None, token: str | None) -> dict[str, Any]:
        return {"event_id": event_id or uuid.uuid4().hex, "event_type": event_type,
                "create_time": str(int(time.time() * 1000)),
                "token": token or self.verification_token, "app_id": self.app_id,
                "tenant_key": "standin-tenant"}

    def message_event(self, open_id: str, text: str, *, chat_id: str | None = None,
                      chat_type: str = "p2p", event_id: str | None = None,
                      mention: bool = False, token: str | None = None) -> dict[str, Any]:
        mentions = None
        if mention:
            text = f"@_user_1 {text}"
            mentions = [{"key": "@_user_1", "id": {"open_id": "ou_bot"}, "name": "集群通",
                         "tenant_key": "standin-tenant"}]
        message: dict[str, Any] = {
            "message_id": f"om_in_{uuid.uuid4().hex[:12]}",
            "create_time": str(int(time.time() * 1000)),
            "chat_id": chat_id or f"oc_p2p_{open_id}", "chat_type": chat_type,
            "message_type": "text", "content": json.dumps({"text": text}, ensure_ascii=False),
        }
        if mentions:
            message["mentions"] = mentions
        return {"schema": "2.0", "header": self._header("im.message.receive_v1", event_id, token),
                "event": {"sender": {"sender_id": {"open_id": open_id, "union_id": "on_x",
                                                   "user_id": None},
                                     "sender_type": "user", "tenant_key": "standin-tenant"},
                          "message": message}}

    def card_action_event(self, open_id: str, message: SentMessage, button_text: str, *,
                          event_id: str | None = None) -> dict[str, Any]:
        """A click on a button the bot actually sent (matched by its label, then substring)."""
        buttons = message.buttons
        chosen = next((b for b in buttons if b["text"]["content"] == button_text), None) or next(
            (b for b in buttons if button_text in b["text"]["content"]), None)
        if chosen is None:
            labels = [b["text"]["content"] for b in buttons]
            raise LookupError(f"no button {button_text!r} on the card; it has {labels}")
        return {"schema": "2.0",
                "header": self._header("card.action.trigger", event_id, None),
                "event": {"operator": {"open_id": open_id, "tenant_key": "standin-tenant"},
                          "token": f"c-{uuid.uuid4().hex}",
                          "action": {"value": chosen.get("value", {}), "tag": "button"},
                          "host": "im_message", "delivery_type": "url_page",
                          "context": {"open_message_id": message.message_id,
                                      "open_chat_id": message.receive_id}}}
