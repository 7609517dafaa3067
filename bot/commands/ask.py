"""`smebot ask`, `smebot index`, `smebot eval` — cited answers from the command line.

`ask "<question>" --json` and `ask --batch FILE --json` are stable interfaces
(../shared/CONTRACTS.md): stdout holds only the JSON (one object, or JSON Lines for a batch);
model loading, progress bars and logs go to stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from bot.cli import CliError

if TYPE_CHECKING:
    from retrieval.answer import Answer
    from retrieval.service import Answerer


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    ask = subparsers.add_parser(
        "ask",
        help="提问并获得带引用的回答",
        description="就《促进中小企业特色产业集群发展暂行办法》及认定标准提问，回答附条文引用。",
    )
    ask.add_argument("question", nargs="?", help="问题，例如：集群的有效期是多长时间？")
    ask.add_argument("--batch", type=Path, metavar="FILE", help="逐行回答文件中的每个问题")
    ask.add_argument("--json", action="store_true", help="输出 JSON（批量时为 JSON Lines）")
    ask.add_argument("--lang", choices=("zh", "en"), help="回答语言（默认按问题自动判断）")
    ask.set_defaults(handler=_ask)

    index = subparsers.add_parser(
        "index",
        help="建立或更新检索索引",
        description="建立检索索引（知识库或模型变化时自动重建）；--force 强制重建。",
    )
    index.add_argument("--force", action="store_true", help="即使索引是最新的也重建")
    index.set_defaults(handler=_index)

    evaluate = subparsers.add_parser(
        "eval",
        help="用评测问题集评估检索质量",
        description="输出 hit@1、hit@3、MRR、拒答精确率和召回率，以及失败的问题。",
    )
    evaluate.add_argument("--file", type=Path, help="评测问题集 YAML（默认 tests/retrieval/）")
    evaluate.add_argument("--json", action="store_true", help="输出 JSON 汇总")
    evaluate.set_defaults(handler=_eval)


@contextlib.contextmanager
def _stdout_to_stderr() -> Iterator[TextIO]:
    """Libraries that print (model loaders, progress bars) must not pollute stdout, which
    carries only the JSON; yields the real stdout for our own output."""
    real = sys.stdout
    with contextlib.redirect_stdout(sys.stderr):
        yield real


def _build(*, progress: bool = False, force: bool = False, warm_up: bool = False) -> Answerer:
    from infra.settings import Settings
    from knowledge.errors import KnowledgeDataError
    from retrieval.service import build_answerer

    try:
        return build_answerer(
            Settings(), progress=progress, force_rebuild=force, warm_up=warm_up
        )
    except KnowledgeDataError as exc:
        raise CliError(f"知识库数据有误：{exc}") from exc


def _human(answer: Answer) -> str:
    lines = [answer.answer]
    if answer.citations:
        lines.append("")
        lines.append("引用：" if answer.lang != "en" else "Citations:")
        lines.extend(f"  [{i}] {c.label}" for i, c in enumerate(answer.citations, start=1))
    return "\n".join(lines)


def _write_json(out: TextIO, payload: Any, *, indent: int | None = None) -> None:
    out.write(json.dumps(payload, ensure_ascii=False, indent=indent) + "\n")
    out.flush()


def _ask(args: argparse.Namespace) -> int:
    if args.batch is None and not (args.question or "").strip():
        raise CliError(
            "请给出问题，例如：smebot ask \"集群的有效期是多长时间？\"，或使用 --batch FILE"
        )
    if args.batch is not None and args.question:
        raise CliError("--batch 与单个问题不能同时使用")
    questions: list[str]
    if args.batch is not None:
        try:
            text = args.batch.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CliError(f"无法读取问题文件 {args.batch}：{exc}") from exc
        questions = [line.strip() for line in text.splitlines() if line.strip()]
    else:
        questions = [args.question]
    from retrieval.text import latin_share

    # Only questions with Latin script use the embedding model: load it in parallel then.
    needs_model = any(latin_share(question) > 0 for question in questions)
    with _stdout_to_stderr() as out:
        answerer = _build(progress=sys.stderr.isatty(), warm_up=needs_model)
        for question in questions:
            answer = answerer.ask(question, lang=args.lang)
            if args.json:
                _write_json(out, answer.to_json())
            else:
                out.write(_human(answer) + "\n")
                if len(questions) > 1:
                    out.write("\n")
                out.flush()
    return 0


def _index(args: argparse.Namespace) -> int:
    with _stdout_to_stderr() as out:
        answerer = _build(progress=True, force=args.force)
        dense = answerer.dense
        assert dense is not None
        state = "rebuilt" if dense.rebuilt else "up to date"
        out.write(
            f"index {state}: {len(answerer.chunks)} chunks "
            f"({len(answerer.units)} units, {len(answerer.chunks) - len(answerer.units)} FAQ "
            f"phrasings), collection {dense.collection_name}, model {dense.model}\n"
        )
    return 0


def _eval(args: argparse.Namespace) -> int:
    from knowledge.errors import KnowledgeDataError
    from retrieval.evaluation import evaluate, format_report, load_questions

    try:
        questions = load_questions(args.file)
    except KnowledgeDataError as exc:
        raise CliError(f"评测问题集有误：{exc}") from exc
    with _stdout_to_stderr() as out:
        answerer = _build(progress=sys.stderr.isatty())
        report = evaluate(answerer, questions)
        if args.json:
            payload: dict[str, Any] = dict(report.summary())
            payload["failures"] = [
                {"question": o.question.q, "expected": o.question.expect,
                 "got": list(o.ranked) if o.in_scope else "refused", "score": o.score}
                for o in report.failures()
            ]
            _write_json(out, payload, indent=2)
        else:
            out.write(format_report(report) + "\n")
    return 0
