"""Retrieval fixtures: a deterministic fake embedding (known distances, exact rankings), a fast
answerer built on it, and one session-wide answerer on the real packaged model (quality tests)."""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from langchain_core.embeddings import Embeddings

from retrieval.config import RetrievalConfig
from retrieval.service import Answerer, build_answerer


class KeywordEmbeddings(Embeddings):
    """Each dimension counts one keyword; one extra constant dimension keeps vectors non-zero.

    Cosine similarities are therefore known in advance: a text with exactly the query's
    keywords scores 1.0 against it, one sharing none scores low.
    """

    def __init__(self, keywords: tuple[str, ...] = ("valid", "report", "apply", "cluster")):
        self.keywords = keywords
        self.calls = 0

    def _vector(self, text: str) -> list[float]:
        lowered = text.lower()
        counts = [float(len(re.findall(re.escape(k), lowered))) for k in self.keywords]
        vector = [*counts, 0.1]
        norm = math.sqrt(sum(v * v for v in vector))
        return [v / norm for v in vector]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.calls += len(texts)
        return [self._vector(text) for text in texts]

    def embed_query(self, text: str) -> list[float]:
        self.calls += 1
        return self._vector(text)


class HashingEmbeddings(Embeddings):
    """A deterministic bag-of-English-words embedding (64 hashed dimensions). Like the real
    default model it is blind to Chinese; unlike it, it needs no weights and no time."""

    DIMENSIONS = 64
    _STOP = frozenset({"the", "and", "for", "what", "how", "does", "are", "is", "can", "which"})

    def _vector(self, text: str) -> list[float]:
        vector = [0.0] * (self.DIMENSIONS + 1)
        for word in re.findall(r"[a-z]{3,}", text.lower()):
            if word not in self._STOP:
                digest = hashlib.md5(word.encode()).digest()
                vector[digest[0] % self.DIMENSIONS] += 1.0
        if not any(vector):
            vector[self.DIMENSIONS] = 1.0  # no English words: similar only to other such texts
        norm = math.sqrt(sum(v * v for v in vector))
        return [v / norm for v in vector]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._vector(text) for text in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)


@pytest.fixture(scope="session")
def fake_answerer(tmp_path_factory: pytest.TempPathFactory) -> Answerer:
    """The real pipeline (knowledge base, FAQ, BM25, Chroma) with the fake embedding."""
    data_dir = tmp_path_factory.mktemp("fake-index")
    # "blocking": the fake model is instant, and dense tests need its scores every time.
    config = RetrievalConfig.for_data_dir(data_dir, dense_mode="blocking")
    return build_answerer(config, embeddings=HashingEmbeddings())


@pytest.fixture(scope="session")
def real_answerer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Answerer]:
    """The packaged all-MiniLM-L6-v2 model: loaded once per test session."""
    data_dir: Path = tmp_path_factory.mktemp("real-index")
    yield build_answerer(RetrievalConfig.for_data_dir(data_dir, dense_mode="blocking"))
