"""The answer shapes handed to handlers and the CLI (plain dataclasses)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Citation:
    doc: str
    ref: str
    quote: str
    label: str
    item: str | None = None

    def to_json(self) -> dict[str, Any]:
        # Exactly the keys of ../shared/CONTRACTS.md (`smebot ask --json`).
        return {"doc": self.doc, "ref": self.ref, "quote": self.quote}


@dataclass(frozen=True)
class Answer:
    question: str
    in_scope: bool
    answer: str
    citations: list[Citation] = field(default_factory=list)
    score: float = 0.0
    lang: str = "zh"
    # What the bot understood (retrieval.frame.Frame); None for answers built elsewhere.
    frame: Any = None

    def to_json(self) -> dict[str, Any]:
        """The `smebot ask --json` object of ../shared/CONTRACTS.md."""
        return {
            "question": self.question,
            "in_scope": self.in_scope,
            "answer": self.answer,
            "citations": [citation.to_json() for citation in self.citations],
            "score": round(float(self.score), 4),
            **({"frame": self.frame.to_json()} if self.frame is not None else {}),
        }
