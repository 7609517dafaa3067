"""A local stand-in for the Telegram Bot API, served over real HTTP by aiohttp.

The bot under test talks to it exactly as to api.telegram.org (`TELEGRAM_API_BASE` points at
`BotAPIStandIn.base_url`): `/bot<token>/<method>` with form, multipart or JSON bodies.

What it does like Telegram
- getMe, getUpdates (real long polling: `offset` confirms, `timeout` waits for new updates),
  sendMessage, editMessageText, editMessageReplyMarkup, answerCallbackQuery, sendChatAction,
  sendPhoto, sendDocument (multipart uploads or file ids), getFile (+ `/file/bot<token>/<path>`),
  setMyCommands/getMyCommands/deleteMyCommands, setWebhook/deleteWebhook/getWebhookInfo.
- Validation with Telegram's error texts: HTML parse mode is parsed with Telegram's tag set
  (unknown or unclosed tags, mismatched end tags, a bare `<` or `&`, unknown named entities ->
  400 "Bad Request: can't parse entities: ..."); text over 4,096 UTF-16 units after parsing
  ("message is too long"); empty text ("message text is empty"); captions over 1,024;
  callback_data over 64 bytes ("BUTTON_DATA_INVALID"); unknown chats ("chat not found");
  editing a missing message; "message is not modified"; answering a callback query twice.
- Error injection: `fail_next(method, status, count=, retry_after=, chat_id=)` for 429/5xx/403/…
  on the next N matching calls; `block(chat_id)` makes every call to that chat 403 ("bot was
  blocked by the user") until `unblock(chat_id)`.

What the test drives
- User side: `send_message(user_id, text, ...)`, `send_content(user_id, "photo"|"sticker"|
  "voice"|"document"|"location")`, `press(user_id, message, button)` (only buttons the bot
  actually sent, found by text or callback data).
- Bot side, recorded: `requests` (every call, with params and HTTP status), `messages(chat_id)`
  (what the chat currently shows, edits applied), `wait_for(chat_id, predicate, timeout)`.
- Ordering: every change (a message sent or edited) increments a sequence number; `mark()`
  returns the current one, and `after=mark` restricts waits and listings to later changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

DEFAULT_TOKEN = "123456789:TEST-token_for-the-stand-in"
BOT_ID = 123456789
BOT_USERNAME = "smebot_test_bot"

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64

# Telegram's HTML tags (https://core.telegram.org/bots/api#html-style) and their allowed attributes.
ALLOWED_TAGS: dict[str, frozenset[str]] = {
    "b": frozenset(), "strong": frozenset(), "i": frozenset(), "em": frozenset(),
    "u": frozenset(), "ins": frozenset(), "s": frozenset(), "strike": frozenset(),
    "del": frozenset(), "tg-spoiler": frozenset(), "span": frozenset({"class"}),
    "a": frozenset({"href"}), "code": frozenset({"class"}), "pre": frozenset(),
    "blockquote": frozenset({"expandable"}), "tg-emoji": frozenset({"emoji-id"}),
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TAG_RE = re.compile(
    r"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:\s+[A-Za-z-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>\"']+))?)*)"
    r"\s*>"
)
_ATTR_RE = re.compile(r"([A-Za-z-]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>\"']+)))?")
_ENTITY_RE = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z]+);")
_COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")


class EntityParseError(ValueError):
    """The text would make Telegram answer "can't parse entities"."""


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def parse_html(text: str) -> str:
    """Validate Telegram HTML and return the visible text; raise EntityParseError when invalid."""
    out: list[str] = []
    stack: list[str] = []
    pos = 0
    raw = text.encode("utf-8")  # Telegram reports byte offsets in its error messages

    def offset() -> int:
        return len(text[:pos].encode("utf-8"))

    while pos < len(text):
        char = text[pos]
        if char == "<":
            match = _TAG_RE.match(text, pos)
            if match is None:
                raise EntityParseError(
                    f"Unexpected character '<' or unclosed tag at byte offset {offset()}"
                )
            closing, name, attrs = match.group(1) == "/", match.group(2).lower(), match.group(3)
            if name not in ALLOWED_TAGS:
                kind = "end" if closing else "start"
                raise EntityParseError(
                    f'Unsupported {kind} tag "{name}" at byte offset {offset()}'
                )
            if closing:
                if attrs.strip():
                    raise EntityParseError(f"Unexpected attributes in end tag at byte offset "
                                           f"{offset()}")
                if not stack:
                    raise EntityParseError(
                        f'Unexpected end tag "{name}" at byte offset {offset()}'
                    )
                if stack[-1] != name:
                    raise EntityParseError(
                        f'Unmatched end tag at byte offset {offset()}, expected "</{stack[-1]}>", '
                        f'found "</{name}>"'
                    )
                stack.pop()
            else:
                for attr in _ATTR_RE.finditer(attrs):
                    if attr.group(1).lower() not in ALLOWED_TAGS[name]:
                        raise EntityParseError(
                            f'Unsupported attribute "{attr.group(1)}" of tag "{name}" '
                            f"at byte offset {offset()}"
                        )
                if name == "a" and "a" in stack:
                    raise EntityParseError("Nested links are not allowed")
                stack.append(name)
            pos = match.end()
        elif char == "&":
            match = _ENTITY_RE.match(text, pos)
            if match is None:
                raise EntityParseError(
                    f"Unexpected character '&' (unescaped ampersand) at byte offset {offset()}"
                )
            body = match.group(1)
            if body.startswith("#"):
                number = int(body[2:], 16) if body[1] in "xX" else int(body[1:])
                if number == 0 or number > 0x10FFFF or 0xD800 <= number <= 0xDFFF:
                    raise EntityParseError(f"Invalid numeric entity at byte offset {offset()}")
                out.append(chr(number))
            elif body in _NAMED_ENTITIES:
                out.append(_NAMED_ENTITIES[body])
            else:
                raise EntityParseError(
                    f'Unsupported HTML entity "&{body};" at byte offset {offset()}'
                )
            pos = match.end()
        else:
            out.append(char)
            pos += 1
    if stack:
        raise EntityParseError(
            f'Can\'t find end tag corresponding to start tag "{stack[-1]}" '
            f"(text of {len(raw)} bytes)"
        )
    return "".join(out)


class ApiError(Exception):
    """An error answer: HTTP status, Telegram description, optional response parameters."""

    def __init__(self, status: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


@dataclass
class Button:
    text: str
    callback_data: str | None = None
    url: str | None = None


@dataclass
class SentMessage:
    """A message the bot sent, as the chat shows it now (edits applied)."""

    message_id: int
    chat_id: int
    kind: str  # "text", "photo" or "document"
    html: str  # the text or caption as sent (markup included)
    text: str  # the visible text (entities parsed)
    parse_mode: str | None
    reply_markup: dict[str, Any] | None
    date: int
    seq: int  # change counter when it was sent
    updated: int  # change counter of its last edit (== seq when never edited)
    reply_to_message_id: int | None = None
    file_name: str | None = None
    file_bytes: bytes | None = None
    file_id: str | None = None
    history: list[str] = field(default_factory=list)  # earlier texts, oldest first

    @property
    def buttons(self) -> list[Button]:
        """Inline buttons, row by row flattened."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [
            Button(b.get("text", ""), b.get("callback_data"), b.get("url"))
            for row in rows for b in row
        ]

    @property
    def button_texts(self) -> list[str]:
        return [b.text for b in self.buttons]

    def find_button(self, label: str) -> Button:
        """By exact text, then exact callback data, then text containing `label`."""
        for test in (
            lambda b: b.text == label,
            lambda b: b.callback_data == label,
            lambda b: label in b.text,
        ):
            for button in self.buttons:
                if test(button):
                    return button
        raise LookupError(f"no button {label!r} on message {self.message_id}: {self.button_texts}")


@dataclass
class RecordedRequest:
    method: str  # as Telegram names it, e.g. "sendMessage"
    params: dict[str, Any]
    status: int
    at: float
    description: str | None = None

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if isinstance(value, int | str) and str(value).lstrip("-").isdigit() \
            else None


@dataclass
class _FailRule:
    method: str
    status: int
    remaining: int
    retry_after: int | None
    chat_id: int | None
    description: str | None


_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request: injected error",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    429: "Too Many Requests: retry after {retry_after}",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}

_JSON_FIELDS = {
    "reply_markup", "entities", "caption_entities", "reply_parameters", "commands", "scope",
    "allowed_updates", "link_preview_options", "media",
}
_INT_FIELDS = {
    "chat_id", "message_id", "offset", "limit", "timeout", "user_id", "reply_to_message_id",
    "message_thread_id", "cache_time",
}
_BOOL_FIELDS = {"show_alert", "disable_notification", "drop_pending_updates", "protect_content"}


class BotAPIStandIn:
    """The fake Telegram server. `await start()` it, point the bot at `base_url`."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = BOT_USERNAME,
        bot_first_name: str = "集群通",
    ) -> None:
        self.token = token
        self.me = {
            "id": int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else BOT_ID,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.requests: list[RecordedRequest] = []
        self.commands: dict[str, list[dict[str, Any]]] = {}  # language_code ("" = default)
        self.webhook: dict[str, Any] = {"url": "", "secret_token": None}
        self.users: dict[int, dict[str, Any]] = {}
        self.chats: dict[int, dict[str, Any]] = {}
        self.blocked: set[int] = set()
        self.callback_answers: dict[str, dict[str, Any]] = {}  # query id -> answer params
        self._issued_queries: set[str] = set()
        self.files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_name, content)
        self._messages: dict[int, list[SentMessage]] = {}
        self._user_messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._updates: list[dict[str, Any]] = []  # not yet confirmed, update_id ascending
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._query_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._seq = 0
        self.last_update_id = 0
        self.confirmed_update_id = 0  # every update up to this id was fetched and confirmed
        self.get_updates_calls = 0
        self._fail_rules: list[_FailRule] = []
        self._changed = asyncio.Condition()
        self._background: set[asyncio.Task[None]] = set()
        self._runner: web.AppRunner | None = None
        self._closing = False
        self.port: int | None = None

    # ---------------------------------------------------------------------------------------
    # Server lifecycle

    async def start(self) -> BotAPIStandIn:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.*}", self._handle_file)
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def close(self) -> None:
        self._closing = True
        await self._notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError("the stand-in is not started")
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> BotAPIStandIn:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # ---------------------------------------------------------------------------------------
    # Error injection

    def fail_next(
        self,
        method: str,
        status: int,
        *,
        count: int = 1,
        retry_after: int | None = None,
        chat_id: int | None = None,
        description: str | None = None,
    ) -> None:
        """Answer the next `count` calls of `method` (to `chat_id`, if given) with `status`.
        A 429 carries `retry_after` (default 1) in its response parameters like Telegram's."""
        if status == 429 and retry_after is None:
            retry_after = 1
        self._fail_rules.append(
            _FailRule(method.lower(), status, count, retry_after, chat_id, description)
        )

    def block(self, chat_id: int) -> None:
        """The user blocked the bot: every call to this chat gets 403 until `unblock`."""
        self.blocked.add(chat_id)

    def unblock(self, chat_id: int) -> None:
        self.blocked.discard(chat_id)

    def _injected(self, method: str, params: dict[str, Any]) -> ApiError | None:
        chat_id = params.get("chat_id")
        if chat_id in self.blocked and method.lower() not in ("getupdates", "getme"):
            return ApiError(403, "Forbidden: bot was blocked by the user")
        for rule in self._fail_rules:
            if rule.remaining <= 0 or rule.method != method.lower():
                continue
            if rule.chat_id is not None and rule.chat_id != chat_id:
                continue
            rule.remaining -= 1
            description = rule.description or _DEFAULT_DESCRIPTIONS.get(
                rule.status, f"Error {rule.status}"
            ).format(retry_after=rule.retry_after)
            parameters = {"retry_after": rule.retry_after} if rule.status == 429 else None
            return ApiError(rule.status, description, parameters)
        return None

    # ---------------------------------------------------------------------------------------
    # The user side

    def user(
        self,
        user_id: int,
        *,
        first_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
    ) -> dict[str, Any]:
        """A user's profile (created on first use; keyword arguments update it)."""
        profile = self.users.setdefault(
            user_id,
            {"id": user_id, "is_bot": False, "first_name": f"User{user_id}",
             "language_code": "zh-hans"},
        )
        if first_name is not None:
            profile["first_name"] = first_name
        if username is not None:
            profile["username"] = username
        if language_code is not None:
            profile["language_code"] = language_code
        return profile

    def _chat_for(self, user_id: int, chat_id: int | None, chat_type: str,
                  title: str | None) -> dict[str, Any]:
        if chat_id is None or chat_type == "private":
            profile = self.user(user_id)
            chat = {"id": user_id, "type": "private", "first_name": profile["first_name"]}
            if "username" in profile:
                chat["username"] = profile["username"]
        else:
            chat = {"id": chat_id, "type": chat_type, "title": title or f"Group {chat_id}"}
        self.chats[chat["id"]] = chat
        return chat

    def _enqueue(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        update_id = next(self._update_ids)
        update = {"update_id": update_id, kind: payload}
        self._updates.append(update)
        self.last_update_id = update_id
        self._notify_soon()
        return update

    def send_message(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        title: str | None = None,
        reply_to: SentMessage | None = None,
        first_name: str | None = None,
        language_code: str | None = None,
    ) -> dict[str, Any]:
        """Queue a text message from `user_id` (in a private chat unless `chat_id` is a group).
        Commands and @mentions get the entities Telegram would add. Returns the update."""
        profile = self.user(user_id, first_name=first_name, language_code=language_code)
        chat = self._chat_for(user_id, chat_id, chat_type, title)
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": dict(profile),
            "text": text,
        }
        entities = _text_entities(text)
        if entities:
            message["entities"] = entities
        if reply_to is not None:
            message["reply_to_message"] = self._message_json(reply_to)
        self._user_messages[(chat["id"], message["message_id"])] = message
        return self._enqueue("message", message)

    def send_content(
        self,
        user_id: int,
        kind: str,
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        caption: str | None = None,
    ) -> dict[str, Any]:
        """Queue a non-text message: "photo", "sticker", "voice", "document" or "location"."""
        profile = self.user(user_id)
        chat = self._chat_for(user_id, chat_id, chat_type, None)
        file_id = f"user-file-{next(self._file_ids)}"
        content: dict[str, Any] = {
            "photo": {"photo": [{"file_id": file_id, "file_unique_id": file_id, "width": 90,
                                 "height": 90, "file_size": 1000}]},
            "sticker": {"sticker": {"file_id": file_id, "file_unique_id": file_id,
                                    "type": "regular", "width": 512, "height": 512,
                                    "is_animated": False, "is_video": False, "emoji": "👍"}},
            "voice": {"voice": {"file_id": file_id, "file_unique_id": file_id, "duration": 3}},
            "document": {"document": {"file_id": file_id, "file_unique_id": file_id,
                                      "file_name": "report.pdf"}},
            "location": {"location": {"latitude": 25.04, "longitude": 102.71}},
        }[kind]
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": dict(profile),
            **content,
        }
        if caption is not None:
            message["caption"] = caption
        return self._enqueue("message", message)

    def press(self, user_id: int, message: SentMessage, button: str) -> dict[str, Any]:
        """Queue a callback query: `user_id` presses `button` (text or callback data) on a
        message the bot sent. Fails when the bot never offered such a button."""
        current = self.message(message.chat_id, message.message_id)
        if current is None:
            raise LookupError(f"the bot never sent message {message.message_id}")
        found = current.find_button(button)
        if found.callback_data is None:
            raise LookupError(f"button {found.text!r} is a link, not a callback button")
        profile = self.user(user_id)
        query_id = f"q{next(self._query_ids)}"
        self._issued_queries.add(query_id)
        payload = {
            "id": query_id,
            "from": dict(profile),
            "chat_instance": str(current.chat_id),
            "message": self._message_json(current),
            "data": found.callback_data,
        }
        return self._enqueue("callback_query", payload)

    def press_data(self, user_id: int, message: SentMessage, data: str) -> dict[str, Any]:
        """Queue a callback query with `data` the bot may never have issued, on `message`: what
        a modified client (or a button from an older release) sends. Hostile-input tests only."""
        current = self.message(message.chat_id, message.message_id) or message
        profile = self.user(user_id)
        query_id = f"q{next(self._query_ids)}"
        self._issued_queries.add(query_id)
        payload = {
            "id": query_id,
            "from": dict(profile),
            "chat_instance": str(current.chat_id),
            "message": self._message_json(current),
            "data": data,
        }
        return self._enqueue("callback_query", payload)

    @property
    def pending_updates(self) -> int:
        """Updates queued but not yet confirmed by the bot's next getUpdates."""
        return len(self._updates)

    # ---------------------------------------------------------------------------------------
    # What the bot did

    def mark(self) -> int:
        """The current change counter: pass it as `after=` to see only later changes."""
        return self._seq

    def messages(self, chat_id: int, *, after: int | None = None) -> list[SentMessage]:
        """Messages the bot sent to `chat_id` (sent after `after`, when given), oldest first."""
        messages = self._messages.get(chat_id, [])
        if after is None:
            return list(messages)
        return [m for m in messages if m.seq > after]

    def message(self, chat_id: int, message_id: int) -> SentMessage | None:
        for sent in self._messages.get(chat_id, []):
            if sent.message_id == message_id:
                return sent
        return None

    def calls(
        self, method: str | None = None, *, chat_id: int | None = None, status: int | None = None
    ) -> list[RecordedRequest]:
        """Recorded requests, filtered by method name (case-insensitive), chat and HTTP status."""
        return [
            r for r in self.requests
            if (method is None or r.method.lower() == method.lower())
            and (chat_id is None or r.chat_id == chat_id)
            and (status is None or r.status == status)
        ]

    async def wait_for(
        self,
        chat_id: int,
        predicate: Callable[[SentMessage], bool] | str | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109  (the public test API reads better this way)
        *,
        after: int | None = None,
    ) -> SentMessage:
        """The first message in `chat_id` (changed after `after`) matching `predicate` — a
        function, or a string the visible text must contain, or None for any message."""
        check = _as_predicate(predicate)
        deadline = time.monotonic() + timeout
        async with self._changed:
            while True:
                for sent in self._messages.get(chat_id, []):
                    if (after is None or sent.updated > after) and check(sent):
                        return sent
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    shown = [m.text[:80] for m in self._messages.get(chat_id, [])][-5:]
                    raise TimeoutError(
                        f"no matching message in chat {chat_id} within {timeout}s; "
                        f"last messages: {shown}"
                    )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), remaining)

    async def wait_for_call(
        self,
        method: str,
        *,
        chat_id: int | None = None,
        status: int | None = None,
        count: int = 1,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> list[RecordedRequest]:
        """Wait until at least `count` matching requests were recorded."""
        deadline = time.monotonic() + timeout
        async with self._changed:
            while True:
                found = self.calls(method, chat_id=chat_id, status=status)
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"{len(found)} of {count} {method} calls within {timeout}s")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), remaining)

    # ---------------------------------------------------------------------------------------
    # HTTP

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def _notify_soon(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # called before the loop runs: waiters will see it on their next check
        task = loop.create_task(self._notify())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401,
                                      "description": "Unauthorized"}, status=401)
        path = request.match_info["path"]
        for file_id, (name, content) in self.files.items():
            if path == f"files/{file_id}/{name}":
                return web.Response(body=content)
        return web.Response(status=404, text="Not Found")

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        params, uploads = await _read_params(request)
        record = RecordedRequest(method=method, params=params, status=200, at=time.monotonic())
        self.requests.append(record)
        try:
            injected = self._injected(method, params)
            if injected is not None:
                raise injected
            handler = getattr(self, f"_m_{method.lower()}", None)
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            result = await handler(params, uploads)
        except ApiError as error:
            record.status = error.status
            record.description = error.description
            body: dict[str, Any] = {
                "ok": False, "error_code": error.status, "description": error.description,
            }
            if error.parameters:
                body["parameters"] = error.parameters
            await self._notify()
            return web.json_response(body, status=error.status)
        await self._notify()
        return web.json_response({"ok": True, "result": result})

    # ---------------------------------------------------------------------------------------
    # Methods (`_m_<lowercase name>`)

    async def _m_getme(self, params: dict[str, Any], uploads: dict[str, Any]) -> Any:
        return self.me

    async def _m_logout(self, params: dict[str, Any], uploads: dict[str, Any]) -> Any:
        return True

    async def _m_close(self, params: dict[str, Any], uploads: dict[str, Any]) -> Any:
        return True

    async def _m_getupdates(self, params: dict[str, Any], uploads: dict[str, Any]) -> Any:
        self.get_updates_calls += 1
        offset = int(params.get("offset") or 0)
        limit = max(1, min(100, int(params.get("limit") or 100)))
        timeout = float(params.get("timeout") or 0)
        if self.webhook["url"]:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active")
        if offset:
            # Telegram: updates with update_id < offset are confirmed and forgotten.
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            self.confirmed_update_id = max(self.confirmed_update_id, offset - 1)
            await self._notify()
        deadline = time.monotonic() + timeout
        async with self._changed:
            while not self._closing:
                ready = [u for u in self._updates if u["update_id"] >= offset][:limit]
                if ready:
                    return ready
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    await asyncio.wait_for(self._changed.wait(), remaining)
                except TimeoutError:
                    break
        return []

    async def _m_deletewebhook(self, params: dict[str, Any], uploads: dict[str, Any]) -> Any:
        self.webhook = {"url": "", "secret_token": None}
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _m_setwebhook(self, params: dict[str, Any], uploads: dict[str, Any]) -> Any:
        url = params.get("url") or ""
        if url and not url.startswith("https://") and not url.startswith("http://127.0.0.1"):
            raise ApiError(400, "Bad Request: bad webhook: HTTPS url must be provided for webhook")
        self.webhook = {"url": url, "secret_token": params.get("secret_token")}
        return True

    async def _m_getwebhookinfo(self, params: dict[str, Any], uploads: dict[str, Any]) -> Any:
        return {"url": self.webhook["url"], "has_custom_certificate": False,
                "pending_update_count": len(self._updates)}

    async def _m_setmycommands(self, params: dict[str, Any], uploads: dict[str, Any]) -> Any:
        commands = params.get("commands")
        if not isinstance(commands, list) or not commands or len(commands) > 100:
            raise ApiError(400, "Bad Request: commands must be a non-empty list")
        for command in commands:
            name = str(command.get("command", ""))
            description = str(command.get("description", ""))
            if not _COMMAND_NAME.match(name):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[str(params.get("language_code") or "")] = commands
        return True

    async def _m_getmycommands(self, params: dict[str, Any], uploads: dict[str, Any]) -> Any:
        return self.commands.get(str(params.get("language_code") or ""), [])

    async def _m_deletemycommands(self, params: dict[str, Any], uploads: dict[str, Any]) -> Any:
        self.commands.pop(str(params.get("language_code") or ""), None)
        return True

    async def _m_sendchataction(self, params: dict[str, Any], uploads: dict[str, Any]) -> Any:
        self._require_chat(params)
        if params.get("action") not in {
            "typing", "upload_photo", "record_video", "upload_video", "record_voice",
            "upload_voice", "upload_document", "choose_sticker", "find_location",
            "record_video_note", "upload_video_note",
        }:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        return True

    async def _m_sendmessage(self, params: dict[str, Any], uploads: dict[str, Any]) -> Any:
        chat_id = self._require_chat(params)
        text = params.get("text")
        if not text:
            raise ApiError(400, "Bad Request: message text is empty")
        visible = _visible(str(text), params.get("parse_mode"), MESSAGE_LIMIT, "message")
        markup = _validate_markup(params.get("reply_markup"))
        sent = self._store(chat_id, "text", str(text), visible, params, markup)
        return self._message_json(sent)

    async def _m_sendphoto(self, params: dict[str, Any], uploads: dict[str, Any]) -> Any:
        return await self._send_file("photo", params, uploads)

    async def _m_senddocument(self, params: dict[str, Any], uploads: dict[str, Any]) -> Any:
        return await self._send_file("document", params, uploads)

    async def _send_file(self, kind: str, params: dict[str, Any], uploads: dict[str, Any]) -> Any:
        chat_id = self._require_chat(params)
        ref = params.get(kind)
        if not ref:
            raise ApiError(400, f"Bad Request: there is no {kind} in the request")
        if isinstance(ref, str) and ref.startswith("attach://"):
            upload = uploads.get(ref.removeprefix("attach://"))
            if upload is None:
                raise ApiError(400, f"Bad Request: file {ref} not found in the request")
            name, content = upload
        elif kind in uploads:
            name, content = uploads[kind]
        elif isinstance(ref, str) and ref in self.files:
            name, content = self.files[ref]
        else:
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        if not content:
            raise ApiError(400, "Bad Request: file must be non-empty")
        caption = str(params.get("caption") or "")
        visible = _visible(caption, params.get("parse_mode"), CAPTION_LIMIT, "caption") \
            if caption else ""
        markup = _validate_markup(params.get("reply_markup"))
        sent = self._store(chat_id, kind, caption, visible, params, markup)
        sent.file_name, sent.file_bytes = name, content
        sent.file_id = f"bot-file-{next(self._file_ids)}"
        self.files[sent.file_id] = (name, content)
        return self._message_json(sent)

    async def _m_getfile(self, params: dict[str, Any], uploads: dict[str, Any]) -> Any:
        file_id = params.get("file_id")
        if file_id not in self.files:
            raise ApiError(400, "Bad Request: invalid file_id")
        name, content = self.files[file_id]
        return {"file_id": file_id, "file_unique_id": file_id, "file_size": len(content),
                "file_path": f"files/{file_id}/{name}"}

    async def _m_editmessagetext(self, params: dict[str, Any], uploads: dict[str, Any]) -> Any:
        sent = self._require_message(params)
        text = params.get("text")
        if not text:
            raise ApiError(400, "Bad Request: message text is empty")
        if sent.kind != "text":
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        visible = _visible(str(text), params.get("parse_mode"), MESSAGE_LIMIT, "message")
        markup = _validate_markup(params.get("reply_markup"))
        if visible == sent.text and markup == sent.reply_markup:
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message",
            )
        sent.history.append(sent.text)
        sent.html, sent.text, sent.reply_markup = str(text), visible, markup
        sent.parse_mode = params.get("parse_mode")
        sent.updated = self._next_seq()
        return self._message_json(sent)

    async def _m_editmessagereplymarkup(
        self, params: dict[str, Any], uploads: dict[str, Any]
    ) -> Any:
        sent = self._require_message(params)
        markup = _validate_markup(params.get("reply_markup"))
        if markup == sent.reply_markup:
            raise ApiError(400, "Bad Request: message is not modified: specified new message "
                                "content and reply markup are exactly the same as a current "
                                "content and reply markup of the message")
        sent.reply_markup = markup
        sent.updated = self._next_seq()
        return self._message_json(sent)

    async def _m_deletemessage(self, params: dict[str, Any], uploads: dict[str, Any]) -> Any:
        sent = self._require_message(params)
        self._messages[sent.chat_id].remove(sent)
        self._next_seq()
        return True

    async def _m_answercallbackquery(
        self, params: dict[str, Any], uploads: dict[str, Any]
    ) -> Any:
        query_id = str(params.get("callback_query_id") or "")
        if query_id not in self._issued_queries or query_id in self.callback_answers:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired "
                                "or query ID is invalid")
        text = params.get("text")
        if text is not None and len(str(text)) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        self.callback_answers[query_id] = params
        return True

    # ---------------------------------------------------------------------------------------
    # Helpers

    def _require_chat(self, params: dict[str, Any]) -> int:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int):
            raise ApiError(400, "Bad Request: chat_id is empty")
        if chat_id not in self.chats:
            raise ApiError(400, "Bad Request: chat not found")
        return chat_id

    def _require_message(self, params: dict[str, Any]) -> SentMessage:
        chat_id = self._require_chat(params)
        message_id = params.get("message_id")
        sent = self.message(chat_id, message_id) if isinstance(message_id, int) else None
        if sent is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        return sent

    def _store(
        self,
        chat_id: int,
        kind: str,
        raw: str,
        visible: str,
        params: dict[str, Any],
        markup: dict[str, Any] | None,
    ) -> SentMessage:
        seq = self._next_seq()
        reply = params.get("reply_parameters") or {}
        reply_to = reply.get("message_id") if isinstance(reply, dict) else None
        sent = SentMessage(
            message_id=next(self._message_ids),
            chat_id=chat_id,
            kind=kind,
            html=raw,
            text=visible,
            parse_mode=params.get("parse_mode"),
            reply_markup=markup,
            date=int(time.time()),
            seq=seq,
            updated=seq,
            reply_to_message_id=reply_to or params.get("reply_to_message_id"),
        )
        self._messages.setdefault(chat_id, []).append(sent)
        return sent

    def _message_json(self, sent: SentMessage) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": sent.message_id,
            "date": sent.date,
            "chat": self.chats.get(sent.chat_id, {"id": sent.chat_id, "type": "private"}),
            "from": {k: self.me[k] for k in ("id", "is_bot", "first_name", "username")},
        }
        if sent.kind == "text":
            message["text"] = sent.text
        elif sent.kind == "photo":
            message["photo"] = [{"file_id": sent.file_id or "photo", "file_unique_id":
                                 sent.file_id or "photo", "width": 800, "height": 600}]
        else:
            message["document"] = {"file_id": sent.file_id or "doc",
                                   "file_unique_id": sent.file_id or "doc",
                                   "file_name": sent.file_name}
        if sent.kind != "text" and sent.text:
            message["caption"] = sent.text
        if sent.reply_markup:
            message["reply_markup"] = sent.reply_markup
        return message


def _as_predicate(
    predicate: Callable[[SentMessage], bool] | str | None,
) -> Callable[[SentMessage], bool]:
    if predicate is None:
        return lambda sent: True
    if isinstance(predicate, str):
        needle = predicate
        return lambda sent: needle in sent.text
    return predicate


def _visible(text: str, parse_mode: object, limit: int, what: str) -> str:
    if parse_mode in ("HTML", "html"):
        try:
            visible = parse_html(text)
        except EntityParseError as error:
            raise ApiError(400, f"Bad Request: can't parse entities: {error}") from None
    elif parse_mode in (None, ""):
        visible = text
    else:
        raise ApiError(400, f"Bad Request: unsupported parse_mode {parse_mode!r} in the stand-in")
    if not visible.strip():
        raise ApiError(400, f"Bad Request: {what} text is empty")
    if utf16_len(visible) > limit:
        raise ApiError(400, f"Bad Request: {what} is too long")
    return visible


def _validate_markup(markup: object) -> dict[str, Any] | None:
    if markup in (None, "", {}):
        return None
    if not isinstance(markup, dict):
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    rows = markup.get("inline_keyboard")
    if rows is None:
        return markup  # reply keyboards, ForceReply, ReplyKeyboardRemove: accepted as is
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise ApiError(400, "Bad Request: field \"inline_keyboard\" of the InlineKeyboardMarkup "
                            "should be an Array of Arrays")
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not str(button.get("text", "")).strip():
                raise ApiError(400, "Bad Request: text buttons are unallowed in the inline "
                                    "keyboard")
            kinds = [k for k in ("callback_data", "url", "switch_inline_query", "pay",
                                 "login_url", "web_app", "copy_text") if k in button]
            if len(kinds) != 1:
                raise ApiError(400, "Bad Request: can't parse inline keyboard button: exactly "
                                    "one of the optional fields must be used")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode("utf-8")) \
                    <= CALLBACK_DATA_LIMIT:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
    return markup


def _text_entities(text: str) -> list[dict[str, Any]]:
    """bot_command and mention entities, as Telegram adds them (offsets in UTF-16 units)."""
    entities = []
    for match in re.finditer(r"(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{5,32})?|"
                             r"(?<!\w)@[A-Za-z0-9_]{5,32}", text):
        kind = "bot_command" if match.group().startswith("/") else "mention"
        entities.append({
            "type": kind,
            "offset": utf16_len(text[: match.start()]),
            "length": utf16_len(match.group()),
        })
    return entities


async def _read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, Any]]:
    """Form, multipart, JSON or query parameters -> typed values; uploads -> (name, bytes)."""
    raw: dict[str, Any] = dict(request.query)
    uploads: dict[str, tuple[str, bytes]] = {}
    if request.content_type == "application/json":
        body = await request.json() if request.can_read_body else {}
        raw.update(body or {})
    elif request.can_read_body:
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                uploads[key] = (value.filename or key, value.file.read())
            else:
                raw[key] = value
    params: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, str) and key in _JSON_FIELDS:
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                raise ApiError(400, f"Bad Request: can't parse {key} JSON object") from None
        elif isinstance(value, str) and key in _INT_FIELDS and value.lstrip("-").isdigit():
            value = int(value)
        elif isinstance(value, str) and key in _BOOL_FIELDS:
            value = value.lower() == "true"
        params[key] = value
    return params, uploads
