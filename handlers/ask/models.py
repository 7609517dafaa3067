"""Tables of the ask feature: the answers the bot gave and the feedback on them.

Telegram ids exceed 32 bits, so id columns are BIGINT (PostgreSQL would overflow INTEGER).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, UniqueConstraint
from sqlmodel import Field, SQLModel


class AnswerRecord(SQLModel, table=True):
    """An answer the bot sent. Buttons carry only its id, so callback data stays short (≤ 64 bytes)
    and the citations survive restarts."""

    __tablename__ = "answers"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True,
                         nullable=False)
    )
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    question: str
    answer: str
    in_scope: bool
    score: float
    lang: str = Field(max_length=8)
    # [{"doc", "ref", "item", "label"}, …]: enough to fetch the article for 查看原文.
    citations: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    created_at: datetime


class Feedback(SQLModel, table=True):
    """A 👍 (+1) or 👎 (-1) on one answer; pressing again replaces the user's earlier vote."""

    __tablename__ = "feedback"
    __table_args__ = (UniqueConstraint("user_id", "answer_id", name="uq_feedback_user_answer"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True,
                         nullable=False)
    )
    answer_id: int = Field(foreign_key="answers.id", ondelete="CASCADE", index=True)
    vote: int
    created_at: datetime
