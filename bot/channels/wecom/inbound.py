"""WeCom callbacks -> aiogram `Update`s for the shared dispatcher.

- A text message becomes a `message` update from the user's internal id (a leading "/word" is
  marked as a bot command, as Telegram clients do). A bare number that matches the user's
  last button menu presses that button instead (the text menu behind the cards).
- A `template_card_event` (a card button) becomes a `callback_query` whose data is the button's
  key and whose message is the one the card belongs to (its id is in the card's task_id); the
  card is then updated to show the choice, which also disables its buttons.
- Other messages (image, voice, file, location) become the matching content-less update, so
  the handlers answer them as they answer a sticker on Telegram. `enter_agent` is ignored.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import re
import time
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.types import Update

from bot.channels.identity import Identities
from bot.channels.wecom.callback import Inbound
from bot.channels.wecom.render import keyboard_choices, parse_task_id
from bot.channels.wecom.session import CHANNEL, WeComSession

logger = logging.getLogger(__name__)

_COMMAND = re.compile(r"^/[A-Za-z0-9_]{1,32}")


class WeComInbound:
    """Feeds decrypted WeCom callbacks to the dispatcher as the Bot's updates."""

    def __init__(self, dispatcher: Dispatcher, bot: Bot, session: WeComSession,
                 identities: Identities) -> None:
        self.dp = dispatcher
        self.bot = bot
        self.session = session
        self.identities = identities
        self._update_ids = itertools.count(int(time.time()))
        self._query_ids = itertools.count(1)
        self._message_ids = itertools.count(int(time.time() * 1000) % 10**12 * 1000 + 500)
        self.background: set[asyncio.Task[None]] = set()

    async def handle(self, inbound: Inbound) -> None:
        if not inbound.user_id or inbound.kind in ("enter",):
            return
        internal = await asyncio.to_thread(self.identities.internal_id, CHANNEL, inbound.user_id)
        user = {"id": internal, "is_bot": False, "first_name": inbound.user_id,
                "language_code": "zh-hans"}
        if inbound.kind == "click":
            payload = self._click(inbound, internal, user)
        elif inbound.kind == "text":
            payload = self._menu_choice(inbound, internal, user) or self._message(
                inbound, internal, user, text=inbound.text)
        else:
            payload = self._message(inbound, internal, user, text=None)
        if payload is None:
            return
        update = Update.model_validate({"update_id": next(self._update_ids), **payload},
                                       context={"bot": self.bot})
        await self.dp.feed_update(self.bot, update)

    def _message(self, inbound: Inbound, internal: int, user: dict[str, Any],
                 *, text: str | None) -> dict[str, Any] | None:
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": inbound.create_time or int(time.time()),
            "chat": {"id": internal, "type": "private", "first_name": inbound.user_id},
            "from": user,
        }
        if text is not None:
            if not text.strip():
                return None
            message["text"] = text
            command = _COMMAND.match(text)
            if command:
                message["entities"] = [{"type": "bot_command", "offset": 0,
                                        "length": command.end()}]
        else:
            content = self._content(inbound)
            if content is None:
                return None
            message.update(content)
        return {"message": message}

    @staticmethod
    def _content(inbound: Inbound) -> dict[str, Any] | None:
        media = str(inbound.raw.get("MediaId") or inbound.msg_id or "wecom")
        file_json = {"file_id": media, "file_unique_id": media}
        kind = inbound.event
        if kind == "image":
            return {"photo": [{**file_json, "width": 1, "height": 1}]}
        if kind == "voice":
            return {"voice": {**file_json, "duration": 1}}
        if kind == "video":
            return {"video": {**file_json, "width": 1, "height": 1, "duration": 1}}
        if kind == "file":
            return {"document": file_json}
        if kind == "location":
            try:
                return {"location": {"latitude": float(inbound.raw.get("Location_X") or 0),
                                     "longitude": float(inbound.raw.get("Location_Y") or 0)}}
            except ValueError:
                return None
        return None

    def _query(self, internal: int, user: dict[str, Any], message_id: int,
               data: str) -> dict[str, Any]:
        record = self.session.remember(message_id, internal)
        query_id = f"wecom-{next(self._query_ids)}"
        self.session.query_chats[query_id] = internal
        return {"callback_query": {
            "id": query_id, "from": user, "chat_instance": f"wecom-{internal}",
            "message": self.session.message_json(record), "data": data,
        }}

    def _click(self, inbound: Inbound, internal: int,
               user: dict[str, Any]) -> dict[str, Any] | None:
        message_id = parse_task_id(inbound.task_id)
        if message_id is None or not inbound.event_key:
            logger.info("WeCom click on a card that is not ours: %s", inbound.task_id)
            return None
        record = self.session.records.get(message_id)
        if record is not None and record.chat_id != internal:
            return None  # only the card's owner can use its buttons
        choices = keyboard_choices(record.markup)[0] if record is not None else []
        label = next((c.label for c in choices if c.data == inbound.event_key), "")
        if inbound.response_code:
            self._spawn(self._mark_chosen(inbound, label))
        return self._query(internal, user, message_id, inbound.event_key)

    def _menu_choice(self, inbound: Inbound, internal: int,
                     user: dict[str, Any]) -> dict[str, Any] | None:
        stripped = inbound.text.strip()
        if not stripped.isdigit():
            return None
        menu = self.session.menus.get(inbound.user_id) or []
        number = int(stripped)
        if not 1 <= number <= len(menu):
            return None
        message_id, choice = menu[number - 1]
        return self._query(internal, user, message_id, choice.data)

    async def _mark_chosen(self, inbound: Inbound, label: str) -> None:
        name = f"已选择：{label}" if label else "已选择"
        try:
            await self.session.client.update_button([inbound.user_id], inbound.response_code,
                                                    name)
        except Exception:  # a card that stays pressable is cosmetic; never fail the click
            logger.warning("could not update the WeCom card %s", inbound.task_id, exc_info=True)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self.background.add(task)
        task.add_done_callback(self.background.discard)


