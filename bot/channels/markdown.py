"""Telegram HTML (what the handlers write) -> a platform's markdown subset, and splitting.

The handlers build HTML only from `bold`, `italic`, `code`, `link` and `quote_block` (see the
rendering module), so the converter knows exactly five tags; anything else is dropped to its
text. Text between tags is unescaped and re-escaped for the target dialect.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

_TOKEN = re.compile(r"<(/?)([a-zA-Z]+)([^>]*)>|([^<]+)", re.S)
_HREF = re.compile(r'href="([^"]*)"')


@dataclass(frozen=True, slots=True)
class MarkdownDialect:
    """What a platform's markdown renders and how it escapes literal text."""

    name: str
    bold: str = "**"
    italic: str | None = None  # None: the platform has no italic; the text stays plain
    quote_prefix: str = "> "
    escapes: tuple[tuple[str, str], ...] = ()

    def escape(self, text: str) -> str:
        for char, replacement in self.escapes:
            text = text.replace(char, replacement)
        return text


# Feishu card markdown: HTML-like tags (<at>, <font>) and markdown marks are live, so literal
# characters are written as HTML entities, as Feishu's card docs advise.
FEISHU = MarkdownDialect(
    name="feishu", italic="*",
    escapes=(("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("*", "&#42;"), ("_", "&#95;"),
             ("~", "&#126;"), ("[", "&#91;"), ("]", "&#93;"), ("`", "&#96;")),
)
# DingTalk markdown (robot messages, ActionCard, StandardCard): no italic, backslash escapes.
DINGTALK = MarkdownDialect(
    name="dingtalk", italic=None,
    escapes=(("\\", "\\\\"), ("*", "\\*"), ("_", "\\_"), ("[", "\\["), ("]", "\\]"),
             ("`", "\\`"), ("#", "\\#")),
)


def html_to_markdown(markup: str, dialect: MarkdownDialect) -> str:
    """Convert the handlers' HTML into `dialect`'s markdown."""
    out: list[str] = []
    link_stack: list[tuple[int, str]] = []
    quote_start: list[int] = []
    for match in _TOKEN.finditer(markup):
        closing, tag, attrs, text = match.groups()
        if text is not None:
            out.append(dialect.escape(html.unescape(text)))
            continue
        tag = tag.lower()
        if tag in ("b", "strong"):
            out.append(dialect.bold)
        elif tag in ("i", "em") and dialect.italic:
            out.append(dialect.italic)
        elif tag == "a":
            if not closing:
                href = _HREF.search(attrs)
                link_stack.append((len(out), html.unescape(href.group(1)) if href else ""))
            elif link_stack:
                start, url = link_stack.pop()
                label = "".join(out[start:])
                del out[start:]
                out.append(f"[{label}]({url})" if url else label)
        elif tag == "blockquote":
            if not closing:
                quote_start.append(len(out))
            elif quote_start:
                start = quote_start.pop()
                body = "".join(out[start:]).strip("\n")
                del out[start:]
                out.append("\n".join(dialect.quote_prefix + line for line in body.split("\n")))
        # <code>, <pre>, <u>, <s>, <span>, …: keep the text, drop the mark.
    return "".join(out)


def split_text(text: str, limit: int) -> list[str]:
    """Cut `text` into parts of at most `limit` characters, at paragraph, then line, then
    sentence boundaries; a run with no boundary is cut hard."""
    text = text.strip()
    if len(text) <= limit:
        return [text] if text else []
    parts: list[str] = []
    while len(text) > limit:
        window = text[:limit]
        cut = -1
        for separator in ("\n\n", "\n", "。", "；", ". ", "，", " "):
            position = window.rfind(separator)
            if position > limit // 3:
                cut = position + len(separator)
                break
        if cut <= 0:
            cut = limit
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip("\n")
    if text.strip():
        parts.append(text.strip())
    return parts
