"""Alembic migrations: the schema's history, applied by `smebot db upgrade` and at start-up.

Configured in code (no alembic.ini needed at run time): `alembic_config(url)` points Alembic at
this package. `upgrade(engine)` is idempotent and safe when several replicas start at once: on
PostgreSQL it holds an advisory lock for the whole run. A database written before migrations
existed (tables, no `alembic_version`) is stamped with the first revision — the schema that
release's `create_all` made — and then upgraded, keeping every row.

Every schema change is a new file in `versions/` (`alembic revision --autogenerate` with
`-c` pointing at a config whose script_location is this directory, or by hand); the history stays
linear (a test checks it).
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import SAWarning

from infra.db import Database

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent
BASELINE = "0001"
# The tables release 0.1 created with create_all: their presence without alembic_version means
# "a database of that release".
BASELINE_TABLES = frozenset(
    {"users", "answers", "feedback", "assessments", "assessment_answers",
     "reminder_subscription", "reminder_custom_deadline", "reminder_delivery"}
)
# Indexes on expressions (coalesce(batch_year, 0)): SQLAlchemy cannot reflect them on SQLite (it
# warns and skips them), so autogenerate cannot compare them; the revision that builds one is
# its definition, and the migration tests check that it exists.
EXPRESSION_INDEXES = frozenset({"uq_reminder_subscription_batch"})
BEFORE_EXPRESSION_INDEXES = "0003"  # 0004 builds them
# Any fixed number: the key of the PostgreSQL advisory lock that serialises migrations.
_ADVISORY_LOCK_KEY = 0x5EB07


def import_all_tables() -> None:
    """Register every feature's tables on SQLModel.metadata (the composition root knows them)."""
    import bot.schema  # noqa: F401


def alembic_config(url: str | None = None, *, connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        # ConfigParser interpolates '%': a password with %-escapes must survive.
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def prepare(db: Database, *, auto_upgrade: bool = True) -> str | None:
    """At start-up: upgrade the schema (`auto_upgrade`), or check it is current and say how to
    upgrade it if not. Returns the revision the database is at."""
    if auto_upgrade:
        return upgrade(db.engine)[1]
    current, head = current_revision(db.engine), head_revision()
    if current != head:
        raise RuntimeError(
            f"the database schema is at {current or 'nothing'}, this release needs {head}: "
            "run `smebot db upgrade` (DB_AUTO_UPGRADE is off)"
        )
    return current


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, target: str = "head") -> tuple[str | None, str | None]:
    """Bring the schema to `target`; returns (revision before, revision after)."""
    with engine.connect() as connection:
        dialect = connection.dialect.name
        if dialect == "postgresql":
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _ADVISORY_LOCK_KEY})
            connection.commit()
        elif dialect == "sqlite":
            # SQLite changes a column by copying its table and dropping the old one; with foreign
            # keys on, that DROP would cascade-delete every row referring to it (feedback on
            # answers, answers of assessments). The pragma only works outside a transaction.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            before = _prepare(connection)
            config = alembic_config(connection=connection)
            command.upgrade(config, target)
            connection.commit()
            after = MigrationContext.configure(connection).get_current_revision()
            if dialect == "sqlite":
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                if broken:
                    raise RuntimeError(f"foreign keys broken after the upgrade: {broken[:5]}")
        finally:
            if dialect == "sqlite":
                connection.rollback()
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()
            if dialect == "postgresql":
                connection.rollback()
                connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": _ADVISORY_LOCK_KEY}
                )
                connection.commit()
    if before != after:
        logger.info("database schema upgraded: %s -> %s", before or "empty", after)
    return before, after


def downgrade(engine: Engine, target: str) -> None:
    """Undo revisions down to `target` (operators rolling back a release)."""
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        command.downgrade(alembic_config(connection=connection), target)
        connection.commit()
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()


def include_object(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Autogenerate's filter: indexes on expressions are left out (see EXPRESSION_INDEXES)."""
    return not (type_ == "index" and name in EXPRESSION_INDEXES)


def schema_differences(connection: Connection) -> list[Any]:
    """What autogenerate would change to make the database equal the models ([] = none)."""
    from alembic.autogenerate import compare_metadata
    from sqlmodel import SQLModel

    import_all_tables()
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_object": include_object}
    )
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message="Skipped unsupported reflection of expression-based index",
            category=SAWarning,
        )
        warnings.filterwarnings(
            "ignore", message="autogenerate skipping metadata-specified expression-based index",
            category=UserWarning,
        )
        return list(compare_metadata(context, SQLModel.metadata))


def index_names(connection: Connection, table: str) -> set[str]:
    """Every index of `table`, expression indexes included (the inspector skips those)."""
    if connection.dialect.name == "sqlite":
        rows = connection.execute(
            text("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = :t"),
            {"t": table},
        )
    else:
        rows = connection.execute(
            text("SELECT indexname FROM pg_indexes WHERE tablename = :t AND "
                 "schemaname = current_schema()"), {"t": table},
        )
    return {row[0] for row in rows}


def _revision_of_current_tables(connection: Connection) -> str:
    """For a database made by `create_all` without migration history: head when it equals the
    models; the revision before the expression index (0004) when only that index is missing (a
    build before "one subscription per batch"); else the release-0.1 baseline."""
    if schema_differences(connection):
        return BASELINE
    if index_names(connection, "reminder_subscription") >= EXPRESSION_INDEXES:
        return head_revision()
    return BEFORE_EXPRESSION_INDEXES


def _prepare(connection: Connection) -> str | None:
    """Stamp a database without migration history; returns the revision found."""
    current = MigrationContext.configure(connection).get_current_revision()
    if current is not None:
        return current
    tables = set(inspect(connection).get_table_names())
    if tables >= BASELINE_TABLES:
        # Made by `create_all` (tests, tools) of this very release: already the head schema.
        # Otherwise it is a release-0.1 database: the baseline.
        found = _revision_of_current_tables(connection)
        command.stamp(alembic_config(connection=connection), found)
        connection.commit()
        logger.info("found a database without migration history: stamped %s", found)
        return found
    if tables & BASELINE_TABLES:
        missing = ", ".join(sorted(BASELINE_TABLES - tables))
        raise RuntimeError(
            f"the database has some of smebot's tables but not all (missing: {missing}) and no "
            "alembic_version: not a database this release knows how to upgrade"
        )
    return None
