"""Tables of the reminders feature: subscriptions, operator deadlines, and deliveries.

`ReminderDelivery` is the exactly-once guarantee: one row per (subscription, deadline key, lead
time), UNIQUE in the database. A sender *claims* a row with a conditional UPDATE (status
'pending', or 'claimed' with an expired lease) before sending and marks it 'sent' afterwards;
a 'sent' row is never claimed again. Portable to PostgreSQL: Telegram ids are BIGINT, times are
stored as UTC (SQLModel's UTC datetime type), no SQLite-only SQL.

`ReminderSubscription` holds at most one *active* row per (user, chat, batch year) — the unique
partial index `uq_reminder_subscription_batch` (batch year NULL, "not yet recognised", counts as
one batch). Two subscriptions to one batch would send every reminder twice; the repository
merges a second one into the first instead (see `repo.subscriptions.subscribe`).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Column, Index, UniqueConstraint, func
from sqlmodel import Field, SQLModel

# Delivery statuses.
PENDING = "pending"  # waiting to be claimed (maybe after `not_before`, when retrying)
CLAIMED = "claimed"  # a sender owns it until `lease_until`
SENT = "sent"  # delivered; terminal
SUPERSEDED = "superseded"  # catch-up sent a later (smaller) lead time instead; terminal
DEAD = "dead"  # dead letter: gave up after retries or a permanent error; terminal, recorded
EXPIRED = "expired"  # the deadline passed before it could be sent; terminal
TERMINAL_STATUSES = (SENT, SUPERSEDED, DEAD, EXPIRED)

# "Not yet recognised" (batch_year NULL) as a key value: NULLs never collide in a UNIQUE index.
NO_BATCH_KEY = 0


class ReminderSubscription(SQLModel, table=True):
    __tablename__ = "reminder_subscription"
    __table_args__ = (Index("ix_reminder_subscription_chat_active", "chat_id", "active"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    cluster_name: str = Field(max_length=100)
    batch_year: int | None = Field(default=None, description="None: not yet recognised")
    # Deadline kinds in ALL_KINDS order, e.g. ["annual_report", "custom"].
    kinds: list[str] = Field(sa_column=Column(JSON, nullable=False))
    # Days before the deadline, largest first, e.g. [30, 7, 1].
    lead_days: list[int] = Field(sa_column=Column(JSON, nullable=False))
    lang: str = Field(default="zh", max_length=8)
    active: bool = Field(default=True, index=True)
    created_at: datetime
    cancelled_at: datetime | None = None
    deactivated_reason: str | None = Field(default=None, max_length=100)

    @property
    def kind_list(self) -> list[str]:
        return [str(k) for k in self.kinds or []]

    @property
    def lead_list(self) -> list[int]:
        return sorted({int(x) for x in self.lead_days or []}, reverse=True)


_subscriptions = ReminderSubscription.__table__  # type: ignore[attr-defined]
# Expression + partial index: portable to SQLite (3.9+) and PostgreSQL alike.
ONE_SUBSCRIPTION_PER_BATCH = Index(
    "uq_reminder_subscription_batch",
    _subscriptions.c.user_id,
    _subscriptions.c.chat_id,
    func.coalesce(_subscriptions.c.batch_year, NO_BATCH_KEY),
    unique=True,
    sqlite_where=_subscriptions.c.active,
    postgresql_where=_subscriptions.c.active,
)


class CustomDeadline(SQLModel, table=True):
    __tablename__ = "reminder_custom_deadline"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    title_en: str | None = Field(default=None, max_length=200)
    due: date = Field(index=True)
    active: bool = Field(default=True)
    created_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    created_at: datetime


class ReminderDelivery(SQLModel, table=True):
    __tablename__ = "reminder_delivery"
    __table_args__ = (
        UniqueConstraint(
            "subscription_id", "deadline_key", "lead_days", name="uq_reminder_delivery_once"
        ),
        Index("ix_reminder_delivery_status", "status", "not_before"),
        Index("ix_reminder_delivery_claim", "claim_token"),
    )

    id: int | None = Field(default=None, primary_key=True)
    subscription_id: int = Field(foreign_key="reminder_subscription.id", ondelete="CASCADE")
    deadline_key: str = Field(max_length=120)
    lead_days: int
    due: date
    kind: str = Field(max_length=32)
    title: str = Field(max_length=300, description="In the subscriber's language, at planning")
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    status: str = Field(default=PENDING, max_length=16)
    attempts: int = Field(default=0)
    not_before: datetime | None = None
    claim_token: str | None = Field(default=None, max_length=40)
    lease_until: datetime | None = None
    sent_at: datetime | None = None
    message_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime
    updated_at: datetime
