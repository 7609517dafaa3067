"""Answer benchmark: this project vs a plain jieba + BM25 top-1 quote baseline, same questions,
one run.

    .venv/bin/python benchmarks/retrieval_bench.py [--data-dir DIR] [--rounds N]

Prints Markdown tables (a script, not a timed test):

- per category and half of retrieval/data/eval/questions.yaml (tuning / frozen test): in scope
  right / complete / wrongly declined; neighbouring policy and off topic declined-or-honest
  (`retrieval.quality` judges both systems the same way);
- warm latency p50 / p95 over every question (after one warm-up pass), per system;
- cold start to the first answer in a fresh process (imports included), Chinese and English,
  per system, and peak RSS; the load average at the time, since this machine is shared.

Baseline (the honest peer of issue #10): every unit of the knowledge base (article, 第六条
item, criteria dimension, fact) segmented with plain jieba (no domain dictionary, no synonyms)
and ranked by bm25s; the answer quotes the top unit. It declines only when nothing matches.
"""

from __future__ import annotations

import time

_T0 = time.perf_counter()  # before the heavy imports: cold start counts them

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

FIRST_ZH = "集群的有效期是多长时间？"
FIRST_EN = "How long is a cluster's recognition valid?"


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


class Baseline:
    """jieba + BM25 over the knowledge base's units; the top unit quoted."""

    def __init__(self) -> None:
        import bm25s
        import jieba

        from knowledge.kb import default_knowledge_base

        jieba.setLogLevel(60)
        self._jieba = jieba
        kb = default_knowledge_base()
        self.units = [(located, located.text) for located in kb.iter_articles()]
        corpus = [self._words(f"{loc.heading or ''}{text}") for loc, text in self.units]
        self._bm25 = bm25s.BM25(k1=1.2, b=0.75, method="lucene")
        self._bm25.index(corpus, show_progress=False)
        self._vocab = {word for words in corpus for word in words}

    def _words(self, text: str) -> list[str]:
        return [w for w in self._jieba.lcut_for_search(text.lower()) if w.strip()] or ["\x00"]

    def ask(self, question: str) -> Any:
        import numpy as np

        from retrieval.answer import Answer, Citation

        words = [w for w in self._words(question) if w in self._vocab]
        if not words:
            return Answer(question, False, "（无匹配）", [], 0.0)
        scores = np.asarray(self._bm25.get_scores(words))
        best = int(scores.argmax())
        if scores[best] <= 0:
            return Answer(question, False, "（无匹配）", [], 0.0)
        located, text = self.units[best]
        citation = Citation(located.doc_id, located.ref, text, located.label, located.item)
        return Answer(question, True, f"依据{located.label}：“{text}”", [citation], 1.0)


def _build(role: str, data_dir: Path) -> Any:
    if role == "baseline":
        return Baseline()
    from retrieval.config import RetrievalConfig
    from retrieval.service import build_answerer

    # As `smebot ask "…"` and `smebot eval` run: no embedding model (the running bot adds it
    # for English once loaded in the background), so every run judges the same answers.
    return build_answerer(RetrievalConfig.for_data_dir(data_dir, dense_mode="off"))


def _cold(role: str, data_dir: Path, question: str) -> None:
    """Run in a fresh process: time from interpreter start to the first answer."""
    system = _build(role, data_dir)
    answer = system.ask(question)
    elapsed = time.perf_counter() - _T0
    print(json.dumps({"cold_s": elapsed, "rss_mb": _peak_rss_mb(), "in_scope": answer.in_scope}))


def _spawn_cold(role: str, data_dir: Path, question: str) -> dict[str, Any]:
    command = [sys.executable, __file__, "--cold", role, "--data-dir", str(data_dir),
               "--question", question]
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _quality(system: Any, splits: list[Any], rounds: int) -> tuple[Any, list[float]]:
    from retrieval.quality import run

    report = run(system.ask, splits)  # also the warm-up pass
    times: list[float] = []
    for _ in range(rounds):
        for split in splits:
            start = time.perf_counter()
            system.ask(split.question.q)
            times.append((time.perf_counter() - start) * 1000)
    return report, times


def _table(ours: Any, base: Any) -> list[str]:
    lines = [
        "| half | category | n | smebot: right / complete / wrongly declined, or handled "
        "| BM25 top-1: same |",
        "|---|---|---|---|---|",
    ]
    a, b = ours.rows(), base.rows()
    for key in a:
        half, cat = key.split("/")
        ra, rb = a[key], b[key]
        if cat == "in_scope":
            cell_a = f"{ra['right']} / {ra['complete']} / {ra['wrongly_declined']}"
            cell_b = f"{rb['right']} / {rb['complete']} / {rb['wrongly_declined']}"
        else:
            cell_a, cell_b = f"{ra['handled']}", f"{rb['handled']}"
        lines.append(f"| {half} | {cat} | {ra['n']} | {cell_a} | {cell_b} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--rounds", type=int, default=2, help="timed passes over the questions")
    parser.add_argument("--cold", choices=("ours", "baseline"), help=argparse.SUPPRESS)
    parser.add_argument("--question", help=argparse.SUPPRESS)
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="smebot-bench-"))
    if args.cold:
        _cold(args.cold, data_dir, args.question)
        return

    from retrieval.quality import load_split

    load = os.getloadavg()
    splits = load_split()
    # Build our index once so that cold starts measure answering, not index building.
    subprocess.run(
        [sys.executable, "-m", "bot", "index"],
        env={**os.environ, "SMEBOT_DATA_DIR": str(data_dir)},
        cwd=ROOT, check=True, capture_output=True,
    )
    cold = {
        (role, lang): _spawn_cold(role, data_dir, question)
        for role in ("ours", "baseline")
        for lang, question in (("zh", FIRST_ZH), ("en", FIRST_EN))
    }
    ours, ours_ms = _quality(_build("ours", data_dir), splits, args.rounds)
    base, base_ms = _quality(Baseline(), splits, args.rounds)
    print(f"questions: {len(splits)} (retrieval/data/eval/questions.yaml); "
          f"load average at start {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f}")
    print()
    print("\n".join(_table(ours, base)))
    print()
    print("| measure | smebot | BM25 top-1 |")
    print("|---|---|---|")
    print(f"| warm latency p50 / p95 | {_percentile(ours_ms, 0.5):.1f} / "
          f"{_percentile(ours_ms, 0.95):.1f} ms | {_percentile(base_ms, 0.5):.1f} / "
          f"{_percentile(base_ms, 0.95):.1f} ms |")
    for lang in ("zh", "en"):
        print(f"| cold start to first answer, {lang} | {cold[('ours', lang)]['cold_s']:.2f} s | "
              f"{cold[('baseline', lang)]['cold_s']:.2f} s |")
    print(f"| peak RSS (cold, en) | {cold[('ours', 'en')]['rss_mb']:.0f} MB | "
          f"{cold[('baseline', 'en')]['rss_mb']:.0f} MB |")


if __name__ == "__main__":
    main()
