"""Tried as a hostile (or just unlucky) user would: foreign buttons, forged callback data,
blank messages. Every press gets an answer; nobody acts on another user's buttons."""

from __future__ import annotations

from sqlmodel import select

from handlers.ask.models import AnswerRecord
from tests.support.bot_api import SentMessage
from tests.support.fixtures import BotHarness

OWNER, STRANGER = 31, 32
GROUP = -1001


def _answer_of(h: BotHarness, sent: dict) -> dict:
    """The callback answer the bot gave to the press `sent` (a queued update)."""
    return h.api.callback_answers[str(sent["callback_query"]["id"])]


async def _press(h: BotHarness, user_id: int, message: SentMessage, button: str) -> dict:
    sent = h.api.press(user_id, message, button)
    await h.settle()
    return _answer_of(h, sent)


async def _press_data(h: BotHarness, user_id: int, message: SentMessage, data: str) -> dict:
    sent = h.api.press_data(user_id, message, data)
    await h.settle()
    return _answer_of(h, sent)


async def _group_answer(h: BotHarness) -> SentMessage:
    me = f"@{(await h.bot.me()).username}"
    return await h.reply(OWNER, f"{me} 集群有效期多久？", "出处", chat_id=GROUP,
                         chat_type="supergroup")


async def test_feedback_on_another_users_answer_is_refused(fake_harness: BotHarness) -> None:
    h = fake_harness
    answer = await _group_answer(h)
    refused = await _press(h, STRANGER, answer, "👍")
    assert refused.get("show_alert") is True and "其他用户" in refused["text"]
    assert h.feedback() == []
    assert "👍 ✓" not in h.api.message(GROUP, answer.message_id).button_texts  # type: ignore[union-attr]
    # The owner still can.
    await _press(h, OWNER, answer, "👍")
    assert [f.user_id for f in h.feedback()] == [OWNER]


async def test_forged_feedback_on_a_sequential_id_is_refused(fake_harness: BotHarness) -> None:
    h = fake_harness
    await h.reply(OWNER, "集群有效期多久？", "出处")
    mine = await h.reply(STRANGER, "年报什么时候交？", "出处")
    with h.db.session() as session:
        owners = {r.user_id: r.id for r in session.exec(select(AnswerRecord)).all()}
    refused = await _press_data(h, STRANGER, mine, f"fb:{owners[OWNER]}:-1")
    assert refused.get("show_alert") is True
    assert h.feedback() == []


async def test_sources_of_another_users_answer_cannot_be_sent_into_my_chat(
    fake_harness: BotHarness,
) -> None:
    h = fake_harness
    await h.reply(OWNER, "集群有效期多久？", "出处")
    mine = await h.reply(STRANGER, "年报什么时候交？", "出处")
    with h.db.session() as session:
        theirs = next(r.id for r in session.exec(select(AnswerRecord)).all()
                      if r.user_id == OWNER)
    before = len(h.messages(STRANGER))
    refused = await _press_data(h, STRANGER, mine, f"src:{theirs}:0")
    assert refused.get("show_alert") is True and "其他用户" in refused["text"]
    assert len(h.messages(STRANGER)) == before  # nothing of the owner's answer was sent
    # In a group, a stranger's press on the owner's 查看原文 is refused as well.
    group = await _group_answer(h)
    mark = h.api.mark()
    assert (await _press(h, STRANGER, group, "查看原文")).get("show_alert") is True
    assert h.messages(GROUP, after=mark) == []


async def test_data_the_bot_never_issued_gets_an_answer(fake_harness: BotHarness) -> None:
    h = fake_harness
    start = await h.reply(OWNER, "/start")
    for data in ("nonsense", "ex:zh:notanumber:1", "fb:999999:1", "zz:1:2:3", "lang"):
        answered = await _press_data(h, OWNER, start, data)
        assert "text" in answered, data  # the spinner stopped, with a word of explanation


async def test_lang_xx_is_refused_not_taken_as_chinese(fake_harness: BotHarness) -> None:
    h = fake_harness
    await h.reply(OWNER, "/lang en", "English")
    menu = await h.reply(OWNER, "/lang", "Choose")
    refused = await _press_data(h, OWNER, menu, f"lang:xx:{OWNER}")
    assert refused.get("show_alert") is True and "Unsupported" in refused["text"]
    assert h.user_row(OWNER).lang_override == "en"  # type: ignore[union-attr]


async def test_strangers_cannot_press_account_buttons(fake_harness: BotHarness) -> None:
    h = fake_harness
    menu = await h.reply(OWNER, "/lang", "Choose")
    assert (await _press(h, STRANGER, menu, "English")).get("show_alert") is True
    assert h.user_row(STRANGER) is None or h.user_row(STRANGER).lang_override is None  # type: ignore[union-attr]
    start = await h.reply(OWNER, "/start")
    mark = h.api.mark()
    assert (await _press(h, STRANGER, start, "有效期")).get("show_alert") is True
    assert h.messages(OWNER, after=mark) == [] and h.messages(STRANGER, after=mark) == []
    ask = await h.reply(OWNER, "/forget", "无法撤销")
    # Forged: the stranger sends the confirmation with the owner's id in it.
    refused = await _press_data(h, STRANGER, ask, f"forget:1:{OWNER}")
    assert refused.get("show_alert") is True
    assert h.user_row(OWNER) is not None
    assert h.api.message(OWNER, ask.message_id).buttons  # type: ignore[union-attr]


async def test_a_private_message_of_only_spaces_gets_a_clear_reply(
    fake_harness: BotHarness,
) -> None:
    h = fake_harness
    for blank in ("   ", "\u3000\u3000", "\u200b"):
        reply = await h.reply(OWNER, blank)
        assert "空白" in reply.text and "@我" not in reply.text
