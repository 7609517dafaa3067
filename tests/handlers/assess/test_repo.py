"""Assessment storage against the real database engine (SQLite file): ownership, upserted
answers as given, one draft at a time, and /forget taking a user's assessments with them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.schema import FORGETTERS
from handlers.assess import repo
from handlers.assess.models import DISCARDED, DONE, AssessmentAnswer, AssessmentRecord
from infra.db import Database
from infra.users import delete_user, upsert_user

NOW = datetime(2026, 4, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    database.create_all()
    with database.session() as session:
        for user_id in (1, 2):
            upsert_user(session, user_id=user_id, first_name="U", username=None,
                        language_code="zh", now=NOW)
    yield database
    database.dispose()


def test_draft_answers_and_ownership(db: Database) -> None:
    with db.session() as session:
        draft = repo.create_draft(session, user_id=1, chat_id=1, edition="national-2022",
                                  lang="zh", now=NOW)
        aid = int(draft.id or 0)
        repo.save_answer(session, assessment_id=aid, indicator="area_km2", value=80,
                         raw_text="八十平方公里", now=NOW)
        repo.save_answer(session, assessment_id=aid, indicator="area_km2", value=90,
                         raw_text="90", now=NOW)  # replaced, not duplicated
        repo.save_answer(session, assessment_id=aid, indicator="output_value_yi",
                         value=[35, 40, 46.5], raw_text="35，40，46.5", now=NOW)
        repo.save_answer(session, assessment_id=aid, indicator="output_growth_pct", value=None,
                         raw_text=None, skipped=True, now=NOW)
        # A skipped question is left out (not answered); a 不确定 answer would be None.
        assert repo.answers_of(session, assessment_id=aid) == {
            "area_km2": 90, "output_value_yi": [35, 40, 46.5]
        }
        rows = repo.answer_rows(session, assessment_id=aid)
        assert [r.raw_text for r in rows] == ["90", "35，40，46.5", None]
        assert repo.get_owned(session, assessment_id=aid, user_id=1) is not None
        assert repo.get_owned(session, assessment_id=aid, user_id=2) is None
        assert repo.get_owned(session, assessment_id=aid + 100, user_id=1) is None
        assert repo.get_draft(session, user_id=2) is None


def test_one_draft_at_a_time_and_history(db: Database) -> None:
    with db.session() as session:
        first = repo.create_draft(session, user_id=1, chat_id=1, edition="national-2022",
                                  lang="zh", now=NOW)
        second = repo.create_draft(session, user_id=1, chat_id=1, edition="yunnan-2023",
                                   lang="zh", now=NOW)
        assert session.get(AssessmentRecord, first.id).status == DISCARDED  # type: ignore[union-attr]
        assert repo.get_draft(session, user_id=1).id == second.id  # type: ignore[union-attr]
        repo.complete(session, assessment_id=int(second.id or 0), eligible=False,
                      result={"edition": "yunnan-2023"}, now=NOW)
        third = repo.create_draft(session, user_id=1, chat_id=1, edition="national-2022",
                                  lang="zh", now=NOW)
        repo.complete(session, assessment_id=int(third.id or 0), eligible=True,
                      result={"edition": "national-2022"}, now=NOW)
        done = repo.list_done(session, user_id=1)
        assert [r.id for r in done] == [third.id, second.id]
        assert {r.status for r in done} == {DONE}
        previous = repo.previous_done(session, user_id=1, before_id=int(third.id or 0))
        assert previous is not None and previous.id == second.id
        assert repo.previous_done(session, user_id=2, before_id=int(third.id or 0)) is None
        assert repo.list_done(session, user_id=2) == []


@pytest.mark.parametrize("how", ["repo", "forget"])
def test_deleting_a_user_deletes_their_assessments(db: Database, how: str) -> None:
    with db.session() as session:
        mine = repo.create_draft(session, user_id=1, chat_id=1, edition="national-2022",
                                 lang="zh", now=NOW)
        repo.save_answer(session, assessment_id=int(mine.id or 0), indicator="area_km2",
                         value=1, raw_text="1", now=NOW)
        theirs = repo.create_draft(session, user_id=2, chat_id=2, edition="national-2022",
                                   lang="zh", now=NOW)
        repo.save_answer(session, assessment_id=int(theirs.id or 0), indicator="area_km2",
                         value=2, raw_text="2", now=NOW)
        if how == "repo":
            assert repo.delete_for_user(session, user_id=1) == 1
        else:  # /forget: every feature's forgetter, then the user row
            assert delete_user(session, user_id=1, forgetters=FORGETTERS)
        left = session.exec(select(AssessmentRecord)).all()
        assert [r.user_id for r in left] == [2]
        answers = session.exec(select(AssessmentAnswer)).all()
        assert [a.assessment_id for a in answers] == [theirs.id]
