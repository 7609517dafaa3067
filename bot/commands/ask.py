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
        help="用评测问题集评估回答质量",
        description=(
            "按类别（范围内：正确/完整/误拒；相邻政策与无关问题：拒答或如实说明未收录）"
            "分别报告调参半集与冻结测试半集；--old 输出旧问题集的 hit@1、hit@3、MRR 与拒答率。"
        ),
    )
    evaluate.add_argument(
        "--file", type=Path, help="评测问题集 YAML（默认 retrieval/data/eval/questions.yaml）"
    )
    evaluate.add_argument("--old", action="store_true", help="旧问题集（hit@k 与拒答率）")
    evaluate.add_argument(
        "--failures", choices=("tuning", "test", "all", "none"), default="tuning",
        help="列出哪一半的失败问题（默认 tuning）",
    )
    evaluate.add_argument("--json", action="store_true", help="输出 JSON 汇总")
    evaluate.set_defaults(handler=_eval)


@contextlib.contextmanager
def _stdout_to_stderr() -> Iterator[TextIO]:
    """Libraries that print (model loaders, progress bars) must not pollute stdout, which
    carries only the JSON; yields the real stdout for our own output."""
    real = sys.stdout
    with contextlib.redirect_stdout(sys.stderr):
        yield real


def _build(
    *, progress: bool = False, force: bool = False, warm_up: bool = False, one_shot: bool = False
) -> Answerer:
    from infra.settings import Settings
    from knowledge.errors import KnowledgeDataError
    from retrieval.service import build_answerer

    config = Settings().retrieval
    if one_shot:
        # One question, then exit: "lazy" would never use the model for it, only start loading
        # it in the background (torch, ~11 s of CPU) while the answer is being made.
        config = config.model_copy(update={"dense_mode": "off"})
    try:
        return build_answerer(config, progress=progress, force_rebuild=force, warm_up=warm_up)
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

    # A one-shot question never waits for the embedding model (English is answered from the
    # frame, the FAQ's English phrasings and the lexicon); a batch with English in it loads the
    # model in the background for the questions after the first.
    needs_model = len(questions) > 1 and any(latin_share(q) > 0 for q in questions)
    with _stdout_to_stderr() as out:
        answerer = _build(warm_up=needs_model, one_shot=len(questions) == 1)
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
    if args.old:
        return _eval_old(args)
    from knowledge.errors import KnowledgeDataError
    from retrieval.quality import format_quality, load_split, run

    try:
        splits = load_split(args.file)
    except KnowledgeDataError as exc:
        raise CliError(f"评测问题集有误：{exc}") from exc
    with _stdout_to_stderr() as out:
        # Without the model, as a one-shot `smebot ask` answers: every run judges the same
        # answers (the lazy model would join mid-run, whenever torch finished loading).
        answerer = _build(one_shot=True)
        report = run(answerer.ask, splits)
        if args.json:
            payload: dict[str, Any] = {"rows": report.rows()}
            payload["failures"] = [
                {"question": j.split.question.q, "half": j.split.half,
                 "category": j.split.question.cat, "problems": list(j.problems)}
                for j in report.failures()
            ]
            _write_json(out, payload, indent=2)
        else:
            shown = None if args.failures == "none" else args.failures
            out.write(format_quality(report, show_failures=shown) + "\n")
    return 0


def _eval_old(args: argparse.Namespace) -> int:
    from knowledge.errors import KnowledgeDataError
    from retrieval.evaluation import evaluate, format_report, load_questions

    try:
        questions = load_questions(args.file)
    except KnowledgeDataError as exc:
        raise CliError(f"评测问题集有误：{exc}") from exc
    with _stdout_to_stderr() as out:
        answerer = _build()
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
