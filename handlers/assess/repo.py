"""CRUD for self-assessments. Keyword-only arguments; every read that names an assessment id
also names the user, so one user can never reach another's assessment by id."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from handlers.assess.models import (
    DISCARDED,
    DONE,
    DRAFT,
    AssessmentAnswer,
    AssessmentRecord,
)


def create_draft(
    session: Session, *, user_id: int, chat_id: int, edition: str, lang: str, now: datetime
) -> AssessmentRecord:
    """A new draft; any older draft of the user is discarded (one draft at a time)."""
    for old in session.exec(
        select(AssessmentRecord).where(
            col(AssessmentRecord.user_id) == user_id, col(AssessmentRecord.status) == DRAFT
        )
    ).all():
        old.status = DISCARDED
        old.updated_at = now
        session.add(old)
    record = AssessmentRecord(
        user_id=user_id, chat_id=chat_id, edition=edition, lang=lang, created_at=now,
        updated_at=now,
    )
    session.add(record)
    session.commit()
    session.refresh(record)
    return record


def get_draft(session: Session, *, user_id: int) -> AssessmentRecord | None:
    """The user's open draft, if any (the newest)."""
    return session.exec(
        select(AssessmentRecord)
        .where(col(AssessmentRecord.user_id) == user_id, col(AssessmentRecord.status) == DRAFT)
        .order_by(col(AssessmentRecord.id).desc())
    ).first()


def get_owned(session: Session, *, assessment_id: int, user_id: int) -> AssessmentRecord | None:
    """The assessment if it exists *and* belongs to `user_id`; None otherwise."""
    record = session.get(AssessmentRecord, assessment_id)
    if record is None or record.user_id != user_id:
        return None
    return record


def save_answer(
    session: Session,
    *,
    assessment_id: int,
    indicator: str,
    value: object,
    raw_text: str | None,
    skipped: bool = False,
    now: datetime,
) -> AssessmentAnswer:
    """Insert or replace the answer to one indicator (the value as JSON, the text as given)."""
    row = session.exec(
        select(AssessmentAnswer).where(
            col(AssessmentAnswer.assessment_id) == assessment_id,
            col(AssessmentAnswer.indicator) == indicator,
        )
    ).first()
    if row is None:
        row = AssessmentAnswer(assessment_id=assessment_id, indicator=indicator, answered_at=now)
    row.value = value
    row.raw_text = raw_text
    row.skipped = skipped
    row.answered_at = now
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


def answer_rows(session: Session, *, assessment_id: int) -> list[AssessmentAnswer]:
    return list(
        session.exec(
            select(AssessmentAnswer)
            .where(col(AssessmentAnswer.assessment_id) == assessment_id)
            .order_by(col(AssessmentAnswer.id))
        ).all()
    )


def answers_of(session: Session, *, assessment_id: int) -> dict[str, object]:
    """indicator id -> value for the engine: a 不确定 answer is None (the engine names it "not
    sure"); a skipped question is left out (the engine names it "not answered")."""
    return {
        row.indicator: row.value
        for row in answer_rows(session, assessment_id=assessment_id)
        if not row.skipped
    }


def set_cursor(
    session: Session, *, assessment_id: int, step: int, editing: bool, now: datetime
) -> AssessmentRecord | None:
    record = session.get(AssessmentRecord, assessment_id)
    if record is None:
        return None
    record.step = step
    record.editing = editing
    record.updated_at = now
    session.add(record)
    session.commit()
    session.refresh(record)
    return record


def complete(
    session: Session,
    *,
    assessment_id: int,
    eligible: bool | None,
    result: dict[str, object],
    now: datetime,
) -> AssessmentRecord | None:
    record = session.get(AssessmentRecord, assessment_id)
    if record is None:
        return None
    record.status = DONE
    record.eligible = eligible
    record.result = dict(result)
    record.completed_at = now
    record.updated_at = now
    session.add(record)
    session.commit()
    session.refresh(record)
    return record


def discard(session: Session, *, assessment_id: int, now: datetime) -> bool:
    record = session.get(AssessmentRecord, assessment_id)
    if record is None or record.status != DRAFT:
        return False
    record.status = DISCARDED
    record.updated_at = now
    session.add(record)
    session.commit()
    return True


def list_done(session: Session, *, user_id: int, limit: int = 10) -> list[AssessmentRecord]:
    """The user's finished assessments, newest first."""
    return list(
        session.exec(
            select(AssessmentRecord)
            .where(col(AssessmentRecord.user_id) == user_id, col(AssessmentRecord.status) == DONE)
            .order_by(col(AssessmentRecord.id).desc())
            .limit(limit)
        ).all()
    )


def previous_done(session: Session, *, user_id: int, before_id: int) -> AssessmentRecord | None:
    """The user's finished assessment just before `before_id`."""
    return session.exec(
        select(AssessmentRecord)
        .where(
            col(AssessmentRecord.user_id) == user_id,
            col(AssessmentRecord.status) == DONE,
            col(AssessmentRecord.id) < before_id,
        )
        .order_by(col(AssessmentRecord.id).desc())
    ).first()


def forget_user(session: Session, *, user_id: int) -> int:
    """/forget: delete every assessment of the user with its answers, without committing (the
    account slice commits once for all features); returns the count of assessments."""
    records = session.exec(
        select(AssessmentRecord).where(col(AssessmentRecord.user_id) == user_id)
    ).all()
    for record in records:
        for row in answer_rows(session, assessment_id=int(record.id or 0)):
            session.delete(row)
        session.delete(record)
    return len(records)


def delete_for_user(session: Session, *, user_id: int) -> int:
    """Delete every assessment of the user with its answers and commit; returns the count."""
    count = forget_user(session, user_id=user_id)
    session.commit()
    return count
