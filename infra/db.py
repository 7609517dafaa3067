"""Database engine and sessions (SQLModel). SQLite file by default; PostgreSQL by URL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, create_engine


class Database:
    """Owns the engine; hands out short-lived sessions. Built once at start-up."""

    def __init__(self, url: str) -> None:
        self.url = url
        connect_args: dict[str, object] = {}
        if url.startswith("sqlite"):
            _ensure_sqlite_dir(url)
            # The bot touches the DB from the event loop thread and from worker threads.
            connect_args = {"check_same_thread": False, "timeout": 30}
        # JSON columns keep Chinese readable in the database (no \\u escapes).
        self.engine: Engine = create_engine(
            url, connect_args=connect_args, json_serializer=_json_dumps
        )
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)

    def create_all(self) -> None:
        """Create the tables registered on SQLModel.metadata. Features register theirs by being
        imported; the composition root (bot/schema.py) imports every feature's models first."""
        SQLModel.metadata.create_all(self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def _json_dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _ensure_sqlite_dir(url: str) -> None:
    path = url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    # WAL lets two bot processes share one file; foreign keys are off by default in SQLite.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
