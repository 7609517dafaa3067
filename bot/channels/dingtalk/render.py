"""Handler output (Telegram HTML + InlineKeyboardMarkup) -> DingTalk markdown and cards.

Plain messages become DingTalk markdown (`sampleMarkdown` / webhook `markdown`: title + text);
messages with buttons become robot interactive cards (`StandardCard`): a markdown block and one
`action` row per keyboard row, each button of `actionType: request` whose id carries the
callback_data, so the click (Stream topic `/v1.0/card/instances/callback`) brings it back in
`cardPrivateData.actionIds`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from aiogram.types import InlineKeyboardMarkup

from bot.channels.markdown import DINGTALK, html_to_markdown, split_text

# DingTalk truncates long robot markdown; stay well under its 5,000-character text limit.
MARKDOWN_LIMIT = 4000
TITLE_LIMIT = 20
BUTTON_ID_PREFIX = "cb|"
_MARKS = re.compile(r"[*_`>#\\]|\[|\]\([^)]*\)")


def markdown_parts(html: str) -> list[str]:
    return split_text(html_to_markdown(html, DINGTALK), MARKDOWN_LIMIT) or [" "]


def title_of(markdown: str, fallback: str = "集群通") -> str:
    """The notification title: the first line without marks, cut to DingTalk's short title."""
    first = next((line for line in markdown.splitlines() if line.strip()), "")
    plain = _MARKS.sub("", first).strip()
    return (plain[:TITLE_LIMIT] if plain else fallback) or fallback


def markdown_message(markdown: str) -> dict[str, Any]:
    """The `msgParam` of `sampleMarkdown`, also the body of a webhook `markdown` message."""
    return {"title": title_of(markdown), "text": markdown}


def build_card(markdown: str, keyboard: InlineKeyboardMarkup | None) -> dict[str, Any]:
    contents: list[dict[str, Any]] = [{"type": "markdown", "text": markdown, "id": "text_0"}]
    for row_index, row in enumerate(keyboard.inline_keyboard if keyboard else []):
        actions: list[dict[str, Any]] = []
        for column, button in enumerate(row):
            label = {"type": "text", "text": button.text, "id": f"label_{row_index}_{column}"}
            if button.callback_data is not None:
                actions.append({"type": "button", "label": label, "actionType": "request",
                                "status": "normal", "id": BUTTON_ID_PREFIX + button.callback_data})
            elif button.url:
                actions.append({"type": "button", "label": label, "actionType": "openLink",
                                "url": {"all": button.url}, "status": "normal",
                                "id": f"link_{row_index}_{column}"})
        if actions:
            contents.append({"type": "action", "actions": actions, "id": f"action_{row_index}"})
    return {"config": {"autoLayout": True, "enableForward": False},
            "header": {"title": {"type": "text", "text": title_of(markdown)}},
            "contents": contents}


def clicked_data(content: str | dict[str, Any] | None) -> str | None:
    """A card callback's `content` -> the pressed button's callback_data (None if not ours)."""
    if isinstance(content, str):
        try:
            content = json.loads(content)
        except ValueError:
            return None
    if not isinstance(content, dict):
        return None
    private = content.get("cardPrivateData") or {}
    for action_id in private.get("actionIds") or []:
        if isinstance(action_id, str) and action_id.startswith(BUTTON_ID_PREFIX):
            return action_id[len(BUTTON_ID_PREFIX):] or None
    return None
