"""Answerers per intent: computed from the criteria engine and the typed facts, and cited.

Each answerer takes a `Frame` and returns a `Part` (plain text + citations) or None when it does
not apply, leaving the question to the next answerer and finally to retrieval. Figures in a
question are judged by `knowledge.engine.assess` for the edition asked (national by default,
and the answer says which); rounds, batches and validity windows come from typed records, and a
field the record lacks is said to be unrecorded, never filled from another year.
"""


from __future__ import annotations

from retrieval.answer_parts import Part
from retrieval.criteria_answerers import pick_indicators
from retrieval.edition_answerers import EditionAnswerers
from retrieval.process_answerers import ProcessAnswerers
from retrieval.round_answerers import RoundAnswerers

__all__ = ["Answerers", "Part", "pick_indicators"]


class Answerers(EditionAnswerers, RoundAnswerers, ProcessAnswerers):
    """Every answerer per intent (respond.py picks which one applies)."""
