"""Channel identities: (channel, external id) -> the internal user id the handlers see.

Revision ID: 0003_channel_identity
Revises: 0002
Create Date: 2026-12-02

Existing rows need no change: Telegram users keep their Telegram id as their internal id and have
no row here; users of other channels (WeCom, Feishu, DingTalk) get a row on first contact
(bot/channels/identity.py). If another 0003 revision lands first, point `down_revision` at it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003_channel_identity"
down_revision: str | None = "0002"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None


def upgrade() -> None:
    op.create_table(
        "channel_identity",
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("channel", "external_id"),
    )
    op.create_index("ix_channel_identity_user_id", "channel_identity", ["user_id"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_channel_identity_user_id", table_name="channel_identity")
    op.drop_table("channel_identity")
