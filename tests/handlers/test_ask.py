"""Questions, sources, feedback, non-text messages and groups — over HTTP with the doubles.

The stand-in rejects malformed HTML, over-long texts and over-long callback data with a 400,
so every test here also checks that what the bot sent was valid Telegram.
"""

from __future__ import annotations

from sqlmodel import select

from handlers.ask.models import AnswerRecord
from tests.support.bot_api import SentMessage
from tests.support.fixtures import BotHarness


def no_rejected_calls(h: BotHarness) -> None:
    rejected = [(r.method, r.description) for r in h.api.requests if r.status != 200]
    assert rejected == []


async def test_question_gets_cited_answer_with_buttons(fake_harness: BotHarness) -> None:
    h = fake_harness
    reply = await h.reply(21, "集群有效期多久？", "出处")
    assert "❓ 集群有效期多久？" in reply.text
    assert "<b>集群有效期为三年。</b>" in reply.html
    assert "📖 出处：《暂行办法》第十五条" in reply.text
    assert reply.button_texts == ["查看原文", "👍", "👎"]
    assert all(len(b.callback_data.encode()) <= 64 for b in reply.buttons if b.callback_data)
    # "typing…" was shown while answering.
    assert h.api.calls("sendChatAction", chat_id=21)
    with h.db.session() as session:
        [record] = session.exec(select(AnswerRecord)).all()
    assert record.question == "集群有效期多久？" and record.in_scope
    assert record.citations[0]["ref"] == "第十五条"
    no_rejected_calls(h)


async def test_source_button_shows_the_whole_article(fake_harness: BotHarness) -> None:
    h = fake_harness
    reply = await h.reply(22, "年报什么时候交？", "出处")
    assert reply.button_texts[:2] == ["查看原文 1", "查看原文 2"]
    article = await h.click(22, reply, "查看原文 1", "第十六条")
    assert "每年4月30日前填报" in article.text
    assert "促进中小企业特色产业集群发展暂行办法" in article.text
    # Citation 2 is a long article: split over several messages, each within the limit.
    mark = h.api.mark()
    await h.press(22, reply, "查看原文 2")
    await h.wait_for(22, "第8段", after=mark)
    parts = h.messages(22, after=mark)
    assert len(parts) >= 2
    assert all(len(p.text) <= 4096 for p in parts)
    assert "第1段" in parts[0].text and "第8段" in parts[-1].text
    no_rejected_calls(h)


async def test_feedback_is_stored_and_can_be_changed(fake_harness: BotHarness) -> None:
    h = fake_harness
    reply = await h.reply(23, "集群有效期多久？", "出处")
    marked = await h.click(23, reply, "👍", lambda m: "👍 ✓" in m.button_texts)
    assert marked.message_id == reply.message_id  # the same message, buttons edited
    [feedback] = h.feedback()
    assert (feedback.user_id, feedback.vote) == (23, 1)
    await h.click(23, marked, "👎", lambda m: "👎 ✓" in m.button_texts)
    [feedback] = h.feedback()
    assert feedback.vote == -1
    # Pressing the same vote again changes nothing on screen: no "not modified" error escapes.
    again = await h.press(23, h.api.message(23, reply.message_id), "👎")  # type: ignore[arg-type]
    await h.settle()
    assert str(again.update["callback_query"]["id"]) in h.api.callback_answers
    assert [f.vote for f in h.feedback()] == [-1]
    assert not any("出了点问题" in m.text for m in h.messages(23))


async def test_out_of_scope_answer_has_no_source_button(fake_harness: BotHarness) -> None:
    reply = await fake_harness.reply(24, "今天天气怎么样？", "超出")
    assert reply.button_texts == ["👍", "👎"]
    assert "出处" not in reply.text


async def test_long_answer_is_split_with_buttons_on_the_last_part(
    fake_harness: BotHarness,
) -> None:
    h = fake_harness
    sent = await h.send(25, "给我一个长答案")
    last = await h.wait_for(25, lambda m: bool(m.buttons), after=sent.mark)
    parts = h.messages(25, after=sent.mark)
    assert len(parts) >= 2 and parts[-1] is last
    assert all(not p.buttons for p in parts[:-1])
    assert "<注意> & 细节" in parts[0].text  # escaped in HTML, shown verbatim
    no_rejected_calls(h)


async def test_non_text_messages_get_a_hint(fake_harness: BotHarness) -> None:
    h = fake_harness
    for kind in ("photo", "sticker", "voice"):
        sent = await h.send_content(26, kind)
        hint = await h.wait_for(26, "文字", after=sent.mark)
        assert "只能读文字" in hint.text


async def test_unknown_command_is_not_a_question(fake_harness: BotHarness) -> None:
    h = fake_harness
    reply = await h.reply(27, "/nonsense")
    assert "没有这个命令" in reply.text
    assert h.answerer.calls == []


async def test_groups_answer_mentions_and_commands_only(fake_harness: BotHarness) -> None:
    h = fake_harness
    group = -100500
    await h.send(28, "集群有效期多久？", chat_id=group, chat_type="supergroup")
    await h.send_content(28, "sticker", chat_id=group, chat_type="supergroup")
    await h.settle()
    assert h.messages(group) == []  # plain chatter and stickers are ignored
    answer = await h.reply(
        28, "@smebot_test_bot 集群有效期多久？", "出处", chat_id=group, chat_type="supergroup"
    )
    assert "❓ 集群有效期多久？" in answer.text
    assert answer.reply_to_message_id is not None  # threaded under the question
    assert h.answerer.calls[-1][0] == "集群有效期多久？"  # mention removed
    help_reply = await h.reply(28, "/help", chat_id=group, chat_type="supergroup")
    assert "/assess" in help_reply.text


def button_data(message: SentMessage) -> list[str]:
    return [b.callback_data or "" for b in message.buttons]


async def test_buttons_keep_working_after_restart(fake_harness: BotHarness) -> None:
    h = fake_harness
    reply = await h.reply(29, "集群有效期多久？", "出处")
    await h.restart()  # answer identity lives in the DB, not in memory
    article = await h.click(29, reply, "查看原文", "集群有效期为三年。有效期满后")
    assert "第十五条" in article.text
    assert all(data.startswith(("src:", "fb:")) for data in button_data(reply))
