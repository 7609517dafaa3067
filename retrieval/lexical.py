"""BM25 (Lucene's formula, as bm25s computes it) over the chunks, with an absolute, comparable
score.

Raw BM25 scores only rank; a refusal gate needs to know how much of the question was matched.
So each score is divided by the question's idf mass: the BM25 of a chunk that contains every
question word once at average length. Words the corpus has never seen count at the highest idf,
so "今天天气怎么样" scores near 0 while "集群有效期多久" scores high. Words a synonym rule replaced
("年报" -> 年度工作开展情况) are excused: the expansion stands in for them.

The index is a few hundred chunks, so plain postings in dicts score a question in well under a
millisecond; bm25s (and the scipy it imports, ~1.5 s of every cold start) bought nothing here.
tests/retrieval/test_lexical.py checks the scores against Lucene's formula.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from retrieval.chunks import Chunk
from retrieval.config import LexicalConfig
from retrieval.text import PolicyTokenizer, QueryTerms

_DEFAULT = LexicalConfig()


def segment(chunks: Sequence[Chunk], tokenizer: PolicyTokenizer) -> list[list[str]]:
    return [tokenizer.words(chunk.text) or ["\x00"] for chunk in chunks]


@dataclass(frozen=True)
class LexicalResult:
    scores: np.ndarray  # normalised score per chunk, in [0, 1]
    matched: int  # how many query tokens the corpus knows
    terms: QueryTerms


class LexicalIndex:
    def __init__(
        self,
        chunks: Sequence[Chunk],
        tokenizer: PolicyTokenizer,
        corpus: Sequence[Sequence[str]] | None = None,
        config: LexicalConfig = _DEFAULT,
    ) -> None:
        """`corpus`: the chunks already segmented (`segment(chunks, tokenizer)`), e.g. from
        the start-up cache."""
        self.chunks = list(chunks)
        self.tokenizer = tokenizer
        self.config = config
        if corpus is None:
            corpus = segment(self.chunks, tokenizer)
        self._token_sets = [frozenset(tokens) for tokens in corpus]
        n = len(corpus)
        df: Counter[str] = Counter()
        for tokens in corpus:
            df.update(set(tokens))
        # Lucene's idf (always positive) and length-normalised term frequency.
        self._idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self.max_idf = math.log(1 + (n + 0.5) / 0.5)
        average = sum(len(tokens) for tokens in corpus) / max(n, 1)
        self._postings: dict[str, list[tuple[int, float]]] = {}
        for index, tokens in enumerate(corpus):
            norm = config.k1 * (1 - config.b + config.b * len(tokens) / average)
            for token, tf in Counter(tokens).items():
                self._postings.setdefault(token, []).append((index, tf / (tf + norm)))

    def bm25(self, tokens: Sequence[str]) -> np.ndarray:
        """Lucene BM25 of every chunk for the (distinct) query tokens."""
        scores = np.zeros(len(self.chunks), dtype=np.float64)
        for token in dict.fromkeys(tokens):
            idf = self._idf.get(token)
            if idf is None:
                continue
            for index, weight in self._postings[token]:
                scores[index] += idf * weight
        return scores

    def idf(self, token: str) -> float | None:
        return self._idf.get(token)

    def search(self, question: str) -> LexicalResult:
        terms = self.tokenizer.query(question)
        known = [t for t in terms.tokens if t in self._idf]
        # Normaliser: idf mass of what the question asks about. Unknown own words weigh the most
        # (they are what makes a question out of scope); excused words are carried by their
        # expansion; expansion words the corpus lacks are just unhelpful hints.
        mass = sum(self._idf[t] for t in known)
        mass += sum(
            self.config.unknown_weight * self.max_idf
            for t in terms.own
            if t not in self._idf and t not in terms.excused
        )
        if not known or mass <= 0:
            return LexicalResult(np.zeros(len(self.chunks)), 0, terms)
        raw = self.bm25(known)
        bm25 = np.clip(raw / mass, 0.0, 1.0)
        weights = {t: self._idf[t] for t in known}
        coverage = np.fromiter(
            (sum(w for t, w in weights.items() if t in tokens) for tokens in self._token_sets),
            dtype=np.float64,
            count=len(self._token_sets),
        ) / mass
        share = self.config.coverage_share
        scores = (1.0 - share) * bm25 + share * np.clip(coverage, 0.0, 1.0)
        return LexicalResult(scores, len(known), terms)
