"""The storage engines the suite runs on: SQLite + memory always; PostgreSQL and Redis as well
when `TEST_DATABASE_URL` / `TEST_REDIS_URL` are set (`.ci/run` sets both and fails if they are
unreachable).

Fixtures
--------
``backend`` -> Backend, parametrised: "sqlite" always, "postgres" when TEST_DATABASE_URL is set.
    ``backend.database_url``: a fresh database for this test (a temp SQLite file, or a fresh
    PostgreSQL schema via ``search_path`` in the URL, dropped at teardown);
    ``backend.new_database_url()``: one more fresh database;
    ``backend.redis_url``: None on "sqlite"; TEST_REDIS_URL (when set) on "postgres";
    ``backend.redis_prefix``: a key prefix unique to the test (its keys deleted at teardown).
``db_url`` -> str: ``backend.database_url``.
``pg_url`` -> str: a fresh PostgreSQL schema; the test exists only when TEST_DATABASE_URL is set.
``redis_url`` -> str: TEST_REDIS_URL; the test exists only when it is set.

The PostgreSQL/Redis variants carry the marker ``engines``: CI's second pass runs ``-m engines``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL") or None
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL") or None

BACKENDS = ["sqlite", *(["postgres"] if TEST_DATABASE_URL else [])]


def with_search_path(url: str, schema: str) -> str:
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options={quote(f'-csearch_path={schema}')}"


@dataclass
class Backend:
    name: str
    tmp_path: Path
    redis_url: str | None = None
    redis_prefix: str = "smebot"
    _schemas: list[str] = field(default_factory=list)
    _count: int = 0
    database_url: str = ""

    def __post_init__(self) -> None:
        self.database_url = self.new_database_url()

    @property
    def is_postgres(self) -> bool:
        return self.name == "postgres"

    def new_database_url(self) -> str:
        """A fresh, empty database: a new SQLite file or a new PostgreSQL schema."""
        self._count += 1
        if not self.is_postgres:
            return f"sqlite:///{self.tmp_path / f'engine-{self._count}.sqlite3'}"
        assert TEST_DATABASE_URL is not None
        from sqlalchemy import create_engine, text

        schema = f"t_{uuid.uuid4().hex[:12]}"
        admin = create_engine(TEST_DATABASE_URL)
        try:
            with admin.begin() as connection:
                connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        finally:
            admin.dispose()
        self._schemas.append(schema)
        return with_search_path(TEST_DATABASE_URL, schema)

    def cleanup(self) -> None:
        if self._schemas:
            from sqlalchemy import create_engine, text

            admin = create_engine(TEST_DATABASE_URL or "")
            try:
                with admin.begin() as connection:
                    for schema in self._schemas:
                        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            finally:
                admin.dispose()
        if TEST_REDIS_URL is not None:
            import redis

            client = redis.Redis.from_url(TEST_REDIS_URL)
            try:
                keys = list(client.scan_iter(match=f"{self.redis_prefix}:*", count=1000))
                if keys:
                    client.delete(*keys)
            finally:
                client.close()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    prefix = f"smebot-test-{uuid.uuid4().hex[:12]}"
    if request.param == "postgres":
        engine = Backend("postgres", tmp_path, TEST_REDIS_URL, prefix)
    else:
        engine = Backend("sqlite", tmp_path, None, prefix)
    try:
        yield engine
    finally:
        engine.cleanup()


@pytest.fixture
def db_url(backend: Backend) -> str:
    return backend.database_url


@pytest.fixture
def pg_url(tmp_path: Path) -> Iterator[str]:
    engine = Backend("postgres", tmp_path)
    try:
        yield engine.database_url
    finally:
        engine.cleanup()


@pytest.fixture
def redis_url() -> str:
    assert TEST_REDIS_URL is not None
    return TEST_REDIS_URL


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A Redis key prefix unique to the test; its keys are deleted afterwards."""
    engine = Backend("sqlite", Path("."), TEST_REDIS_URL, f"smebot-test-{uuid.uuid4().hex[:12]}")
    try:
        yield engine.redis_prefix
    finally:
        engine.cleanup()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the PostgreSQL/Redis variants `engines`; tests that need an engine that is not
    configured are deselected (they do not exist in that mode, rather than being skipped)."""
    keep: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        callspec = getattr(item, "callspec", None)
        param = callspec.params.get("backend") if callspec is not None else None
        needs_pg = "pg_url" in names
        needs_redis = "redis_url" in names
        if (needs_pg and TEST_DATABASE_URL is None) or (needs_redis and TEST_REDIS_URL is None):
            dropped.append(item)
            continue
        if param == "postgres" or needs_pg or needs_redis:
            item.add_marker(pytest.mark.engines)
        keep.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


def pytest_sessionstart(session: pytest.Session) -> None:
    """Configured engines must answer: an unreachable one stops the run (no silent skip)."""
    problems: list[str] = []
    if TEST_DATABASE_URL is not None:
        from sqlalchemy import create_engine, text

        engine = create_engine(TEST_DATABASE_URL, connect_args={"connect_timeout": 5})
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:
            problems.append(f"TEST_DATABASE_URL ({TEST_DATABASE_URL}) is unreachable: {exc}")
        finally:
            engine.dispose()
    if TEST_REDIS_URL is not None:
        import redis

        client = redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=5)
        try:
            client.ping()
        except Exception as exc:
            problems.append(f"TEST_REDIS_URL ({TEST_REDIS_URL}) is unreachable: {exc}")
        finally:
            client.close()
    if problems:
        pytest.exit("\n".join(problems), returncode=3)
