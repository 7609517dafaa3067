"""Who is who across channels: a user is (channel, external id), the handlers see one integer.

- Telegram users keep their Telegram id as their internal id, so every existing row (users,
  answers, subscriptions, assessments) stays valid and Telegram needs no mapping row.
- Every other channel's users (WeCom user ids, Feishu open ids, DingTalk staff ids: strings)
  get an internal id in [2**53, 2**53 + 2**52): above any Telegram id (Telegram promises ids
  fit in 52 bits), and a BIGINT. The id is derived from a hash of (channel, external id), the
  next free number on the (vanishingly rare) collision, so a number is never handed to a
  second person after the first one used /forget, and several processes agree on it.
- The mapping lives in the `channel_identity` table; its `user_id` column makes `/forget`
  (which deletes every row with the user's `user_id`) drop the mapping too, so a forgotten
  user comes back as a new one.

`internal_id` is safe with several processes: the allocation is an INSERT that loses on the
primary key or on the unique internal id, and is then looked up again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import BigInteger, Column
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, select

TELEGRAM = "telegram"
FIRST_FOREIGN_ID = 2**53
_ALLOCATION_TRIES = 8


class ChannelIdentity(SQLModel, table=True):
    """One user of a non-Telegram channel and the internal id the handlers know them by."""

    __tablename__ = "channel_identity"

    channel: str = Field(primary_key=True, max_length=32)
    external_id: str = Field(primary_key=True, max_length=128)
    user_id: int = Field(sa_column=Column(BigInteger, unique=True, nullable=False, index=True))


@dataclass(frozen=True, slots=True)
class Identity:
    channel: str
    external_id: str


class IdentityError(LookupError):
    """An internal id no channel knows (e.g. the user was forgotten)."""


class Identities:
    """The identity map over the bot's database, with a small in-process cache."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        SQLModel.metadata.create_all(engine, tables=[ChannelIdentity.__table__])  # type: ignore[list-item]
        self._by_internal: dict[int, Identity] = {}
        self._by_external: dict[Identity, int] = {}

    def internal_id(self, channel: str, external_id: str) -> int:
        """The internal id of (channel, external id), allocated on first sight."""
        external_id = str(external_id)
        if channel == TELEGRAM:
            return int(external_id)
        key = Identity(channel, external_id)
        # No cache here: the row may have been deleted by /forget and must then be re-created.
        for attempt in range(_ALLOCATION_TRIES):
            with Session(self.engine) as session:
                row = session.get(ChannelIdentity, (channel, external_id))
                if row is not None:
                    return self._remember(key, row.user_id)
                user_id = derived_id(channel, external_id) + attempt
                session.add(ChannelIdentity(channel=channel, external_id=external_id,
                                            user_id=user_id))
                try:
                    session.commit()
                except IntegrityError:  # another process took the key or the number: look again
                    session.rollback()
                    continue
                return self._remember(key, user_id)
        raise RuntimeError(f"could not allocate an internal id for {channel}:{external_id}")

    def identity_of(self, internal_id: int) -> Identity:
        """The channel and external id behind an internal id (Telegram below 2**53)."""
        if internal_id < FIRST_FOREIGN_ID:
            return Identity(TELEGRAM, str(internal_id))
        cached = self._by_internal.get(internal_id)
        if cached is not None:
            return cached
        with Session(self.engine) as session:
            row = session.exec(
                select(ChannelIdentity).where(ChannelIdentity.user_id == internal_id)
            ).first()
        if row is None:
            raise IdentityError(f"no channel user has the internal id {internal_id}")
        return self._remember_identity(internal_id, Identity(row.channel, row.external_id))

    def channel_of(self, internal_id: int) -> str:
        return self.identity_of(internal_id).channel

    def external_id(self, channel: str, internal_id: int) -> str:
        """The external id of `internal_id` on `channel` (IdentityError if it is not theirs)."""
        identity = self.identity_of(internal_id)
        if identity.channel != channel:
            raise IdentityError(f"user {internal_id} belongs to {identity.channel}, not {channel}")
        return identity.external_id

    def _remember(self, key: Identity, user_id: int) -> int:
        self._remember_identity(user_id, key)
        return user_id

    def _remember_identity(self, user_id: int, identity: Identity) -> Identity:
        if len(self._by_internal) > 50_000:  # a bounded cache; the table is the truth
            self._by_internal.clear()
            self._by_external.clear()
        self._by_internal[user_id] = identity
        self._by_external[identity] = user_id
        return identity


def derived_id(channel: str, external_id: str) -> int:
    """The preferred internal id of a non-Telegram user: 2**53 + 52 bits of a SHA-256."""
    digest = hashlib.sha256(f"{channel}\0{external_id}".encode()).digest()
    return FIRST_FOREIGN_ID + (int.from_bytes(digest[:8], "big") >> 12)


def forget_user(session: Session, *, user_id: int) -> int:
    """/forget: drop the user's channel identity (no commit; the caller commits)."""
    row = session.exec(select(ChannelIdentity).where(ChannelIdentity.user_id == user_id)).first()
    if row is None:
        return 0
    session.delete(row)
    return 1
