"""Feishu's long connection (长连接) on the Feishu stand-in: the endpoint and the websocket.

Wire format, as the SDK's `lark.ws.Client` expects it:
- `POST /callback/ws/endpoint` with `{"AppID", "AppSecret"}` -> `{"code": 0, "data": {"URL":
  "ws://…/ws?device_id=…&service_id=…", "ClientConfig": {…}}}`; wrong credentials -> code 514.
- binary protobuf frames (pbbp2 `Frame`): an event is a DATA frame (method 1) with headers
  `type=event`, `message_id`, `sum=1`, `seq=0`, `trace_id` and the event JSON (plain: the long
  connection is already authenticated, Feishu does not encrypt it) as payload; the client
  answers with the same frame whose payload is `{"code": 200, …}`; pings are CONTROL frames.

The protobuf schema is the one the SDK ships (lark_oapi/ws/pb), as Feishu defines it.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

from aiohttp import WSMsgType, web

DATA, CONTROL = 1, 0


class FeishuLongConnectionStandIn:
    def __init__(self, app_id: str, app_secret: str) -> None:
        self.app_id = app_id
        self.app_secret = app_secret
        self.base_url = ""
        self.connections: list[web.WebSocketResponse] = []
        self.responses: dict[str, dict[str, Any]] = {}  # message_id -> the client's answer
        self.pings = 0
        self.endpoint_requests: list[dict[str, Any]] = []
        self._connected = asyncio.Event()
        self._answered = asyncio.Event()

    def install(self, app: web.Application) -> None:
        app.router.add_post("/callback/ws/endpoint", self._endpoint)
        app.router.add_get("/ws", self._websocket)

    async def _endpoint(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.endpoint_requests.append(body)
        if body.get("AppID") != self.app_id or body.get("AppSecret") != self.app_secret:
            return web.json_response({"code": 514, "msg": "auth failed"})
        url = (self.base_url.replace("http://", "ws://") +
               f"/ws?device_id=dev-{uuid.uuid4().hex[:8]}&service_id=7")
        return web.json_response({"code": 0, "msg": "ok", "data": {"URL": url, "ClientConfig": {
            "ReconnectCount": -1, "ReconnectInterval": 1, "ReconnectNonce": 0,
            "PingInterval": 120}}})

    async def _websocket(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.connections.append(ws)
        self._connected.set()
        try:
            async for message in ws:
                if message.type != WSMsgType.BINARY:
                    continue
                frame = _frame_class()()
                frame.ParseFromString(message.data)
                headers = {h.key: h.value for h in frame.headers}
                if frame.method == CONTROL:
                    self.pings += headers.get("type") == "ping"
                    continue
                self.responses[headers.get("message_id", "")] = json.loads(frame.payload or b"{}")
                self._answered.set()
        finally:
            self.connections.remove(ws)
            if not self.connections:
                self._connected.clear()
        return ws

    async def wait_connected(self, timeout: float = 30.0) -> None:  # noqa: ASYNC109
        await asyncio.wait_for(self._connected.wait(), timeout)

    async def push_event(self, event: dict[str, Any]) -> str:
        """Send one event as a DATA frame; returns the frame's message_id."""
        if not self.connections:
            raise ConnectionError("the bot has no long connection open")
        message_id = uuid.uuid4().hex
        frame = _frame_class()(SeqID=0, LogID=0, service=7, method=DATA,
                      payload=json.dumps(event, ensure_ascii=False).encode())
        for key, value in (("type", "event"), ("message_id", message_id), ("sum", "1"),
                           ("seq", "0"), ("trace_id", uuid.uuid4().hex)):
            header = frame.headers.add()
            header.key, header.value = key, value
        await self.connections[-1].send_bytes(frame.SerializeToString())
        return message_id

    async def wait_answer(self, message_id: str, timeout: float = 10.0  # noqa: ASYNC109
                          ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while message_id not in self.responses:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"frame {message_id} was never answered")
            self._answered.clear()
            try:
                await asyncio.wait_for(self._answered.wait(), min(remaining, 0.5))
            except TimeoutError:
                continue
        return self.responses[message_id]


def _frame_class() -> Any:
    # Imported late: importing lark_oapi.ws outside a running loop makes the SDK create (and
    # never close) an event loop of its own.
    from lark_oapi.ws.pb.pbbp2_pb2 import Frame

    return Frame
