"""What the engine returns: plain frozen dataclasses, JSON in exactly the CONTRACTS.md shape."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from knowledge.numbers import cn_to_int

if TYPE_CHECKING:
    from knowledge.engine.plausibility import PlausibilityWarning

CheckStatus = Literal["pass", "fail", "unknown", "warn", "info"]
Status = Literal["pass", "fail", "unknown"]
UnknownReason = Literal["unanswered", "uncertain"]
Value = bool | int | float | list[int | float] | None


@dataclass(frozen=True)
class IndicatorAdvice:
    """What to do about one failing, warned or unknown indicator, tied to its gap.

    `action` says the target in the user's units and by when ("明年产值需高于 58.08 亿元…"), or
    for an unknown the evidence to gather; `lever` cites the item of 第六条 that is the policy
    lever ("《暂行办法》第六条（一）") with its heading; `target` is the number in `action`."""

    action: str
    lever: str | None = None
    lever_heading: str | None = None
    target: float | None = None
    evidence: str | None = None

    def text(self, lang: str = "zh") -> str:
        """One line for the JSON "advice" and plain-text renderers."""
        if self.lever is None:
            return self.action
        if lang == "en":
            return f"{self.action} Policy lever: {self.lever} ({self.lever_heading})."
        return f"{self.action}政策抓手：{self.lever}“{self.lever_heading}”。"


@dataclass(frozen=True)
class CheckResult:
    id: str
    label: str
    status: CheckStatus
    value: Value
    threshold: str | None
    gap: str | None
    derived: bool
    message: str
    # Only for status "unknown": not answered at all, or answered "不确定".
    unknown_reason: UnknownReason | None = None
    advice: IndicatorAdvice | None = None
    lang: str = "zh"

    @property
    def answered(self) -> bool:
        """A figure or yes/no to judge by (a derived growth counts: its outputs were given)."""
        return self.value is not None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "status": self.status,
            "value": self.value,
            "threshold": self.threshold,
            "gap": self.gap,
            "derived": self.derived,
            "message": self.message,
        }
        if self.unknown_reason is not None:
            out["unknown_reason"] = self.unknown_reason
        if self.advice is not None:
            out["advice"] = self.advice.text(self.lang)
        return out


@dataclass(frozen=True)
class GateResult:
    id: str
    label: str
    status: Status
    message: str
    unknown_reason: UnknownReason | None = None
    advice: IndicatorAdvice | None = None


@dataclass(frozen=True)
class DimensionResult:
    id: str
    number: str
    name: str
    status: Status
    checks: tuple[CheckResult, ...]
    # "二者满足其一即可…" when the dimension has an either/or pair (dimension 二).
    either_or_note: str | None = None

    @property
    def index(self) -> int:
        """1 … 8: the dimension's position (its number 一 … 八 read as an integer)."""
        return cn_to_int(self.number) or 0

    @property
    def assessed(self) -> bool:
        """False when no check of the dimension has an answer: it was not assessed at all,
        which a chart must not draw as 0 %."""
        return any(check.answered for check in self.checks)


@dataclass(frozen=True)
class Advice:
    """What to work on for a failed dimension, quoting the matching item of 第六条."""

    dimension_id: str
    dimension_name: str
    label: str  # 《暂行办法》第六条（四）
    heading: str  # 加快集群绿色低碳转型
    quote: str | None  # the item's text from the knowledge base (None if it cannot be loaded)


@dataclass(frozen=True)
class Assessment:
    edition_id: str
    edition_name: str
    lang: str
    eligible: bool | None
    gates: tuple[GateResult, ...]
    dimensions: tuple[DimensionResult, ...]
    advice: tuple[Advice, ...] = field(default=())
    next_step: str = ""
    next_step_source: str = ""
    warnings: tuple[PlausibilityWarning, ...] = field(default=())
    # Which edition applies to the user's province, when they named one.
    province_note: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Exactly the CONTRACTS.md shape of `smebot assess --json` ("warnings" always there)."""
        return {
            "edition": self.edition_id,
            "eligible": self.eligible,
            "gates": [{"id": gate.id, "status": gate.status} for gate in self.gates],
            "dimensions": [
                {
                    "id": dimension.id,
                    "name": dimension.name,
                    "status": dimension.status,
                    "checks": [check.to_json() for check in dimension.checks],
                }
                for dimension in self.dimensions
            ],
            "warnings": [warning.to_json() for warning in self.warnings],
        }

    def verdict(self) -> str:
        return verdict_text(self.eligible, self.lang)

    def checks(self) -> list[CheckResult]:
        return [check for dimension in self.dimensions for check in dimension.checks]


def verdict_text(eligible: bool | None, lang: str = "zh") -> str:
    if lang == "en":
        return {
            True: "Meets every requirement of this edition (self-assessment).",
            False: "Does not meet this edition's requirements yet.",
            None: "Not decided: some answers are still unknown.",
        }[eligible]
    return {
        True: "按自评结果，符合本版标准的全部要求。",
        False: "目前尚不符合本版标准的要求。",
        None: "结论待定：还有未回答的项目。",
    }[eligible]
