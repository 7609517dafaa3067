"""Alembic environment: runs on the connection `bot.migrations` hands over (no alembic.ini).

`target_metadata` is SQLModel's metadata with every feature's tables registered (the composition
root is the one place that knows them all). SQLite needs batch mode to change a column's type.
"""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from bot.migrations import import_all_tables, include_object

import_all_tables()
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        from sqlalchemy import create_engine

        engine = create_engine(context.config.get_main_option("sqlalchemy.url") or "")
        with engine.connect() as conn:
            _run(conn)
        engine.dispose()
        return
    _run(connection)


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # type: ignore[attr-defined]
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run against a database")
run_migrations_online()
