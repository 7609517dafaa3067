"""What the ask slice shows: an answer as Telegram HTML, its buttons, a cited article."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from handlers.ask.repo import StoredCitation
from infra.i18n import t
from infra.rendering import (
    MESSAGE_LIMIT,
    bold,
    bold_lead,
    clean,
    escape,
    italic,
    quote_block,
    split_plain,
    utf16_len,
)

if TYPE_CHECKING:
    from knowledge.kb import KnowledgeBase

# How much of the question is echoed above the answer (so a reader knows what was answered).
ECHO_CHARS = 120
MAX_SOURCE_BUTTONS = 3


class SourceCb(CallbackData, prefix="src"):
    """查看原文 for citation `idx` of answer `answer_id`."""

    answer_id: int
    idx: int


class FeedbackCb(CallbackData, prefix="fb"):
    """👍 (vote=1) or 👎 (vote=-1) on answer `answer_id`."""

    answer_id: int
    vote: int


def _echo(question: str) -> str:
    question = " ".join(clean(question).split())
    if len(question) > ECHO_CHARS:
        question = question[: ECHO_CHARS - 1] + "…"
    return "❓ " + italic(question)


def citation_line(label: str, lang: str = "zh") -> str:
    """'📖 出处：《暂行办法》第十五条' — the label is escaped like any knowledge text."""
    return f"📖 {t('ask.source_prefix', lang)}{escape(label)}"


def render_answer(answer: Any, lang: str) -> str:
    """The answer as Telegram HTML: echoed question, bold lead, quotes and citation lines.

    Everything from the answer (plain text by contract) is escaped. A citation's quote is shown
    as a block unless the answer text already contains it.
    """
    parts = [_echo(answer.question), bold_lead(answer.answer)]
    answer_text = clean(answer.answer)
    for citation in answer.citations:
        quote = clean(citation.quote or "").strip()
        block = []
        if quote and quote not in answer_text:
            block.append(quote_block(quote))
        block.append(citation_line(citation.label or citation.ref, lang))
        parts.append("\n".join(block))
    return "\n\n".join(parts)


def answer_keyboard(
    answer_id: int, citations: Sequence[StoredCitation], lang: str, voted: int | None = None
) -> InlineKeyboardMarkup:
    rows: list[list[InlineKeyboardButton]] = []
    shown = list(citations)[:MAX_SOURCE_BUTTONS]
    if shown:
        rows.append(
            [
                InlineKeyboardButton(
                    text=t("ask.button.source", lang)
                    if len(shown) == 1
                    else t("ask.button.source_n", lang, n=index + 1),
                    callback_data=SourceCb(answer_id=answer_id, idx=index).pack(),
                )
                for index in range(len(shown))
            ]
        )
    rows.append(
        [
            InlineKeyboardButton(
                text="👍" + (" ✓" if voted == 1 else ""),
                callback_data=FeedbackCb(answer_id=answer_id, vote=1).pack(),
            ),
            InlineKeyboardButton(
                text="👎" + (" ✓" if voted == -1 else ""),
                callback_data=FeedbackCb(answer_id=answer_id, vote=-1).pack(),
            ),
        ]
    )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def render_article(kb: KnowledgeBase, citation: StoredCitation, lang: str) -> list[str]:
    """The whole cited article as HTML parts (long articles split)."""
    article = None
    with contextlib.suppress(LookupError, ValueError):
        article = kb.article(citation.doc, citation.ref, citation.item)
    if article is None:
        return [t("ask.source_missing", lang, label=citation.label)]
    title = ""
    with contextlib.suppress(LookupError, ValueError, AttributeError):
        document = kb.document(citation.doc)
        title = document.title if document is not None else ""
    lines = []
    if title:
        lines.append(bold(f"《{title}》"))
    if getattr(article, "chapter", None):
        lines.append(escape(article.chapter))
    heading = getattr(article, "heading", None)
    label = getattr(article, "label", None) or citation.label
    lines.append(bold(label) + (" " + escape(heading) if heading else ""))
    head = "\n".join(lines)
    body = split_plain(kb.full_text(citation.doc, citation.ref, citation.item))
    if body and utf16_len(head) + 2 + utf16_len(body[0]) <= MESSAGE_LIMIT:
        return [head + "\n\n" + body[0], *body[1:]]
    return [head, *body]
