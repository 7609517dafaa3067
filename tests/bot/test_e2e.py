"""End to end over HTTP: the real polling loop, the real answerer and knowledge base, and the
Bot API stand-in (which rejects anything Telegram would reject)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.support.fixtures import BotHarness

pytestmark = pytest.mark.e2e


def rejected(h: BotHarness) -> list[tuple[str, int, str | None]]:
    """Calls Telegram would have refused for the bot's own fault (400)."""
    return [(r.method, r.status, r.description) for r in h.api.requests if r.status == 400]


async def test_start_example_question_source_and_feedback(harness: BotHarness) -> None:
    h = harness
    start = await h.reply(101, "/start", "集群通")
    assert len(start.buttons) == 3
    answer = await h.click(101, start, "有效期", "出处")
    assert "三年" in answer.text
    assert "《暂行办法》第十五条" in answer.text
    assert answer.button_texts[0].startswith("查看原文")
    article = await h.click(101, answer, answer.button_texts[0], "复核通过的有效期延长三年")
    assert "第十五条" in article.text
    await h.click(101, answer, "👍", lambda m: "👍 ✓" in m.button_texts)
    [feedback] = h.feedback()
    assert (feedback.user_id, feedback.vote) == (101, 1)
    assert rejected(h) == []


async def test_typed_question_in_english(harness: BotHarness) -> None:
    reply = await harness.reply(
        102, "How long is a cluster's recognition valid?", "Source", language_code="en"
    )
    assert "three years" in reply.text.lower()
    # One "Full text" button per cited source (the article and the batch rule).
    assert reply.button_texts[0] in ("Full text", "Full text 1")


async def test_out_of_scope_question_is_refused_politely(harness: BotHarness) -> None:
    reply = await harness.reply(103, "今天北京天气怎么样？", lambda m: bool(m.buttons))
    assert "出处" not in reply.text
    assert reply.button_texts == ["👍", "👎"]


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert('x')</script> 集群有效期多久？",
        "A & B &amp; <b>bold</b> </i> 复核",
        "控制字符\x00\x01\x07\x1b测试 有效期",
        "长" * 4000,
        "&#0; &nbsp; < > 申报",
    ],
    ids=["script", "ampersands-and-tags", "control-chars", "4000-chars", "entities"],
)
async def test_hostile_text_is_answered_with_valid_html(harness: BotHarness, text: str) -> None:
    reply = await harness.reply(104, text, lambda m: bool(m.buttons), timeout=20)
    assert reply.text.startswith("❓ ")
    echoed = reply.text.splitlines()[0]
    if "<script>" in text:
        assert "<script>alert('x')</script>" in echoed  # shown as text, not markup
    assert "\x00" not in reply.text and "\x07" not in reply.text
    assert all(len(m.text) <= 4096 for m in harness.messages(104))
    assert rejected(harness) == []


async def test_429_is_honoured_and_the_answer_delivered(harness: BotHarness) -> None:
    h = harness
    h.api.fail_next("sendMessage", 429, retry_after=1, chat_id=105)
    started = time.monotonic()
    reply = await h.reply(105, "集群有效期多久？", "出处", timeout=20)
    assert time.monotonic() - started >= 1.0  # waited as Telegram asked
    assert [r.status for r in h.api.calls("sendMessage", chat_id=105)] == [429, 200]
    assert "三年" in reply.text


async def test_5xx_is_retried_with_backoff(harness: BotHarness) -> None:
    h = harness
    h.api.fail_next("sendMessage", 502, count=2, chat_id=106)
    reply = await h.reply(106, "集群有效期多久？", "出处", timeout=20)
    assert [r.status for r in h.api.calls("sendMessage", chat_id=106)] == [502, 502, 200]
    assert "三年" in reply.text


async def test_blocked_user_is_marked_inactive_and_others_still_served(
    harness: BotHarness,
) -> None:
    h = harness
    await h.reply(107, "/start")
    assert h.user_row(107).is_active  # type: ignore[union-attr]
    h.api.block(107)
    await h.send(107, "集群有效期多久？")
    await h.api.wait_for_call("sendMessage", chat_id=107, status=403)
    await h.settle()
    assert not h.user_row(107).is_active  # type: ignore[union-attr]
    # One 403, no retries and no apology attempt loops.
    assert len(h.api.calls("sendMessage", chat_id=107, status=403)) == 1
    other = await h.reply(108, "集群有效期多久？", "出处")
    assert "三年" in other.text
    # Unblocking and writing again re-activates the user.
    h.api.unblock(107)
    await h.reply(107, "/help")
    assert h.user_row(107).is_active  # type: ignore[union-attr]


async def test_bot_survives_a_handler_exception(
    harness: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    h = harness
    real_ask = h.answerer.ask
    calls = {"n": 0}

    def flaky_ask(question: str, lang: str | None = None) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("index corrupted (simulated)")
        return real_ask(question, lang)

    monkeypatch.setattr(h.answerer, "ask", flaky_ask)
    apology = await h.reply(109, "集群有效期多久？", "出了点问题")
    assert "/help" in apology.text
    reply = await h.reply(109, "集群有效期多久？", "出处")
    assert "三年" in reply.text
    assert h.running
