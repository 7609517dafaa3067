"""Every /assess button as a typed CallbackData factory: one class per meaning, each field with
one meaning (the old single callback carried 15 string actions and a field `v` that meant an
edition, a step, a section or another assessment).

Ownership: a button that names an assessment (`aid`) is checked against the presser through the
repository (`get_owned`); a button that names none yet (the edition menu, history) carries the
id of the user it was shown to (`owner`). Another user pressing either gets an answer and
changes nothing. Telegram allows 64 bytes of callback data; the longest here is well inside.
"""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class EditionCb(CallbackData, prefix="ase"):
    """Start a new draft with `edition`; shown to `owner` only."""

    owner: int
    edition: str


class HistoryCb(CallbackData, prefix="ash"):
    """Show `owner`'s finished assessments."""

    owner: int


class DraftAction(StrEnum):
    CONTINUE = "c"
    RESTART = "r"


class DraftCb(CallbackData, prefix="asd"):
    """Continue draft `aid`, or discard it and start over."""

    action: DraftAction
    aid: int


class YesNo(StrEnum):
    YES = "y"
    NO = "n"
    UNSURE = "u"


class AnswerCb(CallbackData, prefix="asa"):
    """A yes/no/not-sure answer to the question at `step` of draft `aid` (a button of an older
    step is stale and answers nothing)."""

    aid: int
    step: int
    answer: YesNo


class Move(StrEnum):
    BACK = "b"
    SKIP = "s"
    QUIT = "q"


class MoveCb(CallbackData, prefix="asm"):
    """Back, skip or leave, from the question at `step` (QUIT also from the summary)."""

    aid: int
    step: int
    move: Move


class Choice(StrEnum):
    SUGGESTED = "s"
    TYPED = "t"


class ConfirmCb(CallbackData, prefix="asp"):
    """The answer to "您是指 45 亿元吗？" for the implausible value typed at `step`."""

    aid: int
    step: int
    choice: Choice


class SectionCb(CallbackData, prefix="ass"):
    """From the summary: change section `section` (0 the gate, 1–8 the dimensions)."""

    aid: int
    section: int


class FinishCb(CallbackData, prefix="asf"):
    """Submit draft `aid` for the verdict."""

    aid: int


class ResultAction(StrEnum):
    VIEW = "v"
    REPORT = "r"  # the chart and the Word report
    HTML = "h"  # the HTML report


class ResultCb(CallbackData, prefix="asr"):
    """Show finished assessment `aid` again, or send its chart and report."""

    action: ResultAction
    aid: int


class CompareCb(CallbackData, prefix="asc"):
    """Compare finished assessments `aid` and `other`."""

    aid: int
    other: int
