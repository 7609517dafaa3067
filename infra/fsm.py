"""FSM state on the application's database: a flow in progress (/assess, /remind) survives a
restart of the bot, and a typed answer right after the restart still reaches its flow instead
of being taken as a question.

`DatabaseStorage` is an aiogram `BaseStorage` on one table, `fsm_state`: one row per storage key
(bot, chat, user, thread, business connection, destiny — aiogram's `DefaultKeyBuilder` with every
part), holding the state name and the flow's data as JSON. A cleared context (no state, no data)
deletes its row, so finished flows leave nothing behind and /forget needs no extra step.

Calls run on the event loop thread like the other short SQLite statements (see
infra/middlewares.py); several replicas share state through Redis instead (scale-out issue).
Flow data must be JSON: ids, strings, numbers, lists, dicts.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from aiogram.exceptions import DataNotDictLikeError
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import (
    BaseStorage,
    DefaultKeyBuilder,
    KeyBuilder,
    StateType,
    StorageKey,
)
from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from infra.db import Database


class FsmRecord(SQLModel, table=True):
    """The state and data of one FSM context."""

    __tablename__ = "fsm_state"

    key: str = Field(primary_key=True, max_length=255)
    state: str | None = Field(default=None, max_length=255)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime


class DatabaseStorage(BaseStorage):
    """aiogram FSM storage on `db` (the table must exist: `db.create_all()` after importing this
    module, which the composition root does)."""

    def __init__(self, db: Database, key_builder: KeyBuilder | None = None) -> None:
        self.db = db
        self.key_builder = key_builder or DefaultKeyBuilder(
            with_bot_id=True, with_business_connection_id=True, with_destiny=True
        )

    def _key(self, key: StorageKey) -> str:
        return self.key_builder.build(key)

    def _write(self, key: StorageKey, *, state: str | object | None, data: object) -> None:
        """Store `state` and/or `data` (the other one is kept when passed as `_KEEP`)."""
        row_key = self._key(key)
        with self.db.session() as session:
            row = session.get(FsmRecord, row_key)
            new_state = (row.state if row else None) if state is _KEEP else state
            new_data = (dict(row.data) if row else {}) if data is _KEEP else data
            if new_state is None and not new_data:
                if row is not None:
                    session.delete(row)
                    session.commit()
                return
            now = datetime.now(UTC)
            if row is None:
                row = FsmRecord(key=row_key, state=new_state, data=new_data, updated_at=now)
            else:
                row.state, row.data, row.updated_at = new_state, new_data, now  # type: ignore[assignment]
            session.add(row)
            session.commit()

    def _read(self, key: StorageKey) -> FsmRecord | None:
        with self.db.session() as session:
            return session.get(FsmRecord, self._key(key))

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        self._write(key, state=state.state if isinstance(state, State) else state, data=_KEEP)

    async def get_state(self, key: StorageKey) -> str | None:
        row = self._read(key)
        return row.state if row is not None else None

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        if not isinstance(data, dict):
            msg = f"Data must be a dict or dict-like object, got {type(data).__name__}"
            raise DataNotDictLikeError(msg)
        try:
            # A round trip: the stored copy shares nothing with the caller's objects, and data
            # that JSON cannot hold fails here, in the handler that stored it, not at restart.
            copy = json.loads(json.dumps(data, ensure_ascii=False))
        except (TypeError, ValueError) as exc:
            raise TypeError(f"FSM data must be JSON-serialisable: {exc}") from exc
        self._write(key, state=_KEEP, data=copy)

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        row = self._read(key)
        return dict(row.data) if row is not None and row.data else {}

    async def close(self) -> None:
        """Nothing to close: the Database belongs to the application's services."""


_KEEP = object()
