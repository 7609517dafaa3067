"""Tables of the users feature: Telegram users, the answers the bot gave them, their feedback.

Telegram ids exceed 32 bits, so id columns are BIGINT (PostgreSQL would overflow INTEGER).
Timestamps are stored as UTC; the application's clock gives aware datetimes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, ForeignKey, UniqueConstraint
from sqlmodel import Field, SQLModel


class User(SQLModel, table=True):
    """One Telegram user, created on first contact by the user middleware."""

    __tablename__ = "users"

    id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    first_name: str = Field(default="", max_length=256)
    username: str | None = Field(default=None, max_length=64)
    language_code: str | None = Field(default=None, max_length=16)
    # Chosen with /lang; overrides the language derived from Telegram's language_code.
    lang_override: str | None = Field(default=None, max_length=8)
    # False once Telegram answered 403 (the user blocked the bot); True again on their next update.
    is_active: bool = Field(default=True)
    created_at: datetime
    last_seen_at: datetime


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
    # JSON list of {"doc", "ref", "item", "label"}: enough to fetch the article for 查看原文.
    citations_json: str = Field(default="[]")
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
