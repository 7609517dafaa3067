"""Fusing lexical and dense scores into ranked hits, and the refusal gate.

Fusion is a weighted sum per citable unit (the best chunk of a unit speaks for it: its article
prose or one of its FAQ phrasings). The dense weight follows the question's script: the default
model is English-only and scores Chinese text close to noise, so a Chinese question gets weight
0 (the model cannot drag it down), an English one up to DENSE_MAX_WEIGHT, mixed ones in between.

The numbers live in `retrieval.config.FusionConfig`, each with the measurement that set it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from retrieval.chunks import Chunk, Target
from retrieval.config import FusionConfig

_DEFAULT = FusionConfig()


@dataclass(frozen=True)
class Hit:
    """One ranked citable unit; plain data, no library objects."""

    chunk_id: str  # the chunk that matched best (article prose or an FAQ phrasing)
    score: float
    doc: str
    ref: str
    item: str | None
    lexical: float
    dense: float

    @property
    def target(self) -> Target:
        return Target(self.doc, self.ref, self.item)

    @property
    def key(self) -> str:
        return self.target.key


def dense_weight(latin_share: float, config: FusionConfig = _DEFAULT) -> float:
    """How much the dense score counts, from the question's share of Latin script."""
    return config.dense_max_weight * min(1.0, max(0.0, latin_share))


def dense_scale(similarity: float, config: FusionConfig = _DEFAULT) -> float:
    """Cosine similarity -> [0, 1], with everything below the floor as 0."""
    floor = config.dense_floor
    return max(0.0, min(1.0, (similarity - floor) / (1.0 - floor)))


def fuse(
    chunks: Sequence[Chunk],
    lexical: Mapping[str, float],
    dense: Mapping[str, float],
    weight: float,
    *,
    priors: Mapping[str, float] | None = None,
    explicit: Iterable[str] = (),
    config: FusionConfig = _DEFAULT,
) -> list[Hit]:
    """Rank citable units. `lexical` and `dense` map chunk ids to scores (lexical in [0, 1],
    dense as cosine similarity); `priors` multiplies a unit's score (target key -> factor);
    `explicit` holds target keys the question names outright."""
    factors = priors or {}
    named = set(explicit)
    best: dict[str, tuple[float, float, float, Chunk]] = {}
    order: dict[str, int] = {}
    for chunk in chunks:
        key = chunk.target.key
        order.setdefault(key, len(order))
        lex = lexical.get(chunk.id, 0.0)
        den = dense_scale(dense.get(chunk.id, -1.0), config)
        score = (1.0 - weight) * lex + weight * den
        previous = best.get(key)
        if previous is None:
            best[key] = (score, lex, den, chunk)
            continue
        # A unit keeps its best chunk's fused score, and the best of each signal for display.
        top_score, top_lex, top_den, top_chunk = previous
        winner = chunk if score > top_score else top_chunk
        best[key] = (max(score, top_score), max(lex, top_lex), max(den, top_den), winner)
    hits: list[Hit] = []
    for key, (score, lex, den, chunk) in best.items():
        score *= factors.get(key, 1.0)
        if key in named:
            score = max(score, config.explicit_ref_score)
        hits.append(
            Hit(
                chunk_id=chunk.id,
                score=round(score, 4),
                doc=chunk.target.doc,
                ref=chunk.target.ref,
                item=chunk.target.item,
                lexical=round(lex, 4),
                dense=round(den, 4),
            )
        )
    # Ties keep the knowledge base's order (measures before criteria before facts).
    hits.sort(key=lambda hit: (-hit.score, order[hit.key]))
    return hits


def in_scope(hits: Sequence[Hit], threshold: float = _DEFAULT.refusal_threshold) -> bool:
    """The refusal gate: a confident wrong citation is worse than "I don't know"."""
    return bool(hits) and hits[0].score >= threshold
