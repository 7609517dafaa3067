"""Structure-aware chunks: one per citable unit of the knowledge base, plus one per curated FAQ
phrasing (pointing at the unit it is about).

A unit is an article of the measures, one of 第六条's items, a criteria dimension or gate, or one
supplementary fact. Units are never cut by a character count: an article is what gets cited, so
it is what gets retrieved (DESIGN.md, "Retrieval that works on Chinese policy text").
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from knowledge.models import Document
from retrieval.faq import FaqEntry

ChunkKind = Literal["article", "faq"]

# Bump when the way chunks are built changes: it is part of the index fingerprint.
CHUNKER_VERSION = "3"


@dataclass(frozen=True)
class Target:
    """What a citation points at: a document, a ref and (for 第六条) an item."""

    doc: str
    ref: str
    item: str | None = None

    @property
    def key(self) -> str:
        return f"{self.doc}/{self.ref}" + (f"/{self.item}" if self.item else "")


@dataclass(frozen=True)
class Unit:
    """One citable unit with everything an answer needs, detached from pydantic models."""

    target: Target
    doc_title: str
    doc_kind: str
    doc_source: str
    chapter: str | None
    heading: str | None
    text: str
    label: str

    @property
    def heading_path(self) -> tuple[str, ...]:
        """Parent headings, outermost first: document title, chapter, article, item heading."""
        parts = [self.doc_title]
        if self.chapter:
            parts.append(self.chapter)
        if self.doc_kind == "measures":
            parts.append(self.target.ref + (self.target.item or ""))
        if self.heading:
            parts.append(self.heading)
        return tuple(parts)


@dataclass(frozen=True)
class Chunk:
    """What the retrievers index. `text` is what gets matched (headings included for articles,
    the phrasing itself for FAQ chunks); `target` says what a match cites."""

    id: str
    kind: ChunkKind
    target: Target
    text: str
    lang: str = "zh"


def units_from_documents(documents: Iterable[Document]) -> list[Unit]:
    units: list[Unit] = []
    for document in documents:
        for article in document.articles:
            units.append(
                Unit(
                    target=Target(document.id, article.ref, article.item),
                    doc_title=document.title,
                    doc_kind=document.kind,
                    doc_source=document.source,
                    chapter=article.chapter,
                    heading=article.heading,
                    text=article.text,
                    label=article.label,
                )
            )
    return units


def article_chunk(unit: Unit) -> Chunk:
    # Headings go into the indexed text (they name the topic: "动态管理", "具有较强核心竞争力"),
    # so do the ref and label ("第十五条", "认定标准·一"): people ask for articles by number.
    # The document title is left out: it repeats in every chunk of a document and would make
    # short units (the notice's parts) match any question about "集群" or "工业和信息化部".
    context = " ".join(dict.fromkeys([*unit.heading_path[1:], unit.label]))
    return Chunk(
        id=f"a:{unit.target.key}",
        kind="article",
        target=unit.target,
        text=f"{context}\n{unit.text}",
    )


def faq_chunks(entries: Sequence[FaqEntry]) -> list[Chunk]:
    chunks: list[Chunk] = []
    for index, entry in enumerate(entries):
        target = Target(entry.cite.doc, entry.cite.ref, entry.cite.item)
        for number, question in enumerate(entry.questions):
            lang = "en" if question.isascii() else "zh"
            chunks.append(
                Chunk(
                    id=f"q:{index}:{number}",
                    kind="faq",
                    target=target,
                    text=question,
                    lang=lang,
                )
            )
    return chunks


def build_chunks(units: Sequence[Unit], faq: Sequence[FaqEntry]) -> list[Chunk]:
    return [*(article_chunk(unit) for unit in units), *faq_chunks(faq)]


def chunks_digest(chunks: Sequence[Chunk]) -> str:
    """A hash of exactly what gets embedded, so any change to it rebuilds the dense index."""
    digest = hashlib.sha256(CHUNKER_VERSION.encode())
    for chunk in chunks:
        digest.update(f"{chunk.id}\x1f{chunk.target.key}\x1f{chunk.text}\x1e".encode())
    return digest.hexdigest()
