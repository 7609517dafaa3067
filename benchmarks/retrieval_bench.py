"""Retrieval benchmark: this project's retriever vs a naive baseline, side by side, same run.

    .venv/bin/python benchmarks/retrieval_bench.py [--data-dir DIR] [--rounds N]

Prints a table (a script, not a timed test). Measured per system, each in its own process so
memory and cold start are its own:

- cold start: process start (after the interpreter) to the first answer, index already built;
  for ours twice - a Chinese first question (no model load needed) and an English one;
- warm latency per question: p50 / p95 over every evaluation question (after warm-up);
- peak RSS of the process;
- hit@1 / hit@3 on tests/retrieval/eval_questions.yaml (in-scope questions).

Baseline: the knowledge base's text cut into 300-character chunks regardless of structure,
dense-only retrieval with the same embedding model and Chroma, no FAQ, no refusal gate. A chunk
that spans several units is credited with all of them (generous to the baseline).
"""

from __future__ import annotations

import time

_T0 = time.perf_counter()  # before the heavy imports: cold start counts them

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

BASELINE_CHUNK_CHARS = 300
FIRST_ZH = "集群的有效期是多长时间？"
FIRST_EN = "How long is a cluster's recognition valid?"


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def _settings(data_dir: Path) -> Any:
    from infra.settings import Settings

    return Settings(smebot_data_dir=data_dir, chroma_host=None)


# -- baseline ----------------------------------------------------------------------------------


def _baseline_chunks() -> list[tuple[str, list[str]]]:
    """(text, unit keys it overlaps) for 300-character windows over each document."""
    from knowledge.kb import default_knowledge_base
    from retrieval.chunks import Target

    chunks: list[tuple[str, list[str]]] = []
    for document in default_knowledge_base().documents:
        text = ""
        spans: list[tuple[int, int, str]] = []
        for article in document.articles:
            start = len(text)
            text += article.text
            spans.append((start, len(text), Target(document.id, article.ref, article.item).key))
        for offset in range(0, len(text), BASELINE_CHUNK_CHARS):
            end = offset + BASELINE_CHUNK_CHARS
            keys = [key for s, e, key in spans if s < end and e > offset]
            chunks.append((text[offset:end], keys))
    return chunks


class Baseline:
    def __init__(self, data_dir: Path, *, build: bool = False) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma

        from retrieval.dense import PACKAGED_MODEL, load_embeddings

        self.chunks = _baseline_chunks()
        client = chromadb.PersistentClient(
            path=str(data_dir / "baseline-chroma"),
            settings=ChromaSettings(anonymized_telemetry=False),
        )
        self.embeddings = load_embeddings(PACKAGED_MODEL)
        if build:
            for collection in client.list_collections():
                client.delete_collection(collection.name)
        self.store = Chroma(
            collection_name="baseline",
            embedding_function=self.embeddings,
            client=client,
            collection_configuration={"hnsw": {"space": "cosine"}},
        )
        if build:
            self.store.add_texts(
                [text for text, _ in self.chunks],
                metadatas=[{"n": n} for n in range(len(self.chunks))],
                ids=[str(n) for n in range(len(self.chunks))],
            )

    def ranked(self, question: str, k: int = 3) -> list[str]:
        results = self.store.similarity_search_with_score(question, k=10)
        keys: list[str] = []
        for document, _distance in results:
            for key in self.chunks[int(document.metadata["n"])][1]:
                if key not in keys:
                    keys.append(key)
        return keys[:k]


# -- workers (each runs in its own process) ----------------------------------------------------


def _questions() -> list[Any]:
    from retrieval.evaluation import load_questions

    return list(load_questions())


def worker_ours(data_dir: Path, first: str, rounds: int) -> dict[str, Any]:
    from retrieval.evaluation import evaluate
    from retrieval.service import build_answerer
    from retrieval.text import latin_share

    # As `smebot ask` does: a question with Latin script starts the model load right away.
    answerer = build_answerer(_settings(data_dir), warm_up=latin_share(first) > 0)
    answerer.ask(first)
    cold = time.perf_counter() - _T0
    result: dict[str, Any] = {"cold_s": cold, "first": first}
    if rounds == 0:
        result["rss_mb"] = _peak_rss_mb()
        return result
    questions = _questions()
    answerer.ask(FIRST_EN)  # warm-up: the English-only model loads on first use
    latencies: list[float] = []
    for _ in range(rounds):
        for question in questions:
            start = time.perf_counter()
            answerer.ask(question.q)
            latencies.append(time.perf_counter() - start)
    report = evaluate(answerer, questions)
    result.update(
        p50_ms=1000 * statistics.median(latencies),
        p95_ms=1000 * _percentile(latencies, 0.95),
        hit1=report.hit_at(1),
        hit3=report.hit_at(3),
        refusal_recall=report.refusal_recall,
        refusal_precision=report.refusal_precision,
        rss_mb=_peak_rss_mb(),
    )
    return result


def worker_baseline(data_dir: Path, first: str, rounds: int) -> dict[str, Any]:
    baseline = Baseline(data_dir)
    baseline.ranked(first)
    cold = time.perf_counter() - _T0
    result: dict[str, Any] = {"cold_s": cold, "first": first}
    if rounds == 0:
        result["rss_mb"] = _peak_rss_mb()
        return result
    questions = _questions()
    latencies: list[float] = []
    for _ in range(rounds):
        for question in questions:
            start = time.perf_counter()
            baseline.ranked(question.q)
            latencies.append(time.perf_counter() - start)
    in_scope = [q for q in questions if not q.out_of_scope]
    ranks: list[int | None] = []
    for question in in_scope:
        keys = baseline.ranked(question.q)
        ranks.append(next((i for i, k in enumerate(keys, 1) if k in question.expect), None))
    result.update(
        p50_ms=1000 * statistics.median(latencies),
        p95_ms=1000 * _percentile(latencies, 0.95),
        hit1=sum(1 for r in ranks if r == 1) / len(ranks),
        hit3=sum(1 for r in ranks if r is not None) / len(ranks),
        refusal_recall=None,
        refusal_precision=None,
        rss_mb=_peak_rss_mb(),
    )
    return result


def prepare(data_dir: Path) -> dict[str, Any]:
    from retrieval.service import build_answerer

    start = time.perf_counter()
    answerer = build_answerer(_settings(data_dir), progress=True)
    ours = time.perf_counter() - start
    start = time.perf_counter()
    Baseline(data_dir, build=True)
    base = time.perf_counter() - start
    return {"ours_index_s": ours, "ours_chunks": len(answerer.chunks),
            "baseline_index_s": base, "baseline_chunks": len(_baseline_chunks())}


# -- driver --------------------------------------------------------------------------------------


def _run(*args: str) -> dict[str, Any]:
    output = subprocess.run(
        [sys.executable, __file__, *args], check=True, capture_output=True, text=True
    )
    return json.loads(output.stdout.strip().splitlines()[-1])


def _fmt(value: Any, spec: str) -> str:
    return "—" if value is None else format(value, spec)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="where the indexes go (default: a temp dir)")
    parser.add_argument("--rounds", type=int, default=2, help="passes over the question set")
    parser.add_argument("--worker", choices=("ours", "baseline", "prepare"), help=argparse.SUPPRESS)
    parser.add_argument("--first", default=FIRST_ZH, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        data_dir = args.data_dir
        if args.worker == "prepare":
            payload = prepare(data_dir)
        elif args.worker == "ours":
            payload = worker_ours(data_dir, args.first, args.rounds)
        else:
            payload = worker_baseline(data_dir, args.first, args.rounds)
        print(json.dumps(payload))
        return 0

    with tempfile.TemporaryDirectory(prefix="smebot-bench-") as temp:
        data_dir = args.data_dir or Path(temp)
        common = ["--data-dir", str(data_dir)]
        print("building indexes ...", file=sys.stderr)
        prep = _run("--worker", "prepare", *common)
        print("measuring ...", file=sys.stderr)
        ours = _run("--worker", "ours", *common, "--rounds", str(args.rounds))
        ours_en = _run("--worker", "ours", *common, "--rounds", "0", "--first", FIRST_EN)
        base = _run("--worker", "baseline", *common, "--rounds", str(args.rounds))

    rows = [
        ("chunks", str(prep["ours_chunks"]), str(prep["baseline_chunks"])),
        ("index build (s)", f"{prep['ours_index_s']:.1f}", f"{prep['baseline_index_s']:.1f}"),
        ("cold start to 1st answer, zh (s)", f"{ours['cold_s']:.2f}", f"{base['cold_s']:.2f}"),
        ("cold start to 1st answer, en (s)", f"{ours_en['cold_s']:.2f}", f"{base['cold_s']:.2f}"),
        ("warm latency p50 (ms)", f"{ours['p50_ms']:.1f}", f"{base['p50_ms']:.1f}"),
        ("warm latency p95 (ms)", f"{ours['p95_ms']:.1f}", f"{base['p95_ms']:.1f}"),
        ("peak RSS (MB)", f"{ours['rss_mb']:.0f}", f"{base['rss_mb']:.0f}"),
        ("hit@1", f"{ours['hit1']:.3f}", f"{base['hit1']:.3f}"),
        ("hit@3", f"{ours['hit3']:.3f}", f"{base['hit3']:.3f}"),
        ("refusal recall (out of scope)", _fmt(ours["refusal_recall"], ".3f"), "— (no gate)"),
        ("refusal precision", _fmt(ours["refusal_precision"], ".3f"), "— (no gate)"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'metric':<{width}}  {'smebot':>12}  {'baseline':>12}")
    print("-" * (width + 28))
    for name, mine, theirs in rows:
        print(f"{name:<{width}}  {mine:>12}  {theirs:>12}")
    print(f"\n(cpu cores: {os.cpu_count()}; load average: "
          f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}; rounds: {args.rounds})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
