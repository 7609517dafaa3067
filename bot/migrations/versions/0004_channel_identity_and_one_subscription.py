"""Channel identities; one active reminder subscription per (user, chat, batch).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02

- `channel_identity`: (channel, external id) -> the internal user id the handlers see. Telegram
  users keep their Telegram id and have no row; WeCom, Feishu and DingTalk users get one on first
  contact (bot/channels/identity.py). Existing rows need no change.
- `uq_reminder_subscription_batch`: the unique partial index on reminder_subscription (user_id,
  chat_id, coalesce(batch_year, 0)) WHERE active. Databases of earlier releases may hold active
  duplicates: they are folded into the oldest one first (the union of kinds and lead times; the
  deliveries already sent are kept, nothing is sent twice) by the reminders slice's own upgrade.
- The channels' `processed_event` table (created outside the schema by an earlier build) is gone:
  the channels de-duplicate through `dedup_keys` (infra.dedup, revision 0002).

Tables that already exist (a database made by `create_all` of a build that had them) are kept.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None


def upgrade() -> None:
    from handlers.reminders.schema import fold_duplicates_and_index

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
    fold_duplicates_and_index(connection)
    if "processed_event" in tables:
        op.drop_table("processed_event")


def downgrade() -> None:
    op.drop_index("uq_reminder_subscription_batch", table_name="reminder_subscription")
    op.drop_index("ix_channel_identity_user_id", table_name="channel_identity")
    op.drop_table("channel_identity")
