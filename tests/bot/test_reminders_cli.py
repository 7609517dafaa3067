"""`smebot reminders …`: plan (CONTRACTS.md shape), add-deadline, stats, run-once over HTTP."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.cli import main
from handlers.reminders import repo
from infra.db import Database
from infra.settings import Settings
from tests.support.bot_api import BotAPIStandIn


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> object:
    assert main(list(argv)) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1  # one JSON document, nothing else on stdout
    return json.loads(out)


def test_plan_contract_example(capsys: pytest.CaptureFixture[str]) -> None:
    payload = run_json(capsys, "reminders", "plan", "--batch-year", "2022", "--today",
                       "2025-01-10", "--json")
    assert payload == {
        "batch_year": 2022,
        "valid_from": "2023-01-01",
        "valid_until": "2025-12-31",
        "deadlines": [
            {"kind": "annual_report", "due": "2025-04-30",
             "title": "报送2024年度集群发展工作情况（第十六条）"},
            {"kind": "renewal_review", "due": "2025-12-31",
             "title": "有效期届满（2023–2025年），接受复核（第十五条）"},
        ],
    }


@pytest.mark.parametrize("year", ["2019", "2099"])
def test_plan_bad_batch_year(capsys: pytest.CaptureFixture[str], year: str) -> None:
    code = main(["reminders", "plan", "--batch-year", year, "--today", "2025-01-10", "--json"])
    captured = capsys.readouterr()
    assert code != 0 and captured.out == ""
    assert f"batch year {year} is not valid" in captured.err


def test_plan_uses_smebot_now(capsys: pytest.CaptureFixture[str],
                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMEBOT_NOW", "2025-05-01T08:00:00+08:00")
    payload = run_json(capsys, "reminders", "plan", "--batch-year", "2022", "--json")
    assert [d["kind"] for d in payload["deadlines"]] == ["renewal_review"]  # type: ignore[index]


def test_add_deadline_then_plan_and_stats(capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMEBOT_NOW", "2025-01-10T10:00:00+08:00")
    added = run_json(capsys, "reminders", "add-deadline", "--title", "2025年省级推荐截止",
                     "--due", "2025-06-30", "--json")
    assert added["due"] == "2025-06-30" and added["kind"] == "custom"  # type: ignore[index]
    plan = run_json(capsys, "reminders", "plan", "--batch-year", "2022", "--json")
    kinds = [(d["kind"], d["due"]) for d in plan["deadlines"]]  # type: ignore[index]
    assert ("custom", "2025-06-30") in kinds
    stats = run_json(capsys, "reminders", "stats", "--json")
    assert stats["custom_deadlines"] == 1 and stats["active_subscriptions"] == 0  # type: ignore[index]
    code = main(["reminders", "add-deadline", "--title", "x", "--due", "2024-01-01"])
    assert code != 0 and "passed" in capsys.readouterr().err


async def test_run_once_sends_due_reminders_over_http(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "cli-data"
    settings = Settings(smebot_data_dir=data_dir)
    db = Database(settings.resolved_database_url)
    db.create_all()
    with db.session() as session:
        for chat in (501, 502):
            repo.create_subscription(
                session, user_id=chat, chat_id=chat, cluster_name="C", batch_year=2022,
                kinds=["annual_report"], lead_days=[30],
                now=datetime(2025, 3, 1, tzinfo=ZoneInfo("Asia/Shanghai")),
            )
    db.dispose()
    async with BotAPIStandIn() as api:
        for chat in (501, 502):
            api.user(chat)
            api.chats[chat] = {"id": chat, "type": "private", "first_name": "U"}
        api.fail_next("sendMessage", 502, count=1)
        for name, value in {"SMEBOT_DATA_DIR": str(data_dir), "TELEGRAM_BOT_TOKEN": api.token,
                            "TELEGRAM_API_BASE": api.base_url,
                            "SMEBOT_NOW": "2025-03-31T09:30:00+08:00",
                            "TELEGRAM_RETRY_BASE_DELAY": "0.01"}.items():
            monkeypatch.setenv(name, value)
        outputs = []
        for _ in range(2):  # the second run (a cron re-run) must send nothing
            # The CLI runs its own event loop (asyncio.run): give it a thread, as cron would
            # give it a process, while the stand-in keeps serving on this loop.
            code = await asyncio.to_thread(main, ["reminders", "run-once", "--json"])
            assert code == 0
            outputs.append(json.loads(capsys.readouterr().out))
        assert outputs[0]["sent"] == 2 and outputs[1]["sent"] == 0
        assert [m.chat_id for c in (501, 502) for m in api.messages(c)] == [501, 502]
        assert len(api.calls("sendMessage", status=502)) == 1  # retried, not lost


def test_run_once_needs_a_token(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["reminders", "run-once", "--json"]) != 0
    captured = capsys.readouterr()
    assert captured.out == "" and "TELEGRAM_BOT_TOKEN" in captured.err
