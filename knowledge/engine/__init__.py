"""The criteria engine: answers -> verdicts, per ../shared/CRITERIA.md. Pure Python, no bot, no DB.

`assess(edition, answers)` judges every gate and indicator of an edition:

- a check is `pass`, `fail`, `unknown` (not answered, or answered "不确定"), `warn` (a soft
  一般不超过 limit exceeded) or `info` (recorded; the edition bundles no figure to judge it by);
- a dimension fails if any check fails, else is unknown if any check is unknown, else passes;
- `eligible` is False if any gate or dimension fails, else None if anything is unknown, else True.

Every failed or warned check states the value, the threshold and the gap in words, and every
failing, warned or unknown one carries advice tied to its gap. The modules:

- `results`: the result dataclasses; `inputs`: checking answers (wrong kind -> error);
- `judging`: one indicator against its threshold, either/or; `plausibility`: implausible values;
- `advice`: targets per indicator; `policy`: 第六条 levers and the next step;
- `assessment`: `assess()` itself.
"""

from knowledge.engine.advice import indicator_advice
from knowledge.engine.assessment import assess
from knowledge.engine.inputs import AssessmentInputError, validate_answers, validate_value
from knowledge.engine.judging import derive_growth_pct
from knowledge.engine.plausibility import (
    GROWTH_TOLERANCE_POINTS,
    MAX_OUTPUT_YI,
    PlausibilityWarning,
    check_plausibility,
    plausibility_warnings,
)
from knowledge.engine.policy import (
    ARTICLE_6,
    ITEM_HEADINGS,
    ITEM_HEADINGS_EN,
    MEASURES_DOC,
    item_text,
    lever,
    next_step_text,
)
from knowledge.engine.results import (
    Advice,
    Assessment,
    CheckResult,
    CheckStatus,
    DimensionResult,
    GateResult,
    IndicatorAdvice,
    Status,
    UnknownReason,
    Value,
    verdict_text,
)

__all__ = [
    "ARTICLE_6", "GROWTH_TOLERANCE_POINTS", "ITEM_HEADINGS", "ITEM_HEADINGS_EN", "MAX_OUTPUT_YI",
    "MEASURES_DOC", "Advice", "Assessment", "AssessmentInputError", "CheckResult", "CheckStatus",
    "DimensionResult", "GateResult", "IndicatorAdvice", "PlausibilityWarning", "Status",
    "UnknownReason", "Value", "assess", "check_plausibility", "derive_growth_pct",
    "indicator_advice", "item_text", "lever", "next_step_text", "plausibility_warnings",
    "validate_answers", "validate_value", "verdict_text",
]
