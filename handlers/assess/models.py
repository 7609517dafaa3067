"""Tables of the assessments feature: one row per self-assessment (draft or done) and one per
answer, saved as given (the typed text and the value read from it).

A draft lives in the database, not only in FSM memory, so /assess can continue it after a
restart. Portable to PostgreSQL: Telegram ids are BIGINT, values and results are JSON columns, times
are UTC.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

DRAFT = "draft"
DONE = "done"
DISCARDED = "discarded"


class AssessmentRecord(SQLModel, table=True):
    __tablename__ = "assessments"
    __table_args__ = (Index("ix_assessments_user_status", "user_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    # ON DELETE CASCADE: /forget deleting the user row takes their assessments with it.
    user_id: int = Field(
        sa_column=Column(
            BigInteger, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    edition: str = Field(max_length=64)
    status: str = Field(default=DRAFT, max_length=16)
    # The flow's cursor: index into the edition's indicators (gate first); == their count means
    # the summary. `editing` sends the flow back to the summary after the dimension being fixed.
    step: int = Field(default=0)
    editing: bool = Field(default=False)
    lang: str = Field(default="zh", max_length=8)
    eligible: bool | None = Field(default=None)
    # Assessment.to_json() at completion: history and comparison read it as it was then.
    result: dict[str, Any] | None = Field(
        default=None, sa_column=Column(JSON(none_as_null=True), nullable=True)
    )
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None = None


class AssessmentAnswer(SQLModel, table=True):
    __tablename__ = "assessment_answers"
    __table_args__ = (
        UniqueConstraint("assessment_id", "indicator", name="uq_assessment_answer_indicator"),
    )

    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = Field(
        sa_column=Column(
            ForeignKey("assessments.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    indicator: str = Field(max_length=64)
    # The value read from the answer (bool, number, list of numbers, or None for skipped/unknown).
    value: Any = Field(default=None, sa_column=Column(JSON, nullable=False))
    raw_text: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    skipped: bool = Field(default=False)
    answered_at: datetime
