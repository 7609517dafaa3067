"""Storage of the ask feature: the answers the bot sent and the 👍/👎 feedback on them.

Every helper takes an open SQLModel `Session` first and keyword-only arguments after it; the
caller owns the transaction boundary (helpers commit, because each call is one unit of work).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete as sa_delete
from sqlmodel import Session, col, select

from handlers.ask.models import AnswerRecord, Feedback


@dataclass(frozen=True, slots=True)
class StoredCitation:
    """What an answer's button needs to show the whole article again."""

    doc: str
    ref: str
    item: str | None
    label: str


def record_answer(
    session: Session,
    *,
    user_id: int,
    chat_id: int,
    question: str,
    answer: str,
    in_scope: bool,
    score: float,
    lang: str,
    citations: Sequence[StoredCitation],
    now: datetime,
) -> AnswerRecord:
    record = AnswerRecord(
        user_id=user_id,
        chat_id=chat_id,
        question=question,
        answer=answer,
        in_scope=in_scope,
        score=score,
        lang=lang,
        citations=[
            {"doc": c.doc, "ref": c.ref, "item": c.item, "label": c.label} for c in citations
        ],
        created_at=now,
    )
    session.add(record)
    session.commit()
    session.refresh(record)
    return record


def get_answer(session: Session, *, answer_id: int) -> AnswerRecord | None:
    return session.get(AnswerRecord, answer_id)


def answer_citations(record: AnswerRecord) -> list[StoredCitation]:
    return [
        StoredCitation(doc=c["doc"], ref=c["ref"], item=c.get("item"), label=c.get("label", ""))
        for c in record.citations or []
    ]


def record_feedback(
    session: Session, *, user_id: int, answer_id: int, vote: int, now: datetime
) -> Feedback:
    """Store a vote (+1 / -1); a second press by the same user replaces the first."""
    if vote not in (1, -1):
        raise ValueError("vote must be +1 or -1")
    existing = session.exec(
        select(Feedback).where(Feedback.user_id == user_id, Feedback.answer_id == answer_id)
    ).first()
    if existing is None:
        existing = Feedback(user_id=user_id, answer_id=answer_id, vote=vote, created_at=now)
    else:
        existing.vote = vote
        existing.created_at = now
    session.add(existing)
    session.commit()
    session.refresh(existing)
    return existing


def list_feedback(session: Session, *, answer_id: int | None = None) -> list[Feedback]:
    query = select(Feedback).order_by(col(Feedback.id))
    if answer_id is not None:
        query = query.where(Feedback.answer_id == answer_id)
    return list(session.exec(query).all())


def forget_user(session: Session, *, user_id: int) -> int:
    """/forget: this feature's rows of `user_id` (feedback first, it references answers).
    Does not commit: the caller deletes the user in the same transaction."""
    deleted = 0
    for table in (Feedback, AnswerRecord):
        result = session.execute(sa_delete(table).where(col(table.user_id) == user_id))
        deleted += result.rowcount or 0
    return deleted
