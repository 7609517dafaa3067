"""Channel identities; one active reminder subscription per (user, chat, batch).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02

- `channel_identity`: (channel, external id) -> the internal user id the handlers see. Telegram
  users keep their Telegram id and have no row; WeCom, Feishu and DingTalk users get one on first
  contact (bot/channels/identity.py). Existing rows need no change.
- `uq_reminder_subscription_batch`: the unique partial index on reminder_subscription (user_id,
  chat_id, coalesce(batch_year, 0)) WHERE active. Databases of earlier releases may hold active
  duplicates: they are folded into the oldest one first (the union of kinds and lead times; of
  the deliveries, one per (deadline, lead) is kept — a sent one first — so nothing already sent
  goes out again).
- The channels' `processed_event` table (created outside the schema by an earlier build) is gone:
  the channels de-duplicate through `dedup_keys` (infra.dedup, revision 0002).

Self-contained: the tables are described inline as they are at this revision, never through the
application's models or repositories, which change in later releases.
Tables that already exist (a database made by `create_all` of a build that had them) are kept.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None

logger = logging.getLogger(__name__)

# The deadline kinds in their display order at this revision (a merged subscription lists its
# kinds in this order; a kind not listed keeps its place after them).
_KIND_ORDER = ("annual_report", "renewal_review", "custom", "recommendation_round")
# Delivery statuses that are final at this revision; 'sent' ranks first among them.
_SENT = "sent"
_FINISHED = frozenset({"sent", "superseded", "dead", "expired"})

_subscriptions = sa.table(
    "reminder_subscription",
    sa.column("id", sa.Integer()),
    sa.column("user_id", sa.BigInteger()),
    sa.column("chat_id", sa.BigInteger()),
    sa.column("batch_year", sa.Integer()),
    sa.column("kinds", sa.JSON()),
    sa.column("lead_days", sa.JSON()),
    sa.column("active", sa.Boolean()),
)
_deliveries = sa.table(
    "reminder_delivery",
    sa.column("id", sa.Integer()),
    sa.column("subscription_id", sa.Integer()),
    sa.column("deadline_key", sa.String()),
    sa.column("lead_days", sa.Integer()),
    sa.column("status", sa.String()),
)
# Written as SQL: reflection cannot read an expression index back (SQLite), and the same text
# works on SQLite (3.9+) and PostgreSQL.
_CREATE_INDEX = (
    "CREATE UNIQUE INDEX IF NOT EXISTS uq_reminder_subscription_batch ON reminder_subscription "
    "(user_id, chat_id, coalesce(batch_year, 0)) WHERE active"
)


def _merged_kinds(lists: list[Any]) -> list[str]:
    kinds = {str(k) for kinds in lists for k in (kinds or [])}
    return [k for k in _KIND_ORDER if k in kinds] + sorted(kinds.difference(_KIND_ORDER))


def _merged_leads(lists: list[Any]) -> list[int]:
    return sorted({int(d) for leads in lists for d in (leads or [])}, reverse=True)


def _rank(status: str) -> int:
    """Which of several deliveries for one (deadline, lead) to keep: sent, finished, any."""
    return 0 if status == _SENT else 1 if status in _FINISHED else 2


def _fold_deliveries(connection: sa.Connection, survivor: int, duplicates: list[int]) -> None:
    rows = connection.execute(
        sa.select(_deliveries.c.id, _deliveries.c.deadline_key, _deliveries.c.lead_days,
                  _deliveries.c.status)
        .where(_deliveries.c.subscription_id.in_([survivor, *duplicates]))
        .order_by(_deliveries.c.id)
    ).all()
    best: dict[tuple[str, int], Any] = {}
    for row in rows:
        key = (row.deadline_key, row.lead_days)
        if key not in best or _rank(row.status) < _rank(best[key].status):
            best[key] = row
    keep = {row.id for row in best.values()}
    dropped = [row.id for row in rows if row.id not in keep]
    if dropped:  # first: the unique (subscription, deadline, lead) key must be free
        connection.execute(_deliveries.delete().where(_deliveries.c.id.in_(dropped)))
    if keep:
        connection.execute(
            _deliveries.update().where(_deliveries.c.id.in_(sorted(keep)))
            .values(subscription_id=survivor)
        )


def fold_duplicate_subscriptions(connection: sa.Connection) -> int:
    """Fold active subscriptions of one (user, chat, batch) into the oldest; returns how many
    were folded."""
    rows = connection.execute(
        sa.select(_subscriptions.c.id, _subscriptions.c.user_id, _subscriptions.c.chat_id,
                  _subscriptions.c.batch_year, _subscriptions.c.kinds,
                  _subscriptions.c.lead_days)
        .where(_subscriptions.c.active.is_(True))
        .order_by(_subscriptions.c.id)
    ).all()
    groups: dict[tuple[int, int, int], list[Any]] = defaultdict(list)
    for row in rows:  # batch year NULL ("not yet recognised") is one batch, as in the index
        groups[(row.user_id, row.chat_id, row.batch_year or 0)].append(row)
    folded = 0
    for group in groups.values():
        if len(group) < 2:
            continue
        survivor, duplicates = group[0], [row.id for row in group[1:]]
        connection.execute(
            _subscriptions.update().where(_subscriptions.c.id == survivor.id).values(
                kinds=_merged_kinds([row.kinds for row in group]),
                lead_days=_merged_leads([row.lead_days for row in group]),
            )
        )
        _fold_deliveries(connection, survivor.id, duplicates)
        connection.execute(_subscriptions.delete().where(_subscriptions.c.id.in_(duplicates)))
        folded += len(duplicates)
    return folded


def upgrade() -> None:
    connection = op.get_bind()
    tables = set(sa.inspect(connection).get_table_names())
    if "channel_identity" not in tables:
        op.create_table(
            "channel_identity",
            sa.Column("channel", sa.String(length=32), nullable=False),
            sa.Column("external_id", sa.String(length=128), nullable=False),
            sa.Column("user_id", sa.BigInteger(), nullable=False),
            sa.PrimaryKeyConstraint("channel", "external_id"),
        )
        op.create_index(
            "ix_channel_identity_user_id", "channel_identity", ["user_id"], unique=True
        )
    if "reminder_subscription" in tables:
        folded = fold_duplicate_subscriptions(connection)
        if folded:
            logger.warning("reminders: merged %d duplicate subscriptions", folded)
        op.execute(_CREATE_INDEX)
    if "processed_event" in tables:
        op.drop_table("processed_event")


def downgrade() -> None:
    op.drop_index("uq_reminder_subscription_batch", table_name="reminder_subscription")
    op.drop_index("ix_channel_identity_user_id", table_name="channel_identity")
    op.drop_table("channel_identity")
