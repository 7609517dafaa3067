"""The domain dictionary and synonym map (knowledge/data/lexicon.yaml), validated on load.

The lexicon is data, not code: the jieba user words keep policy terms whole, the synonym map
rewrites how people ask into the words the measures use, and the stopwords drop question
scaffolding. Retrieval reads it; nothing here depends on jieba.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from knowledge.datafile import read_yaml, validation_error
from knowledge.errors import KnowledgeDataError

DATA_DIR = Path(__file__).resolve().parent / "data"
LEXICON_PATH = DATA_DIR / "lexicon.yaml"

_LATIN = re.compile(r"[A-Za-z]")
# A Chinese synonym key may hold a gap: "多少个…集群" fires on "多少个中小企业特色产业集群" too
# (its parts in order, at most GAP_CHARS characters apart).
GAP = "…"
GAP_CHARS = 12

# The C loader is ~10x faster than the pure-Python one (start-up time matters for the CLI).


class _FrameVocabularyFile(BaseModel):
    """Cue words of the question frame (retrieval/frame.py)."""

    model_config = ConfigDict(extra="forbid")

    intents: dict[str, list[str]] = Field(default_factory=dict)
    yesno_en: list[str] = Field(default_factory=list)
    indicator_cues: dict[str, list[str]] = Field(default_factory=dict)
    dimension_cues: dict[str, list[str]] = Field(default_factory=dict)
    programmes: list[str] = Field(default_factory=list)
    programme_actions: list[str] = Field(default_factory=list)
    other_authorities: list[str] = Field(default_factory=list)
    amount_cues: list[str] = Field(default_factory=list)
    roster_cues: list[str] = Field(default_factory=list)
    shared_attributes: list[str] = Field(default_factory=list)
    action_attributes: list[str] = Field(default_factory=list)
    institution_suffixes: list[str] = Field(default_factory=list)
    decline: dict[str, list[str]] = Field(default_factory=dict)


@dataclass(frozen=True)
class FrameVocabulary:
    """The frame's cue words, lower-cased (matching is on lower-cased text)."""

    intents: dict[str, tuple[str, ...]] = field(default_factory=dict)
    yesno_en: frozenset[str] = frozenset()
    indicator_cues: dict[str, tuple[str, ...]] = field(default_factory=dict)
    dimension_cues: dict[str, tuple[str, ...]] = field(default_factory=dict)
    programmes: tuple[str, ...] = ()
    programme_actions: tuple[str, ...] = ()
    other_authorities: tuple[str, ...] = ()
    amount_cues: tuple[str, ...] = ()
    roster_cues: tuple[str, ...] = ()
    shared_attributes: frozenset[str] = frozenset()
    action_attributes: frozenset[str] = frozenset()
    institution_suffixes: tuple[str, ...] = ()
    decline: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def from_file(cls, spec: _FrameVocabularyFile) -> FrameVocabulary:
        def low(words: list[str]) -> tuple[str, ...]:
            return tuple(word.lower() for word in words)

        return cls(
            intents={key: low(words) for key, words in spec.intents.items()},
            yesno_en=frozenset(low(spec.yesno_en)),
            indicator_cues={key: low(words) for key, words in spec.indicator_cues.items()},
            dimension_cues={key: low(words) for key, words in spec.dimension_cues.items()},
            programmes=low(spec.programmes),
            programme_actions=low(spec.programme_actions),
            other_authorities=low(spec.other_authorities),
            amount_cues=low(spec.amount_cues),
            roster_cues=low(spec.roster_cues),
            shared_attributes=frozenset(low(spec.shared_attributes)),
            action_attributes=frozenset(low(spec.action_attributes)),
            institution_suffixes=low(spec.institution_suffixes),
            decline={key: low(words) for key, words in spec.decline.items()},
        )


class _LexiconFile(BaseModel):
    """The file's shape; pydantic names the failing field for KnowledgeDataError."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1)
    words: list[str] = Field(min_length=1)
    synonyms: dict[str, list[str]] = Field(default_factory=dict)
    stopwords: list[str] = Field(default_factory=list)
    foreign_topics: list[str] = Field(default_factory=list)
    frame: _FrameVocabularyFile = Field(default_factory=_FrameVocabularyFile)

    @field_validator("words", "stopwords")
    @classmethod
    def _no_blank_words(cls, value: list[str]) -> list[str]:
        for index, word in enumerate(value):
            if not word.strip() or any(ch.isspace() for ch in word):
                raise ValueError(f"entry {index} ({word!r}) must be one word without spaces")
        return value

    @field_validator("synonyms")
    @classmethod
    def _non_empty_synonyms(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for key, targets in value.items():
            if not key.strip():
                raise ValueError("a synonym key is blank")
            if not targets or any(not target.strip() for target in targets):
                raise ValueError(f"{key!r} needs at least one non-blank canonical phrase")
        return value


@dataclass(frozen=True)
class Lexicon:
    """Domain words, synonym rules and stopwords, ready for the tokenizer."""

    words: tuple[str, ...]
    synonyms: tuple[tuple[str, tuple[str, ...]], ...]
    stopwords: frozenset[str]
    foreign_topics: tuple[str, ...] = ()
    frame: FrameVocabulary = field(default_factory=FrameVocabulary, compare=False)
    source: Path = field(default=LEXICON_PATH, compare=False)

    def foreign_topic(self, text: str) -> str | None:
        """The other policy `text` asks about (e.g. 高新技术企业认定), unless it is about a
        cluster; None when the question is not about another policy."""
        lowered = text.lower()
        if "集群" in text or "cluster" in lowered:
            return None
        for topic in self.foreign_topics:
            if topic.lower() in lowered:
                return topic
        return None

    def synonym_map(self) -> dict[str, tuple[str, ...]]:
        return dict(self.synonyms)

    def expansions(self, text: str) -> list[tuple[str, tuple[str, ...]]]:
        """The synonym rules that fire on `text`: Chinese keys as substrings (a key with a gap
        "…" as its parts in order, close together), Latin keys as whole words (so "apply" does
        not fire inside "applying" by accident of a prefix)."""
        lowered = text.lower()
        fired: list[tuple[str, tuple[str, ...]]] = []
        for key, targets in self.synonyms:
            if _LATIN.search(key):
                pattern = r"(?<![a-z])" + re.escape(key.lower()) + r"(?![a-z])"
                if re.search(pattern, lowered):
                    fired.append((key, targets))
            elif GAP in key:
                parts = [re.escape(part) for part in key.split(GAP)]
                if re.search(rf".{{0,{GAP_CHARS}}}".join(parts), text):
                    fired.append((key, targets))
            elif key in text:
                fired.append((key, targets))
        return fired


def parse_lexicon(raw: Any, path: Path) -> Lexicon:
    """Validate already-parsed YAML; errors name the file and the field."""
    if not isinstance(raw, dict):
        raise KnowledgeDataError(path, "(root)", "expected a mapping with words/synonyms")
    try:
        parsed = _LexiconFile.model_validate(raw)
    except ValidationError as exc:
        raise validation_error(path, exc) from exc
    duplicates = sorted({w for w in parsed.words if parsed.words.count(w) > 1})
    if duplicates:
        raise KnowledgeDataError(path, "words", f"duplicate words: {', '.join(duplicates)}")
    return Lexicon(
        words=tuple(parsed.words),
        synonyms=tuple((key, tuple(targets)) for key, targets in parsed.synonyms.items()),
        stopwords=frozenset(word.lower() for word in parsed.stopwords),
        foreign_topics=tuple(parsed.foreign_topics),
        frame=FrameVocabulary.from_file(parsed.frame),
        source=path,
    )


def load_lexicon(path: Path | None = None) -> Lexicon:
    """Read and validate a lexicon file (the packaged one by default)."""
    path = path or LEXICON_PATH
    return parse_lexicon(read_yaml(path), path)


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    """The packaged lexicon, loaded once."""
    return load_lexicon()
