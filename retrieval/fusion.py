"""Fusing lexical and dense scores into ranked hits, and the refusal gate.

Fusion is a weighted sum per citable unit (the best chunk of a unit speaks for it: its article
prose or one of its FAQ phrasings). The dense weight follows the question's script: the default
model is English-only and scores Chinese text close to noise, so a Chinese question gets weight
0 (the model cannot drag it down), an English one up to DENSE_MAX_WEIGHT, mixed ones in between.

Numbers here are calibrated on tests/retrieval/eval_questions.yaml with `smebot eval`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from retrieval.chunks import Chunk, Target

DENSE_MAX_WEIGHT = 0.45
# Cosine similarities of all-MiniLM-L6-v2 below this are unrelated text; above it they scale
# linearly to 1. Keeps "What's the weather?" from scoring anything against the FAQ phrasings.
DENSE_FLOOR = 0.25
# Supplementary fact sheets restate articles ("有效期为三年（第十五条）"); when a fact sheet and
# the article itself score alike, the primary source wins.
SECONDARY_PRIOR = 0.9
# A provincial edition of the criteria repeats the national wording; unless the question names
# that province, the national edition is what people mean.
REGIONAL_PRIOR = 0.85
# A question that names a province means that province's edition; the national one, which
# otherwise repeats the same wording with other figures, steps back further.
NAMED_REGION_PRIOR = 0.75
# A question about one year ("2023年推荐") prefers units that mention that year.
YEAR_MISMATCH_PRIOR = 0.6
# ... and, among those, the unit that is about that year (its heading names it) over units
# that merely mention it.
YEAR_HEADING_PRIOR = 1.2
# A question asking for a kind of fact (how many, what percentage, by which date) prefers
# units that state a fact of that kind ("200个左右" over "第十四个五年规划").
ANSWER_TYPE_PRIOR = 1.15
# A deadline question ("什么时候截止") is answered only by a unit stating a deadline ("……前报送").
DEADLINE_PRIOR = 1.3
# A unit that points to an article for a matter ("见《暂行办法》第十五条") gives way to that
# article when the article scores at least this share of the unit's score.
DEFER_RATIO = 0.9
# A question that names an article ("第十五条讲什么") gets that article whatever the wording.
EXPLICIT_REF_SCORE = 0.9
# Below this fused score the question is outside what the bot knows (refusal gate).
REFUSAL_THRESHOLD = 0.22


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


def dense_weight(latin_share: float) -> float:
    """How much the dense score counts, from the question's share of Latin script."""
    return DENSE_MAX_WEIGHT * min(1.0, max(0.0, latin_share))


def dense_scale(similarity: float) -> float:
    """Cosine similarity -> [0, 1], with everything below DENSE_FLOOR as 0."""
    return max(0.0, min(1.0, (similarity - DENSE_FLOOR) / (1.0 - DENSE_FLOOR)))


def fuse(
    chunks: Sequence[Chunk],
    lexical: Mapping[str, float],
    dense: Mapping[str, float],
    weight: float,
    *,
    priors: Mapping[str, float] | None = None,
    explicit: Iterable[str] = (),
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
        den = dense_scale(dense.get(chunk.id, -1.0))
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
            score = max(score, EXPLICIT_REF_SCORE)
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


def in_scope(hits: Sequence[Hit], threshold: float = REFUSAL_THRESHOLD) -> bool:
    """The refusal gate: a confident wrong citation is worse than "I don't know"."""
    return bool(hits) and hits[0].score >= threshold
