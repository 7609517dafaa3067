"""Alembic migrations: a linear history, a head equal to the tables, release-0.1 files upgraded in
place with every row kept, `smebot db upgrade` / `current`."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlmodel import select

from bot import migrations
from bot.cli import main
from infra.db import Database

RELEASE_0_1_SQL = Path(__file__).with_name("data") / "release_0_1.sql"
RELEASE_TABLES = {
    "users": 3, "answers": 2, "feedback": 3, "assessments": 2, "assessment_answers": 5,
    "reminder_subscription": 2, "reminder_custom_deadline": 1, "reminder_delivery": 2,
}


def test_history_is_linear_and_starts_at_the_baseline() -> None:
    scripts = ScriptDirectory.from_config(migrations.alembic_config())
    assert len(scripts.get_heads()) == 1, "two heads: merge or rebase the new revision"
    assert scripts.get_bases() == [migrations.BASELINE]
    revisions = list(scripts.walk_revisions())
    for revision in revisions:  # every revision has one parent (no merge points)
        down = revision.down_revision
        assert down is None or isinstance(down, str), revision.revision
    assert [r.revision for r in reversed(revisions)] == ["0001", "0002", "0003", "0004"]


def test_the_head_schema_is_exactly_the_tables(db_url: str) -> None:
    """Upgrading an empty database gives what the models declare: nothing to autogenerate."""
    db = Database(db_url)
    try:
        before, after = migrations.upgrade(db.engine)
        assert (before, after) == (None, migrations.head_revision())
        with db.engine.connect() as connection:
            assert migrations.schema_differences(connection) == []
            # Not compared by autogenerate (an expression index): checked by name.
            assert migrations.index_names(connection, "reminder_subscription") >= set(
                migrations.EXPRESSION_INDEXES)
        assert migrations.upgrade(db.engine) == (after, after)  # idempotent
    finally:
        db.dispose()


def _release_file(tmp_path: Path) -> Path:
    path = tmp_path / "release-0.1.sqlite3"
    connection = sqlite3.connect(path)
    connection.executescript(RELEASE_0_1_SQL.read_text(encoding="utf-8"))
    connection.close()
    return path


def test_a_release_0_1_sqlite_file_upgrades_in_place_keeping_every_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _release_file(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    assert main(["db", "current"]) == 0
    assert "(none)" in capsys.readouterr().out
    assert main(["db", "upgrade"]) == 0
    assert "0001 -> 0004" in capsys.readouterr().out
    assert main(["db", "upgrade"]) == 0  # idempotent
    assert "already at 0004" in capsys.readouterr().out
    assert main(["db", "current", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["current"] == "0004"

    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        for table, count in RELEASE_TABLES.items():
            assert connection.execute(text(f"SELECT count(*) FROM {table}")).scalar() == count
        # CSV became JSON lists; JSON text became JSON columns with new names.
        subs = connection.execute(
            text("SELECT kinds, lead_days FROM reminder_subscription ORDER BY id")
        ).all()
        assert [(json.loads(k), json.loads(d)) for k, d in subs] == [
            (["annual_report", "renewal_review", "custom"], [30, 7, 1]), (["custom"], [0])]
        citations = connection.execute(text("SELECT citations FROM answers WHERE id = 1")).scalar()
        assert [c["ref"] for c in json.loads(citations)] == ["第十五条", "第六条"]
        columns = {c["name"] for c in inspect(connection).get_columns("assessment_answers")}
        assert "value" in columns and "value_json" not in columns
        assert connection.execute(text("PRAGMA foreign_key_check")).all() == []
    engine.dispose()

    # The application reads the upgraded rows through its own models.
    from handlers.ask.models import AnswerRecord
    from handlers.assess.models import AssessmentAnswer, AssessmentRecord
    from handlers.reminders.models import ReminderSubscription

    db = Database(f"sqlite:///{path}")
    with db.session() as session:
        sub = session.get(ReminderSubscription, 1)
        assert sub is not None and sub.lead_list == [30, 7, 1]
        assert sub.kind_list == ["annual_report", "renewal_review", "custom"]
        values = {a.indicator: a.value for a in session.exec(select(AssessmentAnswer)).all()}
        assert values["output_value_yi"] == [41.5, 45, 50]
        assert values["no_major_incidents"] is True and values["area_km2"] is None
        assert values["sme_output_share_pct"] == 72
        done = session.get(AssessmentRecord, 1)
        assert done is not None and done.result is not None
        assert done.result["gates"][0]["status"] == "pass"
        answer = session.get(AnswerRecord, 1)
        assert answer is not None and answer.citations[1]["item"] == "（四）"
    db.dispose()


def test_downgrade_to_the_baseline_gives_the_release_schema_back(tmp_path: Path) -> None:
    path = _release_file(tmp_path)
    engine = create_engine(f"sqlite:///{path}")
    migrations.upgrade(engine)
    migrations.downgrade(engine, migrations.BASELINE)
    with engine.connect() as connection:
        assert connection.execute(
            text("SELECT kinds, lead_days FROM reminder_subscription WHERE id = 1")
        ).one() == ("annual_report,renewal_review,custom", "30,7,1")
        for table, count in RELEASE_TABLES.items():
            assert connection.execute(text(f"SELECT count(*) FROM {table}")).scalar() == count
    engine.dispose()


def test_a_half_made_database_is_refused_clearly(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'odd.sqlite3'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE users (id INTEGER PRIMARY KEY)"))
    with pytest.raises(RuntimeError, match="some of smebot's tables"):
        migrations.upgrade(engine)
    engine.dispose()


def test_start_up_without_auto_upgrade_names_the_command(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'new.sqlite3'}")
    with pytest.raises(RuntimeError, match="smebot db upgrade"):
        migrations.prepare(db, auto_upgrade=False)
    assert migrations.prepare(db) == migrations.head_revision()
    assert migrations.prepare(db, auto_upgrade=False) == migrations.head_revision()
    db.dispose()


def test_an_unreachable_database_is_a_clear_cli_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://nobody:secret@127.0.0.1:9/none")
    assert main(["db", "upgrade"]) == 2
    err = capsys.readouterr().err
    assert "cannot reach the database" in err and "secret" not in err


def test_a_database_made_by_create_all_is_stamped_head_not_converted(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'made.sqlite3'}")
    migrations.import_all_tables()
    db.create_all()
    assert migrations.upgrade(db.engine) == (migrations.head_revision(),) * 2
    db.dispose()


def test_start_up_on_a_file_without_the_subscription_index_folds_duplicates(
    db_url: str,
) -> None:
    """A database of a build before "one subscription per batch" (create_all, no Alembic
    history, no unique index, two active subscriptions of one batch): start-up's migrations fold
    the duplicates and build the index (revision 0004). Of two deliveries for one (deadline,
    lead) the sent one is kept, so nothing goes out twice; the others move to the survivor."""
    from handlers.reminders.models import ReminderDelivery, ReminderSubscription

    db = Database(db_url)
    db.create_all()
    moment = datetime(2025, 3, 1, tzinfo=UTC)
    with db.engine.begin() as connection:
        connection.execute(text("DROP INDEX uq_reminder_subscription_batch"))
    with db.session() as session:
        subs = [ReminderSubscription(user_id=5, chat_id=5, cluster_name="集群", batch_year=2022,
                                     kinds=kinds, lead_days=leads, created_at=moment)
                for kinds, leads in ((["custom"], [30, 7]), (["annual_report"], [90, 7]))]
        other = ReminderSubscription(user_id=6, chat_id=6, cluster_name="另一个",
                                     batch_year=2022, kinds=["custom"], lead_days=[7],
                                     created_at=moment)
        session.add_all([*subs, other])
        session.commit()
        first, second = (int(s.id or 0) for s in subs)
        for sub_id, key, lead, status in (
            (first, "annual_report:2025", 30, "pending"),
            (second, "annual_report:2025", 30, "sent"),  # the same reminder, already sent
            (second, "annual_report:2025", 7, "pending"),
            (int(other.id or 0), "custom:1", 7, "pending"),
        ):
            session.add(ReminderDelivery(subscription_id=sub_id, deadline_key=key,
                                         lead_days=lead, due=moment.date(), kind="annual_report",
                                         title="年报", chat_id=5, status=status,
                                         created_at=moment, updated_at=moment))
        session.commit()
    try:
        assert migrations.prepare(db) == migrations.head_revision()
        with db.session() as session:
            sub, untouched = session.exec(
                select(ReminderSubscription).order_by(ReminderSubscription.id)  # type: ignore[arg-type]
            ).all()
            assert sub.id == first
            assert sub.kind_list == ["annual_report", "custom"]
            assert sub.lead_list == [90, 30, 7]
            assert (untouched.kind_list, untouched.lead_list) == (["custom"], [7])
            deliveries = {(d.subscription_id, d.deadline_key, d.lead_days): d.status
                          for d in session.exec(select(ReminderDelivery)).all()}
        assert deliveries == {
            (first, "annual_report:2025", 30): "sent",
            (first, "annual_report:2025", 7): "pending",
            (int(untouched.id or 0), "custom:1", 7): "pending",
        }
        with db.engine.connect() as connection:
            assert "uq_reminder_subscription_batch" in migrations.index_names(
                connection, "reminder_subscription")
    finally:
        db.dispose()
