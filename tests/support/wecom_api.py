"""A local stand-in for WeCom (企业微信): its server API and its callbacks, over real HTTP.

Server API (what the bot calls; `WECOM_API_BASE` points at `WeComStandIn.base_url`):
- `GET /cgi-bin/gettoken?corpid&corpsecret` -> `{"errcode":0,"access_token":…,"expires_in":7200}`
  (40013 wrong corp id, 40001 wrong secret);
- `POST /cgi-bin/message/send?access_token` (JSON: text, template_card, image, file), checking
  the agent id, the recipient, text <= 2,048 bytes, button_interaction cards with 1..6 buttons,
  unique `task_id`s and keys, media ids it issued; answers `msgid` and, for cards,
  `response_code`;
- `POST /cgi-bin/media/upload?access_token&type` (multipart field `media`) -> `media_id`;
- `POST /cgi-bin/message/update_template_card?access_token` (a response code from a click,
  usable once).
Tokens: 41001 missing, 40014 unknown, 42001 expired (`expire_tokens()`).
Error injection: `fail_next(path, errcode, count=1)` answers the next `count` calls to `path`
with that errcode (e.g. 45009 frequency limit).

Callbacks (what WeCom sends to the bot): `send_text(user, text)`, `click(user, card, key)`,
`verify_url(...)` and `post_raw(...)`, encrypted and signed exactly like WeCom does — AES-256-CBC
with the EncodingAESKey, `random(16) + len(4, big-endian) + msg + corpid`, PKCS#7 to 32 bytes,
`msg_signature = sha1(sorted(token, timestamp, nonce, encrypt))` — implemented here with
`cryptography`, independently of the bot's wechatpy-based code.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import itertools
import json
import os
import secrets
import struct
import time
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

import aiohttp
from aiohttp import web
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

CORP_ID = "wwstandin0000001"
AGENT_ID = 1000002
SECRET = "stand-in-secret"
TOKEN = "standinToken"
AES_KEY = base64.b64encode(b"0123456789abcdef0123456789abcdef").decode().rstrip("=")

TEXT_LIMIT_BYTES = 2048
MAX_BUTTONS = 6


# -- WeCom's message crypto, written from the protocol description ----------------------------

def _aes(key: str) -> bytes:
    return base64.b64decode(key + "=")


def encrypt(plain: str, *, key: str, receive_id: str) -> str:
    raw = _aes(key)
    body = plain.encode()
    data = os.urandom(16) + struct.pack(">I", len(body)) + body + receive_id.encode()
    pad = 32 - len(data) % 32
    data += bytes([pad]) * pad
    encryptor = Cipher(algorithms.AES(raw), modes.CBC(raw[:16])).encryptor()
    return base64.b64encode(encryptor.update(data) + encryptor.finalize()).decode()


def decrypt(cipher_text: str, *, key: str) -> tuple[str, str]:
    raw = _aes(key)
    decryptor = Cipher(algorithms.AES(raw), modes.CBC(raw[:16])).decryptor()
    data = decryptor.update(base64.b64decode(cipher_text)) + decryptor.finalize()
    data = data[: -data[-1]]
    length = struct.unpack(">I", data[16:20])[0]
    return data[20 : 20 + length].decode(), data[20 + length :].decode()


def signature(token: str, timestamp: str, nonce: str, encrypted: str) -> str:
    return hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypted])).encode()).hexdigest()


def _cdata(value: object) -> str:
    return "<![CDATA[" + str(value).replace("]]>", "]]]]><![CDATA[>") + "]]>"


@dataclass
class Card:
    """A template card the bot sent, as the user sees it."""

    user: str
    task_id: str
    response_code: str
    body: dict[str, Any]
    seq: int
    replaced: str | None = None  # set by update_template_card

    @property
    def buttons(self) -> list[dict[str, Any]]:
        return list(self.body.get("button_list", []))

    @property
    def options(self) -> list[str]:
        """The full labels the card lists ("1. 全国（2022年版）" -> "全国（2022年版）")."""
        text = str(self.body.get("sub_title_text") or "")
        return [line.split(". ", 1)[1] for line in text.splitlines() if ". " in line]

    def key_for(self, text_or_key: str) -> str:
        """The key of the button the user means: its key, its label, or the full option text
        listed on the card (labels are cut to fit a button)."""
        for button in self.buttons:
            if text_or_key in (button["key"], button["text"]) or text_or_key in button["text"]:
                return str(button["key"])
        for line in str(self.body.get("sub_title_text") or "").splitlines():
            number, _, label = line.partition(". ")
            if text_or_key in label:
                for button in self.buttons:
                    if str(button["text"]).split(" ", 1)[0] == number:
                        return str(button["key"])
        raise KeyError(f"no button {text_or_key!r} on card {self.task_id}: {self.buttons}")


@dataclass
class Sent:
    """One accepted message/send call."""

    seq: int
    user: str
    msgtype: str
    body: dict[str, Any]
    text: str = ""
    media: dict[str, Any] | None = None


@dataclass
class WeComStandIn:
    corp_id: str = CORP_ID
    agent_id: int = AGENT_ID
    secret: str = SECRET
    token: str = TOKEN
    aes_key: str = AES_KEY
    host: str = "127.0.0.1"
    port: int = 0
    callback_url: str | None = None  # the bot's callback URL, for send_text/click

    sent: list[Sent] = field(default_factory=list)
    cards: dict[str, Card] = field(default_factory=dict)
    media: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[tuple[str, int]] = field(default_factory=list)  # (path, errcode)
    updates: list[dict[str, Any]] = field(default_factory=list)
    token_fetches: int = 0

    def __post_init__(self) -> None:
        self._tokens: dict[str, float] = {}
        self._failures: dict[str, list[int]] = {}
        self._seq = itertools.count(1)
        self._msg_ids = itertools.count(7_000_000_000_000_000_001)
        self._changed: asyncio.Condition | None = None
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None

    # -- life cycle --------------------------------------------------------------------------

    async def start(self) -> WeComStandIn:
        app = web.Application()
        app.router.add_get("/cgi-bin/gettoken", self._gettoken)
        app.router.add_post("/cgi-bin/message/send", self._send)
        app.router.add_post("/cgi-bin/media/upload", self._upload)
        app.router.add_post("/cgi-bin/message/update_template_card", self._update_card)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._changed = asyncio.Condition()
        self._http = aiohttp.ClientSession()
        return self

    async def stop(self) -> None:
        if self._http is not None:
            await self._http.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def env(self) -> dict[str, str]:
        """The WECOM_* settings that point a bot at this stand-in."""
        return {"WECOM_CORP_ID": self.corp_id, "WECOM_AGENT_ID": str(self.agent_id),
                "WECOM_SECRET": self.secret, "WECOM_TOKEN": self.token,
                "WECOM_AES_KEY": self.aes_key, "WECOM_API_BASE": self.base_url}

    # -- control -----------------------------------------------------------------------------

    def fail_next(self, path: str, errcode: int, count: int = 1) -> None:
        self._failures.setdefault(path, []).extend([errcode] * count)

    def expire_tokens(self) -> None:
        for token in self._tokens:
            self._tokens[token] = 0.0

    def mark(self) -> int:
        return self.sent[-1].seq if self.sent else 0

    def texts(self, user: str, *, after: int = 0) -> list[str]:
        return [s.text for s in self.sent if s.user == user and s.seq > after and s.text]

    def cards_for(self, user: str, *, after: int = 0) -> list[Card]:
        return [c for c in self.cards.values() if c.user == user and c.seq > after]

    async def _notify(self) -> None:
        assert self._changed is not None
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(self, user: str, needle: str, *, after: int = 0,
                       timeout: float = 30.0) -> Sent:  # noqa: ASYNC109
        """The first message to `user` after `after` whose text (or card) contains `needle`."""
        assert self._changed is not None
        deadline = time.monotonic() + timeout
        async with self._changed:
            while True:
                for sent in self.sent:
                    if sent.user == user and sent.seq > after and needle in (
                        sent.text or json.dumps(sent.body, ensure_ascii=False)
                    ):
                        return sent
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [s.text or s.msgtype for s in self.sent if s.user == user][-8:]
                    raise TimeoutError(f"no message to {user} containing {needle!r}; last: {seen}")
                try:
                    await asyncio.wait_for(self._changed.wait(), left)
                except TimeoutError:
                    continue

    async def wait_for_card(
        self, user: str, *, after: int = 0, timeout: float = 30.0  # noqa: ASYNC109
    ) -> Card:
        sent = await self.wait_for(user, "button_interaction", after=after, timeout=timeout)
        return self.cards[sent.body["task_id"]]

    # -- the server API ----------------------------------------------------------------------

    def _answer(self, path: str, errcode: int, errmsg: str = "", **extra: Any) -> web.Response:
        self.calls.append((path, errcode))
        return web.json_response({"errcode": errcode, "errmsg": errmsg or
                                  ("ok" if errcode == 0 else "error"), **extra})

    def _check_token(self, request: web.Request, path: str) -> web.Response | None:
        token = request.query.get("access_token")
        if not token:
            return self._answer(path, 41001, "access_token missing")
        if token not in self._tokens:
            return self._answer(path, 40014, "invalid access_token")
        if self._tokens[token] < time.monotonic():
            return self._answer(path, 42001, "access_token expired")
        injected = self._failures.get(path)
        if injected:
            return self._answer(path, injected.pop(0), "injected")
        return None

    async def _gettoken(self, request: web.Request) -> web.Response:
        path = "/cgi-bin/gettoken"
        if request.query.get("corpid") != self.corp_id:
            return self._answer(path, 40013, "invalid corpid")
        if request.query.get("corpsecret") != self.secret:
            return self._answer(path, 40001, "invalid secret")
        token = secrets.token_urlsafe(24)
        self._tokens[token] = time.monotonic() + 7200
        self.token_fetches += 1
        return self._answer(path, 0, access_token=token, expires_in=7200)

    async def _send(self, request: web.Request) -> web.Response:
        path = "/cgi-bin/message/send"
        refused = self._check_token(request, path)
        if refused is not None:
            return refused
        try:
            payload = json.loads(await request.read())
        except ValueError:
            return self._answer(path, 40035, "invalid json")
        if int(payload.get("agentid", 0)) != self.agent_id:
            return self._answer(path, 40056, "invalid agentid")
        user = str(payload.get("touser") or "")
        if not user:
            return self._answer(path, 40031, "invalid user list")
        msgtype = payload.get("msgtype")
        body = payload.get(msgtype) if isinstance(msgtype, str) else None
        if not isinstance(body, dict):
            return self._answer(path, 40008, "invalid message type")
        sent = Sent(seq=0, user=user, msgtype=msgtype, body=body)
        extra: dict[str, Any] = {}
        if msgtype == "text":
            content = str(body.get("content") or "")
            if not content.strip():
                return self._answer(path, 44004, "empty content")
            if len(content.encode()) > TEXT_LIMIT_BYTES:
                return self._answer(path, 40058, "content exceed max length")
            sent.text = content
        elif msgtype == "template_card":
            problem = self._check_card(body)
            if problem:
                return self._answer(path, problem[0], problem[1])
            extra["response_code"] = secrets.token_hex(16)
        elif msgtype in ("image", "file"):
            media = self.media.get(str(body.get("media_id")))
            if media is None:
                return self._answer(path, 40007, "invalid media_id")
            sent.media = media
        else:
            return self._answer(path, 40008, "invalid message type")
        sent.seq = next(self._seq)
        if msgtype == "template_card":
            self.cards[body["task_id"]] = Card(user, body["task_id"], extra["response_code"],
                                               body, sent.seq)
        self.sent.append(sent)
        await self._notify()
        return self._answer(path, 0, invaliduser="", msgid=str(next(self._msg_ids)), **extra)

    def _check_card(self, card: dict[str, Any]) -> tuple[int, str] | None:
        if card.get("card_type") != "button_interaction":
            return (40058, "card_type")
        task_id = str(card.get("task_id") or "")
        if not task_id or len(task_id) > 128 or task_id in self.cards:
            return (40058, "task_id missing, too long or not unique")
        if not all(ch.isalnum() or ch in "_-@" for ch in task_id):
            return (40058, "task_id characters")
        buttons = card.get("button_list") or []
        if not 1 <= len(buttons) <= MAX_BUTTONS:
            return (45047, "button_list size exceeds limit")  # as WeCom: too many buttons
        keys = [str(b.get("key") or "") for b in buttons]
        too_long = any(len(k.encode()) > 1024 for k in keys)
        if not all(keys) or len(set(keys)) != len(keys) or too_long:
            return (40058, "button key missing, repeated or too long")
        if not (card.get("main_title") or {}).get("title") and not card.get("sub_title_text"):
            return (40058, "main_title.title or sub_title_text required")
        return None

    async def _upload(self, request: web.Request) -> web.Response:
        path = "/cgi-bin/media/upload"
        refused = self._check_token(request, path)
        if refused is not None:
            return refused
        kind = request.query.get("type")
        if kind not in ("image", "voice", "video", "file"):
            return self._answer(path, 40005, "invalid type")
        reader = await request.multipart()
        part = await reader.next()
        if part is None or getattr(part, "name", None) != "media":
            return self._answer(path, 40004, "no media field")
        data = await part.read()  # type: ignore[union-attr]
        if not data:
            return self._answer(path, 40006, "empty file")
        media_id = "MEDIA_" + secrets.token_hex(8)
        self.media[media_id] = {"type": kind, "filename": part.filename, "data": bytes(data)}  # type: ignore[union-attr]
        return self._answer(path, 0, type=kind, media_id=media_id, created_at=str(int(time.time())))

    async def _update_card(self, request: web.Request) -> web.Response:
        path = "/cgi-bin/message/update_template_card"
        refused = self._check_token(request, path)
        if refused is not None:
            return refused
        payload = json.loads(await request.read())
        code = payload.get("response_code")
        card = next((c for c in self.cards.values() if c.response_code == code), None)
        if card is None or card.replaced is not None or not code:
            return self._answer(path, 40058, "invalid response_code")
        card.replaced = str((payload.get("button") or {}).get("replace_name") or "")
        self.updates.append(payload)
        return self._answer(path, 0, invaliduser=[])

    # -- callbacks to the bot ----------------------------------------------------------------

    def seal(self, plain_xml: str, *, timestamp: str | None = None, nonce: str | None = None,
             token: str | None = None, receive_id: str | None = None) -> tuple[dict[str, str], str]:
        """(query, body) of an encrypted callback, signed with `token` (ours by default)."""
        timestamp = timestamp or str(int(time.time()))
        nonce = nonce or str(secrets.randbelow(10**10))
        encrypted = encrypt(plain_xml, key=self.aes_key, receive_id=receive_id or self.corp_id)
        query = {"msg_signature": signature(token or self.token, timestamp, nonce, encrypted),
                 "timestamp": timestamp, "nonce": nonce}
        body = (f"<xml><ToUserName>{_cdata(self.corp_id)}</ToUserName>"
                f"<Encrypt>{_cdata(encrypted)}</Encrypt><AgentID>{_cdata(self.agent_id)}</AgentID>"
                "</xml>")
        return query, body

    def text_xml(self, user: str, text: str, msg_id: int | str) -> str:
        return (f"<xml><ToUserName>{_cdata(self.corp_id)}</ToUserName>"
                f"<FromUserName>{_cdata(user)}</FromUserName><CreateTime>{int(time.time())}"
                f"</CreateTime><MsgType>{_cdata('text')}</MsgType><Content>{_cdata(text)}"
                f"</Content><MsgId>{msg_id}</MsgId><AgentID>{self.agent_id}</AgentID></xml>")

    def click_xml(self, user: str, card: Card, key: str, create_time: int | None = None) -> str:
        return (f"<xml><ToUserName>{_cdata(self.corp_id)}</ToUserName>"
                f"<FromUserName>{_cdata(user)}</FromUserName>"
                f"<CreateTime>{create_time or int(time.time())}</CreateTime>"
                f"<MsgType>{_cdata('event')}</MsgType><Event>{_cdata('template_card_event')}"
                f"</Event><EventKey>{_cdata(key)}</EventKey><TaskId>{_cdata(card.task_id)}</TaskId>"
                f"<CardType>{_cdata('button_interaction')}</CardType>"
                f"<ResponseCode>{_cdata(card.response_code)}</ResponseCode>"
                f"<AgentID>{self.agent_id}</AgentID></xml>")

    async def post_raw(self, query: dict[str, str], body: str,
                       url: str | None = None) -> tuple[int, str]:
        assert self._http is not None
        async with self._http.post(url or self._callback(), params=query,
                                   data=body.encode()) as response:
            return response.status, await response.text()

    async def send_text(self, user: str, text: str, *, msg_id: int | str | None = None,
                        repeat: int = 1) -> tuple[int, str]:
        """The user types `text`; `repeat` > 1 delivers the same callback again (WeCom's retry)."""
        msg_id = msg_id if msg_id is not None else next(self._msg_ids)
        query, body = self.seal(self.text_xml(user, text, msg_id))
        result = (0, "")
        for _ in range(repeat):
            result = await self.post_raw(query, body)
        return result

    async def click(self, user: str, card: Card, button: str) -> tuple[int, str]:
        """The user taps `button` (its text, a part of it, or its key) on `card`."""
        query, body = self.seal(self.click_xml(user, card, card.key_for(button)))
        return await self.post_raw(query, body)

    async def verify_url(self, echo: str = "standin-echo", *, url: str | None = None,
                         token: str | None = None) -> tuple[int, str]:
        assert self._http is not None
        timestamp, nonce = str(int(time.time())), "1234"
        echostr = encrypt(echo, key=self.aes_key, receive_id=self.corp_id)
        query = {"msg_signature": signature(token or self.token, timestamp, nonce, echostr),
                 "timestamp": timestamp, "nonce": nonce, "echostr": echostr}
        async with self._http.get(url or self._callback(), params=query) as response:
            return response.status, await response.text()

    def _callback(self) -> str:
        if not self.callback_url:
            raise RuntimeError("set callback_url to the bot's WeCom callback URL first")
        return self.callback_url


def escape_xml(text: str) -> str:
    return escape(text)
