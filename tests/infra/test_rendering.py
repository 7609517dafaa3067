"""HTML rendering: escaping and splitting, checked with the stand-in's Telegram HTML parser."""

from __future__ import annotations

import pytest

from handlers.ask.views import citation_line  # the ask slice's citation line, same HTML rules
from infra.rendering import (
    MESSAGE_LIMIT,
    bold,
    bold_lead,
    escape,
    quote_block,
    split_html,
    split_plain,
    strip_html,
    utf16_len,
)
from tests.support.bot_api import EntityParseError, parse_html

HOSTILE = '<script>alert("x")</script> & &amp; &#0; </b> <b> a<b c>d \x00\x07\x1b end'


def test_escape_makes_hostile_text_parse_as_plain_text() -> None:
    escaped = escape(HOSTILE)
    visible = parse_html(escaped)
    # Markup characters survive as text; control characters are gone.
    assert "<script>" in visible
    assert "&amp;" in visible
    assert "\x00" not in visible and "\x07" not in visible and "\x1b" not in visible
    assert visible.endswith(" end")


def test_raw_hostile_text_would_be_rejected() -> None:
    # Guard for the test above: the parser really rejects what escape() fixes.
    with pytest.raises(EntityParseError):
        parse_html(HOSTILE)


@pytest.mark.parametrize(
    "markup",
    [
        bold("a < b & c"),
        quote_block("引用 <原文> & 说明\n第二行"),
        citation_line("《暂行办法》第十五条 <x>"),
        citation_line("Measures art. 15 & 16", "en"),
        bold_lead("第一句<b>。第二句 & 第三句！"),
        bold_lead("No sentence end & <tags>"),
    ],
)
def test_helpers_produce_valid_telegram_html(markup: str) -> None:
    assert parse_html(markup).strip()


def test_bold_lead_bolds_only_the_first_sentence() -> None:
    assert bold_lead("集群有效期为三年。期满后复核。") == "<b>集群有效期为三年。</b>期满后复核。"
    # The separator after an English sentence is kept: sentences must not run together.
    assert bold_lead("Valid for three years. Then reviewed.") == (
        "<b>Valid for three years.</b> Then reviewed."
    )
    assert bold_lead("Short answer: 3 years (三年).\nA cluster is reviewed.") == (
        "<b>Short answer: 3 years (三年).</b>\nA cluster is reviewed."
    )
    assert bold_lead("答：三年。\n依据第十五条。") == "<b>答：三年。</b>\n依据第十五条。"


def test_citation_line_language() -> None:
    assert citation_line("X", "zh") == "📖 出处：X"
    assert citation_line("X", "en") == "📖 Source: X"


def test_short_text_is_not_split() -> None:
    assert split_html("<b>hi</b>") == ["<b>hi</b>"]
    assert split_html("  \n ") == []


def test_split_prefers_paragraph_boundaries() -> None:
    paragraphs = [f"第{n}段 " + "字" * 900 for n in range(10)]
    parts = split_html("\n\n".join(paragraphs))
    assert len(parts) > 1
    for part in parts:
        assert utf16_len(part) <= MESSAGE_LIMIT
        # Every part holds whole paragraphs only.
        for paragraph in part.split("\n\n"):
            assert paragraph in paragraphs
    assert "\n\n".join(parts) == "\n\n".join(paragraphs)


def test_split_inside_a_long_entity_closes_and_reopens_tags() -> None:
    text = "<blockquote><b>" + "a &amp; b " * 1200 + "</b></blockquote>"
    parts = split_html(text)
    assert len(parts) >= 3
    for part in parts:
        assert utf16_len(part) <= MESSAGE_LIMIT
        parse_html(part)  # well-formed on its own
        assert part.startswith("<blockquote><b>") and part.endswith("</b></blockquote>")
    visible = "".join(parse_html(p) for p in parts)
    assert visible.replace(" ", "") == parse_html(text).replace(" ", "")


def test_split_never_cuts_an_entity_or_tag() -> None:
    text = "&amp;" * 3000 + '<a href="https://example.com/x">link</a>' * 200
    for part in split_html(text, limit=1000):
        parse_html(part)
        assert utf16_len(part) <= 1000


def test_split_counts_utf16_units() -> None:
    text = "😀" * 3000  # 6000 UTF-16 units, 3000 code points
    parts = split_html(text)
    assert len(parts) == 2
    assert all(utf16_len(p) <= MESSAGE_LIMIT for p in parts)
    assert "".join(parts) == text


def test_split_plain_escapes_then_splits() -> None:
    parts = split_plain("<x> & " * 2000)
    assert len(parts) > 1
    assert all("&lt;x&gt; &amp;" in part for part in parts)
    assert all(parse_html(part) for part in parts)


def test_strip_html() -> None:
    assert strip_html("<b>a &lt;b&gt;</b> &amp; c") == "a <b> & c"
