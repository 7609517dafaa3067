"""CRUD helpers for users, the answers they received and their feedback.

Every helper takes an open SQLModel `Session` first and keyword-only arguments after it; the
caller owns the transaction boundary (helpers commit, because each call is one unit of work).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete as sa_delete
from sqlmodel import Session, SQLModel, col, select

from bot.models.users import AnswerRecord, Feedback, User

SUPPORTED_LANGS: tuple[str, ...] = ("zh", "en")


def lang_from_code(language_code: str | None) -> str:
    """Telegram's IETF tag -> our two languages: English for "en*", Chinese otherwise."""
    if language_code and language_code.lower().startswith("en"):
        return "en"
    return "zh"


def effective_lang(user: User) -> str:
    """The language to talk to `user` in: their /lang choice, else their Telegram language."""
    if user.lang_override in SUPPORTED_LANGS:
        return user.lang_override  # type: ignore[return-value]
    return lang_from_code(user.language_code)


def get_user(session: Session, *, user_id: int) -> User | None:
    return session.get(User, user_id)


def upsert_user(
    session: Session,
    *,
    user_id: int,
    first_name: str,
    username: str | None,
    language_code: str | None,
    now: datetime,
) -> User:
    """Create the user on first contact, refresh their profile otherwise.

    Any update from a user proves they can be reached again, so it re-activates a user that was
    marked inactive after a 403.
    """
    user = session.get(User, user_id)
    if user is None:
        user = User(
            id=user_id,
            first_name=first_name,
            username=username,
            language_code=language_code,
            created_at=now,
            last_seen_at=now,
        )
    else:
        user.first_name = first_name
        user.username = username
        user.language_code = language_code
        user.last_seen_at = now
        user.is_active = True
    session.add(user)
    session.commit()
    session.refresh(user)
    return user


def set_lang(session: Session, *, user_id: int, lang: str | None) -> User | None:
    """Store the /lang choice (None = follow Telegram's language again)."""
    if lang is not None and lang not in SUPPORTED_LANGS:
        raise ValueError(f"unsupported language {lang!r}; expected one of {SUPPORTED_LANGS}")
    user = session.get(User, user_id)
    if user is None:
        return None
    user.lang_override = lang
    session.add(user)
    session.commit()
    session.refresh(user)
    return user


def mark_inactive(session: Session, *, user_id: int) -> bool:
    """Remember that the user blocked the bot. Returns False when the user is unknown."""
    user = session.get(User, user_id)
    if user is None:
        return False
    if user.is_active:
        user.is_active = False
        session.add(user)
        session.commit()
    return True


def delete_user(session: Session, *, user_id: int) -> int:
    """/forget: delete the user and every row of any feature that has a `user_id` column.

    Tables are found on the shared metadata, so a feature added later is covered without
    touching this function; rows that hang off those (e.g. reminder deliveries, assessment
    answers) go with them through their ON DELETE CASCADE foreign keys. Portable SQL only.
    Returns the number of rows deleted (0 when the user was unknown and had no data).
    """
    import bot.models  # noqa: F401  (registers every feature's tables)

    deleted = 0
    for table in reversed(SQLModel.metadata.sorted_tables):  # children before parents
        if table.name == User.__tablename__ or "user_id" not in table.c:
            continue
        result = session.execute(sa_delete(table).where(table.c.user_id == user_id))
        deleted += result.rowcount or 0
    user = session.get(User, user_id)
    if user is not None:
        session.delete(user)
        deleted += 1
    session.commit()
    return deleted


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
        citations_json=json.dumps(
            [{"doc": c.doc, "ref": c.ref, "item": c.item, "label": c.label} for c in citations],
            ensure_ascii=False,
        ),
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
        for c in json.loads(record.citations_json or "[]")
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
