"""A local stand-in for DingTalk's Stream gateway and robot APIs, over real HTTP/websocket.

The bot's Stream client talks to it exactly as to api.dingtalk.com (`DINGTALK_API_BASE` =
`base_url`):

- `POST /v1.0/gateway/connections/open` (clientId, clientSecret, subscriptions) ->
  `{"endpoint": "ws://…/connect", "ticket": …}`; a wrong secret -> 401.
- The websocket at the endpoint (`?ticket=`; an unknown ticket is refused) carries JSON
  frames: `push_robot_message(...)` sends a robot message (`type: CALLBACK`, topic
  `/v1.0/im/bot/messages/get`, `data` a JSON string, as DingTalk does) and
  `push_card_click(...)` a card callback (`/v1.0/card/instances/callback`). Every frame must be
  ACKed (`{"code": 200, "headers": {"messageId": …}, …}`); `acks` records them and
  `wait_ack(frame_id)` waits for one.
- `POST /v1.0/oauth2/accessToken` (appKey/appSecret) -> accessToken, expireIn.
- `POST /v1.0/robot/oToMessages/batchSend`, `POST /v1.0/robot/groupMessages/send`,
  `POST /v1.0/im/v1.0/robot/interactiveCards/send`, `PUT /v1.0/im/robots/interactiveCards`
  (header `x-acs-dingtalk-access-token`, else 401), `POST /media/upload?access_token=`.
- Each robot message carries a `sessionWebhook` on this server (`/robot/sendBySession?session=`)
  that records replies; an unknown or expired session -> errcode 300001.
- `fail_next(path_part, status, code)` injects errors (e.g. 429 `Throttling.Api`).

Everything the bot sent lands in `outbox` (replies, proactive sends, cards, card updates).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

CLIENT_ID = "dingstandinclientid"
CLIENT_SECRET = "standin-client-secret"
ROBOT_CODE = "dingstandinrobot"
ROBOT_TOPIC = "/v1.0/im/bot/messages/get"
CARD_TOPIC = "/v1.0/card/instances/callback"


@dataclass
class Outgoing:
    """One message the bot sent. `via`: webhook | user | group | card."""

    via: str
    chat_id: str
    kind: str  # msgtype / msgKey / "card"
    payload: dict[str, Any]
    card_biz_id: str | None = None
    history: list[dict[str, Any]] = field(default_factory=list)
    seq: int = 0  # the stand-in's change counter when it was sent or last updated

    @property
    def text(self) -> str:
        p = self.payload
        if self.kind == "card":
            return "\n".join(c.get("text", "") for c in p.get("contents", [])
                             if c.get("type") == "markdown")
        if self.kind in ("markdown", "sampleMarkdown"):
            return str(p.get("text", ""))
        if self.kind in ("text", "sampleText"):
            return str(p.get("content", ""))
        return f"[{self.kind}] " + json.dumps(p, ensure_ascii=False)

    @property
    def buttons(self) -> list[dict[str, Any]]:
        if self.kind != "card":
            return []
        return [a for c in self.payload.get("contents", []) if c.get("type") == "action"
                for a in c.get("actions", [])]


class DingTalkStandIn:
    def __init__(self, *, client_id: str = CLIENT_ID, client_secret: str = CLIENT_SECRET,
                 robot_code: str = ROBOT_CODE) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.robot_code = robot_code
        self.tickets: set[str] = set()
        self.tokens: set[str] = set()
        self.sessions: dict[str, tuple[str, bool, float]] = {}  # session -> chat, group, expiry
        self.outbox: list[Outgoing] = []
        self.media: dict[str, dict[str, Any]] = {}
        self.acks: dict[str, dict[str, Any]] = {}
        self.frames: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []
        self.connections: list[web.WebSocketResponse] = []
        self.open_requests: list[dict[str, Any]] = []
        self._failures: list[list[Any]] = []
        self._changed = asyncio.Event()
        self._connected = asyncio.Event()
        self._seq = itertools.count(1)
        self.last_seq = 0
        self.runner: web.AppRunner | None = None
        self.base_url = ""

    # -- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> DingTalkStandIn:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/v1.0/gateway/connections/open", self._open)
        app.router.add_get("/connect", self._websocket)
        app.router.add_post("/v1.0/oauth2/accessToken", self._token)
        app.router.add_post("/v1.0/robot/oToMessages/batchSend", self._batch_send)
        app.router.add_post("/v1.0/robot/groupMessages/send", self._group_send)
        app.router.add_post("/v1.0/im/v1.0/robot/interactiveCards/send", self._card_send)
        app.router.add_put("/v1.0/im/robots/interactiveCards", self._card_update)
        app.router.add_post("/media/upload", self._upload)
        app.router.add_post("/robot/sendBySession", self._session_webhook)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        for ws in list(self.connections):
            with contextlib.suppress(Exception):
                await ws.close()
        if self.runner is not None:
            await self.runner.cleanup()

    def fail_next(self, path_part: str, status: int, code: str, *, count: int = 1) -> None:
        self._failures.append([path_part, status, code, count])

    # -- the Stream gateway --------------------------------------------------------------------

    async def _open(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.open_requests.append(body)
        if body.get("clientId") != self.client_id or body.get(
                "clientSecret") != self.client_secret:
            return web.json_response({"code": "InvalidAuthentication",
                                      "message": "clientId or clientSecret invalid"}, status=401)
        ticket = uuid.uuid4().hex
        self.tickets.add(ticket)
        endpoint = self.base_url.replace("http://", "ws://") + "/connect"
        return web.json_response({"endpoint": endpoint, "ticket": ticket})

    async def _websocket(self, request: web.Request) -> web.StreamResponse:
        if request.query.get("ticket") not in self.tickets:
            return web.Response(status=403, text="invalid ticket")
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.connections.append(ws)
        self._connected.set()
        try:
            async for message in ws:
                if message.type != WSMsgType.TEXT:
                    continue
                ack = json.loads(message.data)
                frame_id = ack.get("headers", {}).get("messageId")
                if frame_id:
                    self.acks[frame_id] = ack
                    self._changed.set()
        finally:
            self.connections.remove(ws)
            if not self.connections:
                self._connected.clear()
        return ws

    async def wait_connected(self, timeout: float = 20.0) -> None:  # noqa: ASYNC109
        await asyncio.wait_for(self._connected.wait(), timeout)

    async def _push(self, topic: str, data: dict[str, Any], frame_id: str | None = None) -> str:
        if not self.connections:
            raise ConnectionError("the bot has no Stream connection open")
        frame_id = frame_id or f"frame-{uuid.uuid4().hex[:16]}"
        frame = {"specVersion": "1.0", "type": "CALLBACK",
                 "headers": {"appId": "standin-app", "connectionId": "standin-conn",
                             "contentType": "application/json", "messageId": frame_id,
                             "time": str(int(time.time() * 1000)), "topic": topic},
                 "data": json.dumps(data, ensure_ascii=False)}
        self.frames.append(frame)
        await self.connections[-1].send_str(json.dumps(frame, ensure_ascii=False))
        return frame_id

    def robot_message(self, staff_id: str, text: str, *, group_id: str | None = None,
                      msg_id: str | None = None, nick: str = "测试用户") -> dict[str, Any]:
        session = uuid.uuid4().hex
        chat = group_id or staff_id
        expires = time.time() + 3600
        self.sessions[session] = (chat, group_id is not None, expires)
        return {
            "conversationId": group_id or f"cid-p2p-{staff_id}",
            "chatbotCorpId": "dingstandincorp", "chatbotUserId": "$:LWCP_v1:$bot",
            "msgId": msg_id or f"msg{uuid.uuid4().hex[:20]}", "senderNick": nick,
            "isAdmin": False, "senderStaffId": staff_id,
            "sessionWebhookExpiredTime": int(expires * 1000),
            "createAt": int(time.time() * 1000), "senderCorpId": "dingstandincorp",
            "conversationType": "2" if group_id else "1", "senderId": f"$:LWCP_v1:${staff_id}",
            "sessionWebhook": f"{self.base_url}/robot/sendBySession?session={session}",
            "text": {"content": f" {text}" if group_id else text}, "robotCode": self.robot_code,
            "msgtype": "text", **({"isInAtList": True, "conversationTitle": "集群工作群"}
                                  if group_id else {}),
        }

    async def push_robot_message(self, staff_id: str, text: str, **kwargs: Any
                                 ) -> tuple[str, dict[str, Any]]:
        data = self.robot_message(staff_id, text, **kwargs)
        return await self._push(ROBOT_TOPIC, data), data

    async def redeliver(self, data: dict[str, Any]) -> str:
        """DingTalk redelivering the same robot message (same msgId) in a new frame."""
        return await self._push(ROBOT_TOPIC, data)

    async def push_card_click(self, staff_id: str, card: Outgoing, button_text: str) -> str:
        """A click on a button of a card the bot actually sent (by label, then substring)."""
        buttons = card.buttons
        chosen = next((b for b in buttons if b["label"]["text"] == button_text), None) or next(
            (b for b in buttons if button_text in b["label"]["text"]), None)
        if chosen is None:
            raise LookupError(f"no button {button_text!r}; the card has "
                              f"{[b['label']['text'] for b in buttons]}")
        content = {"cardPrivateData": {"actionIds": [chosen["id"]], "params": {}}}
        data = {"extension": "{}", "corpId": "dingstandincorp", "userId": staff_id,
                "outTrackId": card.card_biz_id, "type": "actionCallback",
                "content": json.dumps(content)}
        return await self._push(CARD_TOPIC, data)

    async def wait_ack(self, frame_id: str, timeout: float = 10.0) -> dict[str, Any]:  # noqa: ASYNC109
        deadline = time.monotonic() + timeout
        while frame_id not in self.acks:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"frame {frame_id} was never ACKed")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.5))
        return self.acks[frame_id]

    def mark(self) -> int:
        """The change counter now: `wait_for(..., after=mark)` sees only later changes."""
        return self.last_seq

    async def wait_for(self, predicate: Any, timeout: float = 15.0,  # noqa: ASYNC109
                       *, after: int = 0) -> Outgoing:
        """The first message sent or updated after `after` for which `predicate` is true."""
        deadline = time.monotonic() + timeout
        while True:
            for item in self.outbox:
                if item.seq > after and predicate(item):
                    return item
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                shown = [(o.via, o.text[:60]) for o in self.outbox][-5:]
                raise TimeoutError(f"no matching DingTalk message; last: {shown}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.5))

    # -- robot APIs ----------------------------------------------------------------------------

    def _record(self, request: web.Request, body: Any = None) -> web.Response | None:
        self.requests.append({"method": request.method, "path": request.path,
                              "query": dict(request.query), "body": body})
        for failure in self._failures:
            if failure[0] in request.path and failure[3] > 0:
                failure[3] -= 1
                return web.json_response({"code": failure[2], "message": "injected"},
                                         status=failure[1])
        return None

    def _authorised(self, request: web.Request) -> bool:
        return request.headers.get("x-acs-dingtalk-access-token") in self.tokens

    @staticmethod
    def _unauthorised() -> web.Response:
        body = {"code": "InvalidAuthentication", "message": "不合法的access_token"}
        return web.json_response(body, status=401)

    async def _token(self, request: web.Request) -> web.Response:
        body = await request.json()
        if (refused := self._record(request, body)) is not None:
            return refused
        if body.get("appKey") != self.client_id or body.get("appSecret") != self.client_secret:
            return web.json_response({"code": "invalidClientIdOrSecret",
                                      "message": "无效的clientId或者clientSecret"}, status=400)
        token = uuid.uuid4().hex
        self.tokens.add(token)
        return web.json_response({"accessToken": token, "expireIn": 7200})

    def _param(self, body: dict[str, Any]) -> dict[str, Any] | web.Response:
        if body.get("robotCode") != self.robot_code:
            return web.json_response({"code": "robot.notExist", "message": "robot 不存在"},
                                     status=400)
        raw = body.get("msgParam")
        if not isinstance(raw, str):
            return web.json_response({"code": "param.invalid", "message": "msgParam must be a "
                                      "JSON string"}, status=400)
        try:
            return json.loads(raw)
        except ValueError:
            return web.json_response({"code": "param.invalid", "message": "msgParam"}, status=400)

    def _add(self, item: Outgoing) -> None:
        self.outbox.append(item)
        self.last_seq = item.seq = next(self._seq)
        self._changed.set()

    async def _batch_send(self, request: web.Request) -> web.Response:
        body = await request.json()
        if (refused := self._record(request, body)) is not None:
            return refused
        if not self._authorised(request):
            return self._unauthorised()
        param = self._param(body)
        if isinstance(param, web.Response):
            return param
        for user in body.get("userIds") or []:
            self._add(Outgoing("user", user, body["msgKey"], param))
        return web.json_response({"processQueryKey": uuid.uuid4().hex,
                                  "invalidStaffIdList": [], "flowControlledStaffIdList": []})

    async def _group_send(self, request: web.Request) -> web.Response:
        body = await request.json()
        if (refused := self._record(request, body)) is not None:
            return refused
        if not self._authorised(request):
            return self._unauthorised()
        param = self._param(body)
        if isinstance(param, web.Response):
            return param
        if not body.get("openConversationId"):
            return web.json_response({"code": "param.invalid",
                                      "message": "openConversationId"}, status=400)
        self._add(Outgoing("group", body["openConversationId"], body["msgKey"], param))
        return web.json_response({"processQueryKey": uuid.uuid4().hex})

    async def _card_send(self, request: web.Request) -> web.Response:
        body = await request.json()
        if (refused := self._record(request, body)) is not None:
            return refused
        if not self._authorised(request):
            return self._unauthorised()
        if body.get("cardTemplateId") != "StandardCard" or body.get(
                "robotCode") != self.robot_code or not body.get("cardBizId"):
            return web.json_response({"code": "param.invalid", "message": "card"}, status=400)
        card = json.loads(body["cardData"])
        if body.get("openConversationId"):
            via, chat = "group", body["openConversationId"]
        else:
            via, chat = "user", json.loads(body["singleChatReceiver"])["userId"]
        item = Outgoing(via, chat, "card", card, card_biz_id=body["cardBizId"])
        self._add(item)
        return web.json_response({"success": True,
                                  "result": {"processQueryKey": uuid.uuid4().hex}})

    async def _card_update(self, request: web.Request) -> web.Response:
        body = await request.json()
        if (refused := self._record(request, body)) is not None:
            return refused
        if not self._authorised(request):
            return self._unauthorised()
        card = next((o for o in self.outbox if o.card_biz_id == body.get("cardBizId")), None)
        if card is None:
            return web.json_response({"code": "card.notExist", "message": "卡片不存在"},
                                     status=400)
        card.history.append(card.payload)
        card.payload = json.loads(body["cardData"])
        self.outbox.remove(card)
        self.outbox.append(card)  # "changed last", as for edits elsewhere
        self.last_seq = card.seq = next(self._seq)
        self._changed.set()
        return web.json_response({"success": True, "result": True})

    async def _upload(self, request: web.Request) -> web.Response:
        form = await request.post()
        if (refused := self._record(request)) is not None:
            return refused
        if request.query.get("access_token") not in self.tokens:
            return web.json_response({"errcode": 40014, "errmsg": "不合法的access_token"})
        media = form.get("media")
        if not isinstance(media, web.FileField) or form.get("type") not in ("image", "file",
                                                                            "voice", "video"):
            return web.json_response({"errcode": 40004, "errmsg": "不合法的媒体文件类型"})
        media_id = f"@lA{uuid.uuid4().hex[:20]}"
        self.media[media_id] = {"type": form["type"], "filename": media.filename,
                                "bytes": media.file.read()}
        return web.json_response({"errcode": 0, "errmsg": "ok", "media_id": media_id,
                                  "type": form["type"], "created_at": int(time.time() * 1000)})

    async def _session_webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        if (refused := self._record(request, body)) is not None:
            return refused
        session = self.sessions.get(request.query.get("session", ""))
        if session is None or session[2] < time.time():
            return web.json_response({"errcode": 300001, "errmsg": "session is expired"})
        kind = body.get("msgtype")
        if kind not in ("text", "markdown", "actionCard", "link", "feedCard"):
            return web.json_response({"errcode": 40035, "errmsg": "msgtype invalid"})
        payload = body.get(kind)
        if not isinstance(payload, dict):
            return web.json_response({"errcode": 40035, "errmsg": f"{kind} missing"})
        self._add(Outgoing("webhook", session[0], kind, payload))
        return web.json_response({"errcode": 0, "errmsg": "ok"})
