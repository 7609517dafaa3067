"""The clock helpers and the one 403 path (a blocked private chat marks its user inactive)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from infra.clock import local_date, make_clock, today_in
from infra.db import Database
from infra.users import get_user, mark_blocked_chat, upsert_user

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_today_in_the_configured_zone() -> None:
    # 17:30 UTC on 31 Dec is already 1 Jan in Beijing.
    clock = make_clock(datetime(2025, 12, 31, 17, 30, tzinfo=UTC))
    assert today_in(clock, SHANGHAI) == date(2026, 1, 1)
    assert today_in(clock, UTC) == date(2025, 12, 31)
    assert local_date(datetime(2025, 12, 31, 17, 30), SHANGHAI) == date(2026, 1, 1)  # naive: UTC
    with pytest.raises(ValueError):
        make_clock(datetime(2025, 1, 1))


def test_blocked_private_chat_marks_the_user_inactive(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'u.sqlite3'}")
    db.create_all()
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with db.session() as session:
        upsert_user(session, user_id=5, first_name="A", username=None, language_code="zh",
                    now=now)
    mark_blocked_chat(db, -100123)  # a group: no user row to touch, no error
    mark_blocked_chat(db, 999)  # an unknown user: nothing to mark
    mark_blocked_chat(db, 5)
    with db.session() as session:
        user = get_user(session, user_id=5)
        assert user is not None and not user.is_active
        upsert_user(session, user_id=5, first_name="A", username=None, language_code="zh",
                    now=now)  # any update from them proves they are reachable again
        assert get_user(session, user_id=5).is_active  # type: ignore[union-attr]
    db.dispose()
