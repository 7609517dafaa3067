"""Handler output (Telegram HTML + InlineKeyboardMarkup) -> Feishu message cards.

Every bot message is an interactive card (markdown element + one `action` row per keyboard
row), so any message can later be updated with `im.v1.message.patch`, as handlers edit their
messages. A button's `value` is `{"data": callback_data}`; the click comes back in
`card.action.trigger` as `action.value`.
"""

from __future__ import annotations

from typing import Any

from aiogram.types import InlineKeyboardMarkup

from bot.channels.markdown import FEISHU, html_to_markdown, split_text

# A card request body may be 30 KB; Chinese is 3 bytes per character in UTF-8, and the JSON
# wrapping and buttons need room too.
CARD_TEXT_LIMIT = 7000
BUTTON_VALUE_KEY = "data"


def card_texts(html: str) -> list[str]:
    """The markdown of one handler message, cut into card-sized parts."""
    return split_text(html_to_markdown(html, FEISHU), CARD_TEXT_LIMIT) or [" "]


def build_card(markdown: str, keyboard: InlineKeyboardMarkup | None = None) -> dict[str, Any]:
    elements: list[dict[str, Any]] = [{"tag": "markdown", "content": markdown}]
    for row in keyboard.inline_keyboard if keyboard else []:
        actions: list[dict[str, Any]] = []
        for button in row:
            item: dict[str, Any] = {
                "tag": "button",
                "text": {"tag": "plain_text", "content": button.text},
                "type": "default",
            }
            if button.callback_data is not None:
                item["value"] = {BUTTON_VALUE_KEY: button.callback_data}
            elif button.url:
                item["url"] = button.url
            else:
                continue  # switch_inline and the like have no Feishu counterpart
            actions.append(item)
        if actions:
            elements.append({"tag": "action", "actions": actions})
    return {"config": {"wide_screen_mode": True, "update_multi": True}, "elements": elements}


def render_cards(html: str, keyboard: InlineKeyboardMarkup | None = None) -> list[dict[str, Any]]:
    """One handler message -> cards to send in order; the buttons go on the last one."""
    texts = card_texts(html)
    return [build_card(text, keyboard if index == len(texts) - 1 else None)
            for index, text in enumerate(texts)]


def button_data(value: dict[str, Any] | None) -> str | None:
    """The callback_data carried by a clicked button's `value`, if it is one of ours."""
    if not isinstance(value, dict):
        return None
    data = value.get(BUTTON_VALUE_KEY)
    return data if isinstance(data, str) and data else None
