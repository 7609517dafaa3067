"""JSON columns instead of JSON/CSV in text; the de-duplication table.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02

- `assessments.result_json`, `assessment_answers.value_json`, `answers.citations_json` held JSON
  text: each becomes a JSON column named without the suffix (`result`, `value`, `citations`);
  the text is already valid JSON and is kept as is (`USING col::json` on PostgreSQL, a table
  copy on SQLite).
- `reminder_subscription.kinds` ("annual_report,custom") and `.lead_days` ("30,7,1") held CSV:
  each row is rewritten as a JSON list (["annual_report", "custom"], [30, 7, 1]) first, then the
  type changes the same way.
- `dedup_keys`: inbound events already handled (infra.dedup.DatabaseDeduplicator).
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None

# (table, column before, column after, type before, nullable)
_JSON_TEXT_COLUMNS = (
    ("assessments", "result_json", "result", sa.Text(), True),
    ("assessment_answers", "value_json", "value", sa.Text(), False),
    ("answers", "citations_json", "citations", sa.String(), False),
    ("reminder_subscription", "kinds", "kinds", sa.String(length=200), False),
    ("reminder_subscription", "lead_days", "lead_days", sa.String(length=100), False),
)


def _csv_to_json(connection: sa.Connection) -> None:
    subs = sa.table(
        "reminder_subscription",
        sa.column("id", sa.Integer()),
        sa.column("kinds", sa.String()),
        sa.column("lead_days", sa.String()),
    )
    for row in connection.execute(sa.select(subs.c.id, subs.c.kinds, subs.c.lead_days)).all():
        if (row.kinds or "").startswith("["):  # already JSON (written by a newer release)
            continue
        kinds = [k.strip() for k in (row.kinds or "").split(",") if k.strip()]
        leads = sorted(
            {int(x) for x in (row.lead_days or "").split(",") if x.strip()}, reverse=True
        )
        connection.execute(
            subs.update()
            .where(subs.c.id == row.id)
            .values(kinds=json.dumps(kinds), lead_days=json.dumps(leads))
        )


def _json_to_csv(connection: sa.Connection) -> None:
    subs = sa.table(
        "reminder_subscription",
        sa.column("id", sa.Integer()),
        sa.column("kinds", sa.String()),
        sa.column("lead_days", sa.String()),
    )
    for row in connection.execute(sa.select(subs.c.id, subs.c.kinds, subs.c.lead_days)).all():
        connection.execute(
            subs.update()
            .where(subs.c.id == row.id)
            .values(
                kinds=",".join(json.loads(row.kinds)),
                lead_days=",".join(str(d) for d in json.loads(row.lead_days)),
            )
        )


def _retype(to_json: bool) -> None:
    connection = op.get_bind()
    for table, text_name, json_name, text_type, nullable in _JSON_TEXT_COLUMNS:
        old, new = (text_name, json_name) if to_json else (json_name, text_name)
        new_type, old_type = (sa.JSON(), text_type) if to_json else (text_type, sa.JSON())
        if connection.dialect.name == "postgresql":
            cast = "json" if to_json else "text"
            op.alter_column(
                table,
                old,
                type_=new_type,
                existing_type=old_type,
                existing_nullable=nullable,
                postgresql_using=f"{old}::{cast}",
            )
            if new != old:
                op.alter_column(table, old, new_column_name=new)
        else:
            # SQLite: one table copy per table, with the type and the name changed.
            with op.batch_alter_table(table) as batch:
                batch.alter_column(
                    old,
                    new_column_name=new if new != old else None,
                    type_=new_type,
                    existing_type=old_type,
                    existing_nullable=nullable,
                )


def upgrade() -> None:
    _csv_to_json(op.get_bind())
    _retype(to_json=True)
    op.create_table(
        "dedup_keys",
        sa.Column("scope", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key"),
    )
    op.create_index("ix_dedup_keys_expires_at", "dedup_keys", ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_dedup_keys_expires_at", table_name="dedup_keys")
    op.drop_table("dedup_keys")
    _retype(to_json=False)
    _json_to_csv(op.get_bind())
