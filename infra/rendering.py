"""Telegram HTML rendering helpers shared by every handler.

Rules that keep the Bot API from answering "can't parse entities":

- every piece of user or knowledge text goes through `escape()` before it meets markup;
- markup is built only by the helpers here (`bold`, `italic`, `code`, `quote_block`, `link`);
- long texts are cut with `split_html()`, which cuts on paragraph boundaries when it can and
  otherwise closes the open tags at the cut and re-opens them in the next part, so every part
  is well-formed on its own and never splits a tag or an `&…;` entity.

Lengths are measured in UTF-16 code units on the raw HTML, as Telegram counts characters in
UTF-16 and the visible text is never longer than its markup.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024

# Control characters other than newline and tab make no sense in a chat message and some
# (e.g. U+0000) make Telegram reject it.
_CONTROL = {chr(c) for c in range(32) if chr(c) not in "\n\t"} | {chr(127)}


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units: an emoji outside the BMP counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def clean(text: str) -> str:
    """Drop control characters (keeping newlines and tabs) and normalise line endings."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in text if ch not in _CONTROL and unicodedata.category(ch) != "Cs")


def escape(text: object) -> str:
    """Escape any text for Telegram's HTML parse mode (also strips control characters)."""
    return html.escape(clean(str(text)), quote=False)


def bold(text: object) -> str:
    return f"<b>{escape(text)}</b>"


def italic(text: object) -> str:
    return f"<i>{escape(text)}</i>"


def code(text: object) -> str:
    return f"<code>{escape(text)}</code>"


def link(text: object, url: str) -> str:
    return f'<a href="{html.escape(url, quote=True)}">{escape(text)}</a>'


def quote_block(text: object) -> str:
    """A blockquote around escaped text (Telegram shows it with a bar on the left)."""
    return f"<blockquote>{escape(str(text).strip())}</blockquote>"


_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])|(?<=\.)\s|\n")


def bold_lead(text: str) -> str:
    """Escape `text` and make its first sentence bold (the answer's lead)."""
    text = clean(text).strip()
    match = _SENTENCE_END.search(text)
    if match is None or match.end() >= len(text):
        return bold(text)
    lead, rest = text[: match.end()], text[match.end() :]
    sentence = lead.rstrip()
    # Keep the separator the match swallowed: "…(三年).\nA cluster's" must not run together.
    return bold(sentence) + escape(lead[len(sentence) :] + rest)


def strip_html(text: str) -> str:
    """Markup -> plain text (for the console and for tests): drop tags, unescape entities."""
    return html.unescape(re.sub(r"<[^>]*>", "", text))


# ------------------------------------------------------------------------------------------
# Splitting

_TOKEN = re.compile(r"<[^>]*>|&#?[0-9A-Za-z]+;|\n\n|.", re.S)
_TAG = re.compile(r"<(/?)([A-Za-z][\w-]*)")


@dataclass(frozen=True, slots=True)
class _Open:
    name: str
    markup: str  # the full opening tag, re-emitted at the start of the next part


def _apply(stack: tuple[_Open, ...], token: str) -> tuple[_Open, ...]:
    if not token.startswith("<"):
        return stack
    match = _TAG.match(token)
    if match is None:
        return stack
    closing, name = match.group(1) == "/", match.group(2).lower()
    if not closing:
        return (*stack, _Open(name, token))
    for index in range(len(stack) - 1, -1, -1):
        if stack[index].name == name:
            return stack[:index] + stack[index + 1 :]
    return stack


def _closers(stack: Sequence[_Open]) -> str:
    return "".join(f"</{tag.name}>" for tag in reversed(stack))


def _openers(stack: Sequence[_Open]) -> str:
    return "".join(tag.markup for tag in stack)


def _break_priority(token: str, depth: int) -> int:
    """How good a cut right after `token` is: paragraphs > lines > spaces, outside tags best."""
    base = {"\n\n": 6, "\n": 4, " ": 2, "。": 2, "，": 1}.get(token, 0)
    if base and depth == 0:
        base += 1
    return base


def split_html(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Cut Telegram HTML into parts of at most `limit` UTF-16 units, each well-formed.

    Prefers paragraph boundaries outside any tag, then line breaks, then spaces; a cut inside a
    tag closes it and re-opens it in the next part. Parts without visible text are dropped.
    """
    if limit < 64:
        raise ValueError("limit too small to hold re-opened tags")
    if utf16_len(text) <= limit:
        return [text] if strip_html(text).strip() else []
    tokens = _TOKEN.findall(text)
    parts: list[str] = []
    start, start_stack = 0, ()
    min_useful = limit // 3  # a cut earlier than this wastes a message; prefer a worse cut later
    while start < len(tokens):
        prefix = _openers(start_stack)
        length = utf16_len(prefix)
        stack: tuple[_Open, ...] = start_stack
        # The latest cut seen for each priority: priority -> (token index, stack, length).
        latest: dict[int, tuple[int, tuple[_Open, ...], int]] = {}
        index = start
        while index < len(tokens):
            token = tokens[index]
            new_stack = _apply(stack, token)
            if length + utf16_len(token) + utf16_len(_closers(new_stack)) > limit:
                break
            length += utf16_len(token)
            stack = new_stack
            index += 1
            priority = _break_priority(token, len(stack))
            if priority:
                latest[priority] = (index, stack, length)
        if index >= len(tokens):
            parts.append(prefix + "".join(tokens[start:]))
            break
        useful = {p: v for p, v in latest.items() if v[2] >= min_useful}
        pool = useful or latest
        if pool:
            cut, cut_stack, _ = pool[max(pool)]
        else:
            cut, cut_stack = index, stack
        if cut == start:  # a single token longer than the limit: cannot happen with sane markup
            raise ValueError("a single tag is longer than the message limit")
        body = "".join(tokens[start:cut])
        if not cut_stack:
            body = body.rstrip("\n ")
        parts.append(prefix + body + _closers(cut_stack))
        start, start_stack = cut, cut_stack
        # A new part starts at its text, not with the blank lines that separated paragraphs.
        while start < len(tokens) and tokens[start] in ("\n\n", "\n", " ") and not start_stack:
            start += 1
    return [part for part in parts if strip_html(part).strip()]


def split_plain(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split escaped-free plain text: escape it and split the HTML (helper for long articles)."""
    return split_html(escape(text), limit)
