"""The issue-#10 evaluation: per category, on a tuning half and a frozen test half.

The question set (retrieval/data/eval/questions.yaml) was written before any tuning. Within
each category the 1st, 3rd, 5th … question is the tuning half, the 2nd, 4th … the frozen test
half. For in-scope questions an answer is *right* when it is not declined and every `cite`
group has a unit among its citations, *complete* when it is right and holds every `must`
string (and none of `must_not`); *wrongly declined* when it is declined. A neighbouring-policy
or off-topic question is handled when it is declined or honestly says what is not recorded,
and never shows a `must_not` string (another year's or province's figure).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from knowledge.datafile import read_yaml, validation_error
from retrieval.answer import Answer

QUESTIONS_PATH = Path(__file__).resolve().parent / "data" / "eval" / "questions.yaml"
Category = Literal["in_scope", "neighbouring", "off_topic"]
CATEGORIES: tuple[Category, ...] = ("in_scope", "neighbouring", "off_topic")
HALVES = ("tuning", "test")
# What an honest "not recorded" answer says (Chinese and English).
HONEST_MARKERS = ("未收录", "没有收录", "不在本项目", "not recorded", "does not cover")


# YAML reads a bare 2025 as a number; a `must` string is text either way.
Text = Annotated[str, BeforeValidator(str)]


class Question(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    q: str = Field(min_length=1)
    cat: Category
    kind: str
    cite: tuple[tuple[str, ...], ...] = ()
    must: tuple[Text, ...] = ()
    must_not: tuple[Text, ...] = ()


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Literal[2]
    questions: tuple[Question, ...] = Field(min_length=1)


@dataclass(frozen=True)
class Split:
    question: Question
    half: str  # "tuning" | "test"


def load_split(path: Path | None = None) -> list[Split]:
    path = path or QUESTIONS_PATH
    try:
        questions = _File.model_validate(read_yaml(path)).questions
    except ValidationError as exc:
        raise validation_error(path, exc) from exc
    seen: dict[str, int] = {}
    out: list[Split] = []
    for question in questions:
        index = seen.get(question.cat, 0)
        seen[question.cat] = index + 1
        out.append(Split(question, HALVES[index % 2]))
    return out


def _cited_keys(answer: Answer) -> set[str]:
    keys = {f"{c.doc}/{c.ref}" + (f"/{c.item}" if c.item else "") for c in answer.citations}
    if "缺失" in answer.answer or "missing from" in answer.answer:
        keys |= {f"missing/{ref}" for ref in _refs_in(answer.answer)}
    return keys


def _refs_in(text: str) -> list[str]:
    import re

    return re.findall(r"第[一二三四五六七八九十]{1,3}条", text)


def _holds(text: str, options: str) -> bool:
    return any(option in text for option in options.split("|"))


@dataclass(frozen=True)
class Judged:
    split: Split
    answer: Answer
    right: bool
    complete: bool
    declined: bool
    handled: bool  # neighbouring / off topic: declined or honest, no forbidden figure
    problems: tuple[str, ...]


def judge(split: Split, answer: Answer) -> Judged:
    q = split.question
    text = answer.answer
    problems: list[str] = []
    forbidden = [s for s in q.must_not if s in text]
    if forbidden:
        problems.append(f"shows {forbidden}")
    declined = not answer.in_scope
    if q.cat == "in_scope":
        keys = _cited_keys(answer)
        missing_groups = [g for g in q.cite if not keys & set(g)]
        right = not declined and not missing_groups
        if declined:
            problems.append("declined")
        elif missing_groups:
            problems.append(f"cites {sorted(keys)}, not {[list(g) for g in missing_groups]}")
        lacking = [m for m in q.must if not _holds(text, m)]
        if lacking and not declined:
            problems.append(f"lacks {lacking}")
        complete = right and not lacking and not forbidden
        return Judged(split, answer, right, complete, declined, False, tuple(problems))
    honest = declined or any(marker in text for marker in HONEST_MARKERS)
    frame = getattr(answer, "frame", None)
    if frame is not None and not frame.covered:
        honest = True
    if q.cat == "off_topic":
        honest = declined
    if not honest:
        problems.append("answered as if covered")
    handled = honest and not forbidden
    return Judged(split, answer, False, False, declined, handled, tuple(problems))


@dataclass
class QualityReport:
    judged: list[Judged] = field(default_factory=list)

    def rows(self) -> dict[str, dict[str, Any]]:
        table: dict[str, dict[str, Any]] = {}
        for half in HALVES:
            for cat in CATEGORIES:
                items = [
                    j for j in self.judged if j.split.half == half and j.split.question.cat == cat
                ]
                row: dict[str, Any] = {"n": len(items)}
                if cat == "in_scope":
                    row["right"] = sum(j.right for j in items)
                    row["complete"] = sum(j.complete for j in items)
                    row["wrongly_declined"] = sum(j.declined for j in items)
                else:
                    row["handled"] = sum(j.handled for j in items)
                table[f"{half}/{cat}"] = row
        return table

    def failures(self, half: str | None = None) -> list[Judged]:
        return [
            j
            for j in self.judged
            if (half is None or j.split.half == half)
            and (
                (j.split.question.cat == "in_scope" and not j.complete)
                or (j.split.question.cat != "in_scope" and not j.handled)
            )
        ]


def run(ask: Callable[[str], Answer], splits: Sequence[Split]) -> QualityReport:
    report = QualityReport()
    for split in splits:
        report.judged.append(judge(split, ask(split.question.q)))
    return report


def format_quality(report: QualityReport, *, show_failures: str | None = "tuning") -> str:
    lines = ["half    category      n   right  complete  wrongly-declined | handled"]
    for key, row in report.rows().items():
        half, cat = key.split("/")
        if cat == "in_scope":
            lines.append(
                f"{half:7} {cat:12} {row['n']:3}  {row['right']:5}  {row['complete']:8}  "
                f"{row['wrongly_declined']:16} |"
            )
        else:
            lines.append(
                f"{half:7} {cat:12} {row['n']:3}  {'':5}  {'':8}  {'':16} | {row['handled']}"
            )
    if show_failures:
        failures = report.failures(None if show_failures == "all" else show_failures)
        lines.append(f"failures ({show_failures} half): {len(failures)}")
        for j in failures:
            lines.append(
                f"  - [{j.split.question.cat}] {j.split.question.q}: {'; '.join(j.problems)}"
            )
    return "\n".join(lines)
