"""The knowledge base's file schemas and the builders that turn validated files into documents.

Strict schemas (unknown keys rejected) so a typo in a key never silently drops data; every error
is a `KnowledgeDataError` naming the file and the field. `knowledge.kb` loads and indexes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from knowledge.datafile import parse_yaml, validation_error
from knowledge.errors import KnowledgeDataError
from knowledge.facts import Cited, parse_records
from knowledge.models import Article, Document
from knowledge.refs import (
    article_ref,
    item_marker,
    parse_article_ref,
    parse_chapter_title,
    parse_item_marker,
)

# --------------------------------------------------------------------------------------------
# File schemas. Strict (unknown keys rejected) so a typo in a key never silently drops data.


def _non_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value.strip()


Text = Annotated[str, AfterValidator(_non_blank)]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _ItemSpec(_Strict):
    item: str
    heading: Text
    text: Text
    # True when the heading was lost in the source and restored from its public structure.
    heading_restored: bool = False


class _MeasuresArticleSpec(_Strict):
    ref: str
    text: Text | None = None
    items: tuple[_ItemSpec, ...] = ()
    missing: bool = False
    # Fact refs on related topics, shown when someone asks for a missing article.
    see_also: tuple[Slug, ...] = ()

    @model_validator(mode="after")
    def _text_xor_missing(self) -> _MeasuresArticleSpec:
        if self.missing and (self.text is not None or self.items):
            raise ValueError("a missing article has no text or items")
        if not self.missing and self.text is None:
            raise ValueError("text: must not be empty (or mark the article `missing: true`)")
        if self.see_also and not self.missing:
            raise ValueError("see_also is only for missing articles")
        return self


class _ChapterSpec(_Strict):
    title: str
    heading_restored: bool = False
    articles: tuple[_MeasuresArticleSpec, ...] = Field(min_length=1)


class MeasuresFile(_Strict):
    id: Slug
    kind: Literal["measures"]
    title: Text
    label_prefix: Text
    source: Text
    notes: tuple[Text, ...] = ()
    chapters: tuple[_ChapterSpec, ...] = Field(min_length=1)


class _PlainArticleSpec(_Strict):
    ref: Slug
    heading: Text | None = None
    text: Text
    # The citation label for this one article (fact sheets: "公开报道（工信厅企业函〔2023〕44号）").
    source: Text | None = None
    # Typed records this fact states (knowledge.facts), validated there.
    records: tuple[dict[str, Any], ...] = ()


class PlainFile(_Strict):
    id: Slug
    kind: Literal["notice", "facts"]
    title: Text
    source: Text
    # The citation label shared by every article (notices); facts label each article instead.
    label: Text | None = None
    notes: tuple[Text, ...] = ()
    articles: tuple[_PlainArticleSpec, ...] = Field(min_length=1)


# --------------------------------------------------------------------------------------------
# YAML reading


def parse_yaml_mapping(path: Path, raw: bytes) -> dict[str, Any]:
    data = parse_yaml(path, raw)
    if not isinstance(data, dict):
        raise KnowledgeDataError(path, "(top level)", "expected a mapping of keys to values")
    return data


_M = TypeVar("_M", bound=BaseModel)


def validate_file(model: type[_M], path: Path, data: dict[str, Any]) -> _M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise validation_error(path, exc) from None


# --------------------------------------------------------------------------------------------
# Building documents


@dataclass(frozen=True)
class MissingSpec:
    ref: str
    chapter: str
    see_also: tuple[str, ...]
    label: str
    where: str  # where it sits in its file, for error messages
    path: Path


def build_measures(path: Path, spec: MeasuresFile) -> tuple[Document, dict[str, MissingSpec]]:
    articles: list[Article] = []
    missing: dict[str, MissingSpec] = {}
    seen: dict[str, str] = {}
    expected = 1
    for c, chapter in enumerate(spec.chapters):
        parsed = parse_chapter_title(chapter.title)
        if parsed is None:
            raise KnowledgeDataError(
                path,
                f"chapters[{c}].title",
                f"unknown chapter {chapter.title!r} (expected '第N章 名称')",
            )
        if parsed[0] != c + 1:
            raise KnowledgeDataError(
                path,
                f"chapters[{c}].title",
                f"unknown chapter {chapter.title!r} in position {c + 1}"
                f" (expected 第{_cn(c + 1)}章)",
            )
        for a, entry in enumerate(chapter.articles):
            where = f"chapters[{c}].articles[{a}]"
            number = parse_article_ref(entry.ref)
            if number is None:
                raise KnowledgeDataError(
                    path, f"{where}.ref", f"not an article ref: {entry.ref!r} (e.g. '第十五条')"
                )
            if entry.ref in seen:
                raise KnowledgeDataError(
                    path, f"{where}.ref", f"duplicate ref {entry.ref} (first at {seen[entry.ref]})"
                )
            if number != expected:
                raise KnowledgeDataError(
                    path,
                    f"{where}.ref",
                    f"article out of order: {entry.ref} where {article_ref(expected)} belongs"
                    " (list every article in order; mark lost ones `missing: true`)",
                )
            seen[entry.ref] = where
            expected += 1
            if entry.missing:
                missing[entry.ref] = MissingSpec(
                    entry.ref,
                    chapter.title,
                    entry.see_also,
                    f"{spec.label_prefix}{entry.ref}",
                    where,
                    path,
                )
                continue
            assert entry.text is not None  # guaranteed by _MeasuresArticleSpec
            articles.append(
                Article(
                    ref=entry.ref,
                    chapter=chapter.title,
                    text=entry.text,
                    label=f"{spec.label_prefix}{entry.ref}",
                )
            )
            for i, item in enumerate(entry.items):
                item_where = f"{where}.items[{i}].item"
                if parse_item_marker(item.item) is None:
                    raise KnowledgeDataError(
                        path, item_where, f"not an item marker: {item.item!r} (e.g. '（四）')"
                    )
                if item.item != item_marker(i + 1):
                    raise KnowledgeDataError(
                        path,
                        item_where,
                        f"item out of order: {item.item} where {item_marker(i + 1)} belongs",
                    )
                articles.append(
                    Article(
                        ref=entry.ref,
                        chapter=chapter.title,
                        item=item.item,
                        heading=item.heading,
                        text=item.text,
                        label=f"{spec.label_prefix}{entry.ref}{item.item}",
                    )
                )
    document = Document(
        id=spec.id,
        title=spec.title,
        kind="measures",
        source=spec.source,
        articles=tuple(articles),
        missing=tuple(missing),
        notes=spec.notes,
    )
    return document, missing


def _cn(number: int) -> str:
    return article_ref(number)[1:-1]


def build_plain(path: Path, spec: PlainFile) -> tuple[Document, list[Cited]]:
    """A notice or fact sheet as a document, and the typed records its facts state."""
    articles: list[Article] = []
    cited: list[Cited] = []
    seen: dict[str, int] = {}
    for a, entry in enumerate(spec.articles):
        if entry.ref in seen:
            raise KnowledgeDataError(
                path,
                f"articles[{a}].ref",
                f"duplicate ref {entry.ref} (first at articles[{seen[entry.ref]}])",
            )
        seen[entry.ref] = a
        label = entry.source or spec.label
        if label is None:
            raise KnowledgeDataError(
                path, f"articles[{a}].source", "required: the citation label for this article"
            )
        articles.append(Article(ref=entry.ref, heading=entry.heading, text=entry.text, label=label))
        if entry.records and spec.kind != "facts":
            raise KnowledgeDataError(
                path, f"articles[{a}].records", "only fact sheets hold records"
            )
        for record in parse_records(path, f"articles[{a}]", list(entry.records)):
            cited.append(Cited(record, spec.id, entry.ref))
    document = Document(
        id=spec.id,
        title=spec.title,
        kind=spec.kind,
        source=spec.source,
        articles=tuple(articles),
        notes=spec.notes,
    )


    return document, cited


def check_fact_refs_unique(facts: list[Document], doc_files: dict[str, Path]) -> None:
    # Fact refs are cited bare ("who-applies"), so they must be unique across fact sheets.
    first: dict[str, str] = {}
    for document in facts:
        for a, article in enumerate(document.articles):
            if article.ref in first:
                raise KnowledgeDataError(
                    doc_files[document.id],
                    f"articles[{a}].ref",
                    f"duplicate ref {article.ref} (also in {first[article.ref]})",
                )
            first[article.ref] = doc_files[document.id].name


def data_files(data_dir: Path) -> list[Path]:
    return sorted(
        p
        for p in data_dir.rglob("*")
        if p.is_file()
        and not any(
            part.startswith(".") or part == "__pycache__" for part in p.relative_to(data_dir).parts
        )
    )


def criteria_documents(criteria_dir: Path | None) -> list[Document]:
    """The criteria editions, loaded and validated by `knowledge.criteria` from `criteria_dir`
    (None: that module's own folder, which is the package's data/criteria)."""
    from knowledge.criteria import list_editions  # resolved at call time: tests substitute it

    return [edition.as_document() for edition in list_editions(criteria_dir)]
