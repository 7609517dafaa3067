"""Fusion math, the refusal gate and the Chroma index lifecycle, with exact fake numbers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retrieval import fusion  # noqa: F401
from retrieval.chunks import Chunk, Target
from retrieval.config import FusionConfig
from retrieval.dense import MANIFEST_NAME, DenseIndex, LazyEmbeddings
from retrieval.fusion import Hit, dense_scale, dense_weight, fuse, in_scope
from tests.retrieval.conftest import KeywordEmbeddings

A = Target("doc", "a")
B = Target("doc", "b")
CHUNKS = [
    Chunk("a:1", "article", A, "valid valid"),
    Chunk("q:a", "faq", A, "how long is it valid"),
    Chunk("b:1", "article", B, "report report"),
]


CFG = FusionConfig()


def test_dense_weight_follows_the_script() -> None:
    assert dense_weight(0.0) == 0.0  # Chinese: the English-only model has no say
    assert dense_weight(1.0) == pytest.approx(CFG.dense_max_weight)
    assert dense_weight(0.5) == pytest.approx(CFG.dense_max_weight / 2)


def test_dense_scale_floors_unrelated_similarity() -> None:
    assert dense_scale(CFG.dense_floor) == 0.0
    assert dense_scale(-0.3) == 0.0
    assert dense_scale(1.0) == 1.0
    assert dense_scale((1 + CFG.dense_floor) / 2) == pytest.approx(0.5)


def test_fusion_is_a_weighted_sum_per_unit() -> None:
    lexical = {"a:1": 0.2, "q:a": 0.6, "b:1": 0.5}
    dense = {"a:1": 1.0, "b:1": CFG.dense_floor}
    hits = fuse(CHUNKS, lexical, dense, 0.5)
    assert [h.key for h in hits] == ["doc/a", "doc/b"]
    # Unit a: best chunk a:1 = 0.5*0.2 + 0.5*1.0 = 0.6 beats q:a = 0.5*0.6 + 0 = 0.3.
    assert hits[0].score == pytest.approx(0.6)
    assert hits[0].chunk_id == "a:1"
    assert hits[0].lexical == pytest.approx(0.6)  # best lexical signal over the unit's chunks
    assert hits[1].score == pytest.approx(0.25)


def test_chinese_questions_are_not_dragged_down_by_dense() -> None:
    lexical = {"a:1": 0.1, "b:1": 0.5}
    dense = {"a:1": 1.0, "b:1": -1.0}  # the dense model "prefers" a
    hits = fuse(CHUNKS, lexical, dense, dense_weight(0.0))
    assert hits[0].key == "doc/b"
    assert hits[0].score == pytest.approx(0.5)


def test_priors_and_explicit_references() -> None:
    lexical = {"a:1": 0.5, "b:1": 0.5}
    hits = fuse(CHUNKS, lexical, {}, 0.0, priors={"doc/a": 0.5})
    assert [h.key for h in hits] == ["doc/b", "doc/a"]
    named = fuse(CHUNKS, {"b:1": 0.5}, {}, 0.0, explicit=["doc/a"])
    assert named[0].key == "doc/a"
    assert named[0].score == pytest.approx(CFG.explicit_ref_score)


def test_ties_keep_corpus_order() -> None:
    hits = fuse(CHUNKS, {"a:1": 0.4, "b:1": 0.4}, {}, 0.0)
    assert [h.key for h in hits] == ["doc/a", "doc/b"]


def test_refusal_gate() -> None:
    def hit(score: float) -> Hit:
        return Hit("a:1", score, "doc", "a", None, score, 0.0)

    assert not in_scope([])
    assert not in_scope([hit(CFG.refusal_threshold - 0.01)])
    assert in_scope([hit(CFG.refusal_threshold)])


def _index(tmp_path: Path, embeddings: KeywordEmbeddings, content_hash: str) -> DenseIndex:
    return DenseIndex(
        CHUNKS,
        embeddings,
        model="fake",
        content_hash=content_hash,
        chunk_digest="digest",
        persist_dir=tmp_path / "chroma",
    )


def test_chroma_ranks_by_known_distances(tmp_path: Path) -> None:
    index = _index(tmp_path, KeywordEmbeddings(), "hash-1")
    assert index.ensure() is True
    matches = index.search("valid", k=3)
    assert [m.chunk_id for m in matches][:2] == ["q:a", "a:1"]
    # The FAQ phrasing has exactly the query's vector; "valid valid" points almost the same way
    # (the 0.1 constant dimension weighs less against a count of 2).
    assert matches[0].similarity == pytest.approx(1.0, abs=1e-4)
    assert matches[1].similarity == pytest.approx(
        (2 * 1 + 0.01) / ((4 + 0.01) ** 0.5 * (1 + 0.01) ** 0.5), abs=1e-4
    )
    assert matches[-1].chunk_id == "b:1"


def test_index_is_reused_then_rebuilt_when_knowledge_changes(tmp_path: Path) -> None:
    embeddings = KeywordEmbeddings()
    first = _index(tmp_path, embeddings, "hash-1")
    assert first.ensure() is True
    built_calls = embeddings.calls
    manifest = json.loads((tmp_path / "chroma" / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert manifest["content_hash"] == "hash-1" and manifest["model"] == "fake"

    again = _index(tmp_path, embeddings, "hash-1")
    assert again.ensure() is False  # fresh: nothing embedded again
    assert embeddings.calls == built_calls
    assert again.search("report")[0].chunk_id == "b:1"

    changed = _index(tmp_path, embeddings, "hash-2")
    assert changed.ensure() is True  # the knowledge changed: rebuilt, never silently stale
    names = [c.name for c in changed._client.list_collections()]
    assert names == [changed.collection_name]  # the stale collection is gone


def test_model_change_rebuilds(tmp_path: Path) -> None:
    embeddings = KeywordEmbeddings()
    assert _index(tmp_path, embeddings, "h").ensure() is True
    other = DenseIndex(CHUNKS, embeddings, model="other-model", content_hash="h",
                       chunk_digest="digest", persist_dir=tmp_path / "chroma")
    assert other.ensure() is True


def test_deleted_collection_behind_a_fresh_manifest_is_rebuilt(tmp_path: Path) -> None:
    embeddings = KeywordEmbeddings()
    index = _index(tmp_path, embeddings, "h")
    index.ensure()
    index._client.delete_collection(index.collection_name)
    reopened = _index(tmp_path, embeddings, "h")
    assert reopened.ensure() is False  # the manifest alone says fresh ...
    assert reopened.search("report")[0].chunk_id == "b:1"  # ... opening checks and rebuilds
    assert reopened.rebuilt


def test_lazy_embeddings_load_once() -> None:
    made: list[int] = []

    def factory() -> KeywordEmbeddings:
        made.append(1)
        return KeywordEmbeddings()

    lazy = LazyEmbeddings(factory)
    assert not lazy.loaded
    lazy.embed_query("valid")
    lazy.embed_documents(["report"])
    assert lazy.loaded and made == [1]
