"""Telegram-style output -> WeCom messages.

The handlers write Telegram HTML and attach `InlineKeyboardMarkup`s. WeCom text messages are
plain text (at most 2,048 bytes of UTF-8) and buttons live on `template_card` messages of type
`button_interaction` (at most 6 buttons a card, short labels). So:

- `html_to_text`: tags are dropped, entities unescaped, a link keeps its address in brackets,
  a quote is marked line by line with "｜";
- `split_text`: cuts at 2,048 bytes, preferring paragraph, line, then sentence boundaries, and
  never inside a character;
- `keyboard_cards`: every button with callback data becomes a card button whose `key` is the
  callback data; buttons come in cards of at most six, each card listing its options in full
  and numbered, so long labels stay readable and every button is reachable. The numbers are
  also a text menu: typing "2" presses button 2 (the channel keeps the last menu per user).
  URL buttons become lines of text (a card's URL buttons would need a second button type).
"""

from __future__ import annotations

import html
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

TEXT_LIMIT_BYTES = 2048
CARD_BUTTONS = 6
BUTTON_TEXT_CHARS = 10  # WeCom shows about ten characters on a card button
CARD_TITLE_CHARS = 26
SUB_TITLE_CHARS = 160
KEY_LIMIT_BYTES = 1024

_BLOCKQUOTE = re.compile(r"<blockquote[^>]*>(.*?)</blockquote>", re.S | re.I)
_LINK = re.compile(r"<a\s[^>]*href\s*=\s*\"([^\"]*)\"[^>]*>(.*?)</a>", re.S | re.I)
_TAG = re.compile(r"<[^>]*>")


def html_to_text(text: str) -> str:
    """Telegram HTML -> plain text as WeCom shows it."""

    def quote(match: re.Match[str]) -> str:
        return "\n".join("｜" + line for line in match.group(1).strip("\n").split("\n"))

    def link(match: re.Match[str]) -> str:
        url = html.unescape(match.group(1))
        label = _TAG.sub("", match.group(2))
        return label if html.unescape(label).strip() == url else f"{label}（{url}）"

    text = _BLOCKQUOTE.sub(quote, text)
    text = _LINK.sub(link, text)
    text = _TAG.sub("", text)
    return html.unescape(text).strip()


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


_BREAKS: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(r"\n\s*\n"), 4),
    (re.compile(r"\n"), 3),
    (re.compile(r"(?<=[。！？!?；;])|(?<=\.)\s"), 2),
    (re.compile(r"(?<=[，,、：:])|\s"), 1),
)


def split_text(text: str, limit: int = TEXT_LIMIT_BYTES) -> list[str]:
    """Plain text in parts of at most `limit` UTF-8 bytes, cut on the best boundary."""
    if limit < 16:
        raise ValueError("limit too small")
    text = text.strip()
    parts: list[str] = []
    while utf8_len(text) > limit:
        # The longest prefix that fits, in characters.
        fit = len(text.encode("utf-8")[:limit].decode("utf-8", errors="ignore"))
        window = text[:fit]
        cut = 0
        for pattern, _priority in _BREAKS:
            ends = [m.end() for m in pattern.finditer(window) if m.end() >= fit // 3]
            if ends:
                cut = ends[-1]
                break
        if cut <= 0:
            cut = fit
        head = text[:cut].rstrip()
        if head:
            parts.append(head)
        text = text[cut:].lstrip()
    if text:
        parts.append(text)
    return parts


@dataclass(frozen=True, slots=True)
class Choice:
    """One pressable button: what it says and the callback data it sends."""

    label: str
    data: str


@dataclass(slots=True)
class CardPlan:
    """Cards and text lines that together offer every button of one keyboard."""

    cards: list[dict[str, Any]] = field(default_factory=list)
    choices: list[Choice] = field(default_factory=list)  # numbered from 1, across cards
    url_lines: list[str] = field(default_factory=list)


def keyboard_choices(markup: Any) -> tuple[list[Choice], list[str]]:
    """(callback buttons, url lines) of an aiogram InlineKeyboardMarkup (or None)."""
    rows = getattr(markup, "inline_keyboard", None) or []
    choices: list[Choice] = []
    urls: list[str] = []
    for row in rows:
        for button in row:
            if button.callback_data is not None:
                choices.append(Choice(button.text, button.callback_data))
            elif getattr(button, "url", None):
                urls.append(f"{button.text}：{button.url}")
    return choices, urls


def new_task_id(message_id: int, index: int) -> str:
    """A card's task_id: unique, <= 128 bytes of [0-9a-zA-Z_-@], and it names the message the
    buttons belong to so a click can be traced back to it even after a restart."""
    return f"m{message_id}_{index}_{secrets.token_hex(6)}"


def parse_task_id(task_id: str) -> int | None:
    match = re.fullmatch(r"m(\d+)_\d+_[0-9a-f]+", task_id or "")
    return int(match.group(1)) if match else None


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def keyboard_cards(
    markup: Any, *, message_id: int, title: str, lang: str = "zh"
) -> CardPlan:
    """The button_interaction cards (at most six buttons each) for one keyboard."""
    choices, urls = keyboard_choices(markup)
    plan = CardPlan(choices=choices, url_lines=urls)
    chunks: Sequence[list[Choice]] = [
        choices[start : start + CARD_BUTTONS] for start in range(0, len(choices), CARD_BUTTONS)
    ]
    for index, chunk in enumerate(chunks):
        first = index * CARD_BUTTONS + 1
        lines = [f"{first + offset}. {_short(choice.label, 40)}"
                 for offset, choice in enumerate(chunk)]
        hint = ("Tap a button or type its number" if lang == "en"
                else "点按钮，或回复编号")
        card_title = title if len(chunks) == 1 else f"{title}（{index + 1}/{len(chunks)}）"
        plan.cards.append({
            "card_type": "button_interaction",
            "main_title": {"title": _short(card_title, CARD_TITLE_CHARS), "desc": hint},
            "sub_title_text": _short_lines(lines, SUB_TITLE_CHARS),
            "task_id": new_task_id(message_id, index),
            "button_list": [
                {"text": _short(f"{first + offset} {choice.label}", BUTTON_TEXT_CHARS),
                 "style": 1, "key": _key(choice.data)}
                for offset, choice in enumerate(chunk)
            ],
        })
    return plan


def _short_lines(lines: list[str], limit: int) -> str:
    text = "\n".join(lines)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _key(data: str) -> str:
    if utf8_len(data) > KEY_LIMIT_BYTES:  # Telegram's own limit is 64 bytes: cannot happen
        raise ValueError("callback data longer than a WeCom button key")
    return data


def card_title(text: str, lang: str = "zh") -> str:
    """A card's title: the message's first line, or a neutral prompt."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return first or ("Choose" if lang == "en" else "请选择")
