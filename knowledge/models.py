"""The shapes every part of the knowledge base shares: documents made of citable articles."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

DocumentKind = Literal["measures", "notice", "criteria", "facts", "faq"]


class Article(BaseModel):
    """One citable unit: an article of the measures, one of 第六条's items, a criteria dimension
    (ref "一" … "八") or the gate (ref "gate"), or one supplementary fact."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ref: str = Field(min_length=1, description='"第十五条", "一", "gate", "who-applies", …')
    chapter: str | None = Field(
        default=None, description='"第四章 动态管理"; None outside measures'
    )
    item: str | None = Field(default=None, description='"（四）" for an item of 第六条')
    heading: str | None = Field(default=None, description="The item's or dimension's own title")
    text: str = Field(min_length=1)
    label: str = Field(
        min_length=1, description='How people see the citation: "《暂行办法》第十五条"'
    )


class Document(BaseModel):
    """A source the bot may quote: the measures, the notice, a criteria edition, a fact sheet."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str = Field(min_length=1)
    kind: DocumentKind
    source: str = Field(min_length=1, description="Where the text comes from, in words")
    articles: tuple[Article, ...]
    missing: tuple[str, ...] = Field(
        default=(), description="Refs the source lacks (recorded so the bot can say so)"
    )
    notes: tuple[str, ...] = Field(
        default=(), description="Editorial notes on the source (restorations, damage, attachments)"
    )
