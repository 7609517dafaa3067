"""FSM state on the database: the storage itself, and flows that survive a restart of the bot."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import StorageKey
from sqlmodel import select

from infra.db import Database
from infra.fsm import DatabaseStorage, FsmRecord
from tests.support.fixtures import HarnessFactory

KEY = StorageKey(bot_id=1, chat_id=10, user_id=10)
OTHER = StorageKey(bot_id=1, chat_id=-5, user_id=10)  # the same user in a group


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = Database(f"sqlite:///{tmp_path / 'fsm.sqlite3'}")
    database.create_all()
    yield database  # type: ignore[misc]
    database.dispose()


async def test_state_and_data_round_trip_and_survive_a_new_storage(db: Database) -> None:
    storage = DatabaseStorage(db)
    assert await storage.get_state(KEY) is None and await storage.get_data(KEY) == {}
    await storage.set_state(KEY, State("answering", group_name="AssessFlow"))
    await storage.update_data(KEY, {"aid": 7, "kinds": ["annual_report"]})
    await storage.update_data(KEY, {"batch": 2022})
    # A new storage on a new engine: what a restarted process sees.
    again = DatabaseStorage(Database(db.url))
    assert await again.get_state(KEY) == "AssessFlow:answering"
    assert await again.get_data(KEY) == {"aid": 7, "kinds": ["annual_report"], "batch": 2022}
    assert await again.get_state(OTHER) is None  # contexts are per chat


async def test_returned_data_is_a_copy(db: Database) -> None:
    storage = DatabaseStorage(db)
    await storage.set_data(KEY, {"kinds": ["a"]})
    data = await storage.get_data(KEY)
    data["kinds"].append("b")
    assert await storage.get_data(KEY) == {"kinds": ["a"]}


async def test_a_cleared_context_leaves_no_row(db: Database) -> None:
    storage = DatabaseStorage(db)
    await storage.set_state(KEY, "flow:step")
    await storage.set_data(KEY, {"x": 1})
    await storage.set_state(KEY, None)
    assert await storage.get_data(KEY) == {"x": 1}  # state and data are independent
    await storage.set_data(KEY, {})
    with db.session() as session:
        assert session.exec(select(FsmRecord)).all() == []


async def test_data_that_json_cannot_hold_is_refused_at_once(db: Database) -> None:
    storage = DatabaseStorage(db)
    with pytest.raises(TypeError, match="JSON"):
        await storage.set_data(KEY, {"when": datetime(2026, 1, 1, tzinfo=UTC)})
    assert await storage.get_data(KEY) == {}


async def test_remind_flow_survives_a_restart(make_harness: HarnessFactory) -> None:
    h = await make_harness(smebot_now=datetime(2025, 1, 10, 2, 0, tzinfo=UTC))
    await h.reply(4343, "/remind", "第 1 步")
    await h.restart()
    # The cluster name typed right after the restart goes to the flow, not to the answerer.
    years = await h.reply(4343, "B县机械集群", "第 2 步")
    assert "B县机械集群" in years.text
    assert not any("❓" in m.text for m in h.messages(4343))


async def test_assess_answer_typed_right_after_a_restart_is_not_a_question(
    make_harness: HarnessFactory,
) -> None:
    h = await make_harness(smebot_now=datetime(2026, 4, 20, 9, 0, tzinfo=UTC))
    menu = await h.reply(4444, "/assess", "选择认定标准")
    await h.click(4444, menu, "全国（2022年版）", "第 2/10 步")
    await h.restart()
    reply = await h.reply(4444, "80平方公里", "步")
    assert "❓" not in reply.text
    assert not any("❓" in m.text for m in h.messages(4444))
