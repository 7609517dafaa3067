"""The `User` table and its helpers: upsert on contact, 403 -> inactive, /lang, language choice.

Telegram ids exceed 32 bits, so id columns are BIGINT (PostgreSQL would overflow INTEGER).
Timestamps are stored as UTC; the application's clock gives aware datetimes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import BigInteger, Column
from sqlmodel import Field, Session, SQLModel

from infra.db import Database

logger = logging.getLogger(__name__)


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


def mark_blocked_chat(db: Database, chat_id: int) -> None:
    """The one 403 path: Telegram refused to deliver to `chat_id` (the user blocked the bot).

    Private chats have the user's id, so the user is marked inactive; a group (negative id)
    that removed the bot has no user row. Wired into the session middleware by `make_bot(db=)`;
    a feature that must react as well (reminders deactivate the chat's subscriptions) reads
    the "forbidden" outcome of its own send instead of marking users itself."""
    if chat_id <= 0:
        return
    with db.session() as session:
        if mark_inactive(session, user_id=chat_id):
            logger.info("user %s blocked the bot; marked inactive", chat_id)


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


# A feature's `forget_user(session, *, user_id) -> int`: delete that feature's rows of one user
# (without committing) and return how many went. The composition root hands the list to /forget.
Forgetter = Callable[..., int]


def delete_user(session: Session, *, user_id: int, forgetters: Sequence[Forgetter] = ()) -> int:
    """/forget: every feature forgets the user, then the user row goes; one transaction.

    Each feature owns its tables, so each exposes its own `forget_user`; this module knows none
    of them. Returns the number of rows deleted (0 when the user was unknown and had no data).
    """
    deleted = 0
    for forget in forgetters:
        deleted += forget(session, user_id=user_id)
    user = session.get(User, user_id)
    if user is not None:
        session.delete(user)
        deleted += 1
    session.commit()
    return deleted
