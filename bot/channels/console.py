"""`smebot chat`: the same dispatcher and handlers, talking to a terminal instead of Telegram.

Each stdin line becomes a Telegram `Update` fed to `dp.feed_update`; the Bot's session is
`ConsoleSession`, a local fake of the Bot API that prints what the bot sends as plain text:

    集群通 › 您好，…
      [1] 集群认定后有效期多久？   [2] …

Typing a number presses that button (a callback query update); a leading backslash sends the
rest as text ("\\2" sends "2"). Files (sendPhoto/sendDocument) are saved under
`<data dir>/console/` and their path is printed. No token, no network; EOF ends the chat.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import re
import sys
import threading
from collections.abc import AsyncGenerator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.base import BaseSession
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramBadRequest
from aiogram.methods import (
    AnswerCallbackQuery,
    EditMessageReplyMarkup,
    EditMessageText,
    GetMe,
    SendDocument,
    SendMessage,
    SendPhoto,
    TelegramMethod,
)
from aiogram.methods.base import TelegramType
from aiogram.types import InputFile, Update

from bot.app import Services, build_dispatcher
from infra.i18n import register_texts, t
from infra.rendering import strip_html

logger = logging.getLogger(__name__)

CONSOLE_TOKEN = "42:console-chat-no-network"  # aiogram validates the token's shape only
BOT_NAME = "集群通"
register_texts(Path(__file__).with_name("texts.yaml"))
_COMMAND = re.compile(r"^/[A-Za-z0-9_]{1,32}")
_BLOCKQUOTE = re.compile(r"<blockquote[^>]*>(.*?)</blockquote>", re.S)


class ConsoleSession(BaseSession):
    """A Bot API that prints. Keeps the messages it "sent" so buttons can be pressed later."""

    def __init__(self, out: TextIO, files_dir: Path, lang: str = "zh") -> None:
        super().__init__()
        self.out = out
        self.lang = lang
        self.files_dir = files_dir
        self.me = {"id": 42, "is_bot": True, "first_name": BOT_NAME, "username": "smebot_console"}
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.message_ids = itertools.count(1_000_000)
        # Numbered buttons: number -> (chat id, message id, callback data). Renumbered from 1 on
        # the first keyboard shown after the user's last input.
        self.choices: dict[int, tuple[int, int, str]] = {}
        self._renumber = True

    def new_turn(self) -> None:
        """The user typed something: the next keyboard starts again at [1]."""
        self._renumber = True

    async def close(self) -> None:
        return None

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,  # noqa: ASYNC109  (aiogram's BaseSession signature)
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        raise TelegramBadRequest(GetMe(), "the console has no files to download")
        yield b""  # pragma: no cover - makes this an async generator

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109  (aiogram's BaseSession signature)
    ) -> TelegramType:
        result = await self._perform(bot, method)
        response = self.check_response(
            bot=bot, method=method, status_code=200,
            content=json.dumps({"ok": True, "result": result}, ensure_ascii=False),
        )
        return response.result  # type: ignore[return-value]

    # -- what each method does ---------------------------------------------------------------

    async def _perform(self, bot: Bot, method: TelegramMethod[Any]) -> Any:
        if isinstance(method, GetMe):
            return self.me
        if isinstance(method, SendMessage):
            message = self._new_message(int(method.chat_id), text=self._plain(method.text,
                                        method.parse_mode, bot))
            self._print(message["text"])
            self._show_buttons(message, method.reply_markup)
            return message
        if isinstance(method, EditMessageText):
            message = self._existing(method.chat_id, method.message_id)
            message["text"] = self._plain(method.text, method.parse_mode, bot)
            self._print(message["text"], edited=True)
            self._show_buttons(message, method.reply_markup)
            return message
        if isinstance(method, EditMessageReplyMarkup):
            message = self._existing(method.chat_id, method.message_id)
            self._show_buttons(message, method.reply_markup, updated=True)
            return message
        if isinstance(method, SendPhoto | SendDocument):
            return await self._send_file(bot, method)
        if isinstance(method, AnswerCallbackQuery):
            if method.text:
                self._print(f"（{method.text}）" if not method.show_alert else f"⚠ {method.text}")
            return True
        if method.__returning__ is bool:
            # sendChatAction, setMyCommands, deleteWebhook, …: nothing to show in a terminal.
            return True
        raise TelegramBadRequest(method, f"{type(method).__name__} is not supported in the console")

    def _plain(self, text: str, parse_mode: Any, bot: Bot) -> str:
        mode = parse_mode if isinstance(parse_mode, str) else bot.default["parse_mode"]
        if mode != ParseMode.HTML:
            return text
        # A terminal has no quote bar: mark quoted lines the way mail clients do.
        text = _BLOCKQUOTE.sub(
            lambda m: "\n".join("│ " + line for line in m.group(1).split("\n")), text
        )
        return strip_html(text)

    def _new_message(self, chat_id: int, **content: Any) -> dict[str, Any]:
        message = {
            "message_id": next(self.message_ids),
            "date": int(datetime.now(UTC).timestamp()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group",
                     "title": None if chat_id > 0 else "console group"},
            "from": self.me,
            **content,
        }
        self.messages[(chat_id, message["message_id"])] = message
        return message

    def _existing(self, chat_id: Any, message_id: Any) -> dict[str, Any]:
        message = self.messages.get((int(chat_id), int(message_id)))
        if message is None:
            raise TelegramBadRequest(GetMe(), "Bad Request: message to edit not found")
        return message

    async def _send_file(self, bot: Bot, method: SendPhoto | SendDocument) -> dict[str, Any]:
        kind = "photo" if isinstance(method, SendPhoto) else "document"
        source = method.photo if isinstance(method, SendPhoto) else method.document
        self.files_dir.mkdir(parents=True, exist_ok=True)
        if isinstance(source, InputFile):
            name = Path(source.filename or f"{kind}.bin").name
            path = _free_path(self.files_dir / name)
            with path.open("wb") as handle:
                async for chunk in source.read(bot):
                    handle.write(chunk)
            shown = str(path)
        else:
            shown = str(source)  # a file id or URL: nothing to save
        caption = self._plain(method.caption, method.parse_mode, bot) if method.caption else ""
        label = t("console.photo" if kind == "photo" else "console.file", self.lang)
        self._print(f"[{label}] {shown}" + (f"\n{caption}" if caption else ""))
        file_json = {"file_id": shown, "file_unique_id": shown}
        content: dict[str, Any] = (
            {"photo": [{**file_json, "width": 1, "height": 1}]}
            if kind == "photo"
            else {"document": {**file_json, "file_name": Path(shown).name}}
        )
        if caption:
            content["caption"] = caption
        message = self._new_message(int(method.chat_id), **content)
        self._show_buttons(message, method.reply_markup)
        return message

    # -- printing ----------------------------------------------------------------------------

    def _print(self, text: str, *, edited: bool = False) -> None:
        prefix = f"{BOT_NAME} ›" + (t("console.edited", self.lang) if edited else "")
        lines = text.splitlines() or [""]
        self.out.write(f"{prefix} {lines[0]}\n")
        for line in lines[1:]:
            self.out.write(f"  {line}\n" if line else "\n")
        self.out.flush()

    def _show_buttons(self, message: dict[str, Any], markup: Any, *, updated: bool = False) -> None:
        rows = getattr(markup, "inline_keyboard", None)
        if not rows:
            return
        if self._renumber:
            self.choices.clear()
            self._renumber = False
        number = max(self.choices, default=0)
        shown: list[str] = []
        for row in rows:
            for button in row:
                if button.callback_data is None:
                    if button.url:
                        shown.append(f"{button.text} <{button.url}>")
                    continue
                number += 1
                self.choices[number] = (
                    message["chat"]["id"], message["message_id"], button.callback_data
                )
                shown.append(f"[{number}] {button.text}")
        if shown:
            lead = t("console.buttons_updated", self.lang) if updated else "  "
            self.out.write(lead + "   ".join(shown) + "\n")
            self.out.flush()


def _free_path(path: Path) -> Path:
    if not path.exists():
        return path
    for index in itertools.count(1):
        candidate = path.with_name(f"{path.stem}-{index}{path.suffix}")
        if not candidate.exists():
            return candidate
    raise AssertionError("unreachable")


class ConsoleChat:
    """Turns terminal lines into updates for one console user."""

    def __init__(
        self,
        services: Services,
        *,
        out: TextIO,
        user_id: int = 1,
        first_name: str | None = None,
        lang: str = "zh",
        dispatcher: Dispatcher | None = None,
    ) -> None:
        self.services = services
        self.out = out
        self.session = ConsoleSession(out, services.settings.data_dir / "console", lang)
        self.bot = Bot(
            token=CONSOLE_TOKEN,
            session=self.session,
            default=DefaultBotProperties(parse_mode=ParseMode.HTML),
        )
        # No throttling: one local user, and piped transcripts arrive all at once.
        self.dp = dispatcher or build_dispatcher(services, set_menu=False, throttle_seconds=0)
        self.user = {
            "id": user_id, "is_bot": False,
            "first_name": first_name or t("console.user_name", lang),
            "language_code": "en" if lang == "en" else "zh-hans",
        }
        self.update_ids = itertools.count(1)
        self.message_ids = itertools.count(1)
        self.query_ids = itertools.count(1)

    async def start(self) -> None:
        await self.dp.emit_startup(
            bot=self.bot, dispatcher=self.dp, bots=[self.bot], **self.dp.workflow_data
        )

    async def stop(self) -> None:
        try:
            await self.dp.emit_shutdown(
                bot=self.bot, dispatcher=self.dp, bots=[self.bot], **self.dp.workflow_data
            )
        finally:
            await self.bot.session.close()

    def update_for(self, line: str) -> Update | None:
        """The update a typed line stands for (None for a blank line)."""
        text = line.rstrip("\r\n")
        if not text.strip():
            return None
        self.session.new_turn()
        if text.strip().isdigit() and int(text.strip()) in self.session.choices:
            chat_id, message_id, data = self.session.choices[int(text.strip())]
            message = self.session.messages[(chat_id, message_id)]
            payload: dict[str, Any] = {
                "update_id": next(self.update_ids),
                "callback_query": {
                    "id": f"console-{next(self.query_ids)}",
                    "from": self.user,
                    "chat_instance": "console",
                    "message": message,
                    "data": data,
                },
            }
        else:
            if text.startswith("\\"):
                text = text[1:]
            message = {
                "message_id": next(self.message_ids),
                "date": int(datetime.now(UTC).timestamp()),
                "chat": {"id": self.user["id"], "type": "private",
                         "first_name": self.user["first_name"]},
                "from": self.user,
                "text": text,
            }
            command = _COMMAND.match(text)
            if command:
                message["entities"] = [
                    {"type": "bot_command", "offset": 0, "length": command.end()}
                ]
            payload = {"update_id": next(self.update_ids), "message": message}
        return Update.model_validate(payload, context={"bot": self.bot})

    async def handle_line(self, line: str) -> None:
        update = self.update_for(line)
        if update is not None:
            await self.dp.feed_update(self.bot, update)


async def _read_lines(stream: TextIO) -> AsyncGenerator[str, None]:
    """Lines from a blocking stream without blocking the loop (a daemon thread reads them, so
    Ctrl-C never waits for a pending readline)."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def pump() -> None:
        try:
            for line in iter(stream.readline, ""):
                loop.call_soon_threadsafe(queue.put_nowait, line)
        except (OSError, ValueError):
            logger.debug("stdin closed", exc_info=True)
        finally:
            loop.call_soon_threadsafe(queue.put_nowait, None)

    threading.Thread(target=pump, name="console-stdin", daemon=True).start()
    while (line := await queue.get()) is not None:
        yield line


async def chat_loop(
    services: Services,
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    user_id: int = 1,
    lang: str = "zh",
    prompt: bool | None = None,
) -> int:
    """Run the console chat until EOF; returns the exit status. A prompt and a banner are
    shown only when stdin is a terminal, so piped transcripts stay clean."""
    stdin = stdin if stdin is not None else sys.stdin
    stdout = stdout if stdout is not None else sys.stdout
    if prompt is None:
        prompt = stdin.isatty()
    prompt_text = t("console.prompt", lang)
    chat = ConsoleChat(services, out=stdout, user_id=user_id, lang=lang)
    await chat.start()
    try:
        if prompt:
            stdout.write(t("console.banner", lang) + "\n" + prompt_text)
            stdout.flush()
        async for line in _read_lines(stdin):
            await chat.handle_line(line)
            if prompt:
                stdout.write(prompt_text)
                stdout.flush()
        if prompt:
            stdout.write("\n")
    finally:
        await chat.stop()
    return 0
