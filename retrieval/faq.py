"""Curated question phrasings (knowledge/data/faq.yaml) mapped to citations.

Matching a question against other questions works far better than matching it against prose,
for both retrievers; each entry names the unit it is about and, optionally, a one-line English
summary used as the lead sentence of English answers.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from knowledge.datafile import read_yaml, validation_error
from knowledge.errors import KnowledgeDataError

FAQ_PATH = Path(__file__).resolve().parent.parent / "knowledge" / "data" / "faq.yaml"

# The C loader is ~10x faster than the pure-Python one (start-up time matters for the CLI).


class FaqCite(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    doc: str = Field(min_length=1)
    ref: str = Field(min_length=1)
    item: str | None = None


class FaqEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    cite: FaqCite
    questions: tuple[str, ...] = Field(min_length=2)
    en: str | None = Field(default=None, description="English lead sentence for this unit")

    @field_validator("questions")
    @classmethod
    def _non_blank(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for index, question in enumerate(value):
            if not question.strip():
                raise ValueError(f"question {index} is blank")
        if len(set(value)) != len(value):
            raise ValueError("duplicate phrasings")
        return value


class _FaqFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1)
    entries: tuple[FaqEntry, ...] = Field(min_length=1)


def parse_faq(raw: Any, path: Path) -> tuple[FaqEntry, ...]:
    if not isinstance(raw, dict):
        raise KnowledgeDataError(path, "(root)", "expected a mapping with version and entries")
    try:
        return _FaqFile.model_validate(raw).entries
    except ValidationError as exc:
        raise validation_error(path, exc) from exc


def load_faq(path: Path | None = None) -> tuple[FaqEntry, ...]:
    path = path or FAQ_PATH
    return parse_faq(read_yaml(path), path)


@lru_cache(maxsize=1)
def default_faq() -> tuple[FaqEntry, ...]:
    return load_faq()


def check_citations(
    entries: Iterable[FaqEntry], known: set[tuple[str, str, str | None]], path: Path | None = None
) -> tuple[FaqEntry, ...]:
    """Every entry must cite a unit the knowledge base has (else the answer would cite nothing).

    Entries about a document that is not loaded at all (a knowledge base built from another
    data dir, without criteria editions) are left out; a wrong ref in a loaded one is an error.
    Returns the entries that apply."""
    documents = {doc for doc, _, _ in known}
    kept: list[FaqEntry] = []
    for index, entry in enumerate(entries):
        key = (entry.cite.doc, entry.cite.ref, entry.cite.item)
        if entry.cite.doc not in documents:
            continue
        kept.append(entry)
        if key not in known:
            raise KnowledgeDataError(
                path or FAQ_PATH,
                f"entries.{index}.cite",
                f"no such unit in the knowledge base: {entry.cite.doc} {entry.cite.ref}"
                + (f" {entry.cite.item}" if entry.cite.item else ""),
            )
    return tuple(kept)
