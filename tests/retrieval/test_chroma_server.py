"""Chroma server mode (CHROMA_HOST) for real: `chroma run` from the installed chromadb on a free
loopback port; the answerer builds its dense index there, a second replica reuses it."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.settings import Settings
from retrieval.service import build_answerer
from tests.retrieval.conftest import HashingEmbeddings


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[int]:
    port = _free_port()
    log = (tmp_path / "chroma.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-c", "from chromadb.cli.cli import app; app()", "run",
         "--host", "127.0.0.1", "--port", str(port), "--path", str(tmp_path / "server")],
        stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        "chroma run did not start: " + (tmp_path / "chroma.log").read_text()
                    ) from None
                time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def test_the_answerer_builds_and_shares_its_index_on_a_chroma_server(
    tmp_path: Path, chroma_server: int
) -> None:
    import chromadb

    settings = Settings(smebot_data_dir=tmp_path / "replica-a", chroma_host="127.0.0.1",
                        chroma_port=chroma_server)
    first = build_answerer(settings.retrieval, embeddings=HashingEmbeddings())
    assert first.dense is not None and first.dense.ensure()  # built on the server
    client = chromadb.HttpClient(host="127.0.0.1", port=chroma_server)
    collection = client.get_collection(first.dense.collection_name)
    assert collection.count() == len(first.chunks)
    # The vectors live on the server only (the local dir holds the lexical caches at most).
    assert not list((tmp_path / "replica-a").rglob("chroma.sqlite3"))

    matches = first.dense.search("What is the validity period of a cluster?")
    assert matches and all(-1.0 <= m.similarity <= 1.0 for m in matches)
    answer = first.ask("What is the validity period of a cluster?", "en")
    assert answer.in_scope and any(c.ref == "第十五条" for c in answer.citations)

    # A second replica on the same server finds the index fresh and does not rebuild it.
    other = Settings(smebot_data_dir=tmp_path / "replica-b", chroma_host="127.0.0.1",
                     chroma_port=chroma_server)
    second = build_answerer(other.retrieval, embeddings=HashingEmbeddings())
    assert second.dense is not None and not second.dense.ensure()  # found fresh: no rebuild
    assert not second.dense.rebuilt
    assert second.dense.collection_name == first.dense.collection_name
