"""Evaluation of retrieval on a labelled question set: hit@1, hit@3, MRR, refusal precision and
recall, and the failures (what `smebot eval` prints and the quality test asserts)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from knowledge.datafile import read_yaml, validation_error
from retrieval.service import Answerer

EVAL_DIR = Path(__file__).resolve().parent / "data" / "eval"
# The older hit@k set (version 1); `retrieval.quality` reads the issue-#10 set (version 2).
DEFAULT_EVAL_PATH = EVAL_DIR / "old-questions.yaml"
OUT = "out"
MISSING_PREFIX = "missing/"

# The C loader is ~10x faster than the pure-Python one (start-up time matters for the CLI).


class EvalQuestion(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    q: str
    expect: tuple[str, ...] | str

    @field_validator("expect")
    @classmethod
    def _shape(cls, value: tuple[str, ...] | str) -> tuple[str, ...] | str:
        if isinstance(value, str) and value != OUT:
            raise ValueError(f"expect must be a list of units or {OUT!r}")
        if not isinstance(value, str) and not value:
            raise ValueError("expect must not be empty")
        return value

    @property
    def out_of_scope(self) -> bool:
        return self.expect == OUT


class _EvalFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1)
    questions: tuple[EvalQuestion, ...] = Field(min_length=1)


def load_questions(path: Path | None = None) -> tuple[EvalQuestion, ...]:
    path = path or DEFAULT_EVAL_PATH
    try:
        return _EvalFile.model_validate(read_yaml(path)).questions
    except ValidationError as exc:
        raise validation_error(path, exc) from exc


@dataclass(frozen=True)
class Outcome:
    question: EvalQuestion
    in_scope: bool
    ranked: tuple[str, ...]  # unit keys, best first (or "missing/<ref>")
    score: float

    @property
    def rank(self) -> int | None:
        """1-based rank of the first acceptable unit (None if absent or refused)."""
        if self.question.out_of_scope or not self.in_scope:
            return None
        for position, key in enumerate(self.ranked, start=1):
            if key in self.question.expect:
                return position
        return None


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def in_scope_outcomes(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.question.out_of_scope]

    def hit_at(self, k: int) -> float:
        items = self.in_scope_outcomes
        hits = sum(1 for o in items if o.rank is not None and o.rank <= k)
        return hits / len(items) if items else 0.0

    @property
    def mrr(self) -> float:
        items = self.in_scope_outcomes
        return sum(1.0 / o.rank for o in items if o.rank) / len(items) if items else 0.0

    @property
    def refusal_precision(self) -> float:
        refused = [o for o in self.outcomes if not o.in_scope]
        right = sum(1 for o in refused if o.question.out_of_scope)
        return right / len(refused) if refused else 1.0

    @property
    def refusal_recall(self) -> float:
        out = [o for o in self.outcomes if o.question.out_of_scope]
        right = sum(1 for o in out if not o.in_scope)
        return right / len(out) if out else 1.0

    def failures(self, k: int = 1) -> list[Outcome]:
        bad: list[Outcome] = []
        for outcome in self.outcomes:
            if outcome.question.out_of_scope:
                if outcome.in_scope:
                    bad.append(outcome)
            elif outcome.rank is None or outcome.rank > k:
                bad.append(outcome)
        return bad

    def summary(self) -> dict[str, float]:
        return {
            "questions": float(len(self.outcomes)),
            "in_scope": float(len(self.in_scope_outcomes)),
            "out_of_scope": float(len(self.outcomes) - len(self.in_scope_outcomes)),
            "hit@1": round(self.hit_at(1), 4),
            "hit@3": round(self.hit_at(3), 4),
            "mrr": round(self.mrr, 4),
            "refusal_precision": round(self.refusal_precision, 4),
            "refusal_recall": round(self.refusal_recall, 4),
        }


def evaluate(answerer: Answerer, questions: Sequence[EvalQuestion]) -> Report:
    """Ask every question through the same path users take (gate included)."""
    report = Report()
    for question in questions:
        answer = answerer.ask(question.q)
        _found, missing = answerer.explicit_refs(question.q)
        if missing:
            ranked: tuple[str, ...] = tuple(MISSING_PREFIX + ref for ref in missing)
        else:
            # What the answer cites, in its order (computed answers cite what they computed
            # from), then the retrieval ranking for the places after it.
            cited = [
                f"{c.doc}/{c.ref}" + (f"/{c.item}" if c.item else "") for c in answer.citations
            ]
            hits = [hit.key for hit in answerer.search(question.q, k=3)]
            ranked = tuple(dict.fromkeys([*cited, *hits]))
        report.outcomes.append(Outcome(question, answer.in_scope, ranked, answer.score))
    return report


def format_report(report: Report) -> str:
    s = report.summary()
    lines = [
        f"questions {int(s['questions'])} (in scope {int(s['in_scope'])}, "
        f"out of scope {int(s['out_of_scope'])})",
        f"hit@1 {s['hit@1']:.3f}   hit@3 {s['hit@3']:.3f}   MRR {s['mrr']:.3f}",
        f"refusal precision {s['refusal_precision']:.3f}   recall {s['refusal_recall']:.3f}",
    ]
    failures = report.failures(k=1)
    if failures:
        lines.append(f"failures at hit@1 ({len(failures)}):")
        for outcome in failures:
            expected = (
                "refusal" if outcome.question.out_of_scope else " | ".join(outcome.question.expect)
            )
            got = ", ".join(outcome.ranked[:3]) if outcome.in_scope else "refused"
            lines.append(
                f"  - {outcome.question.q!r}: expected {expected}; got {got} "
                f"(score {outcome.score:.3f})"
            )
    return "\n".join(lines)
