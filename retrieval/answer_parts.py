"""What every answerer shares: the answered `Part`, dates in both languages, and citations of
criteria editions and typed facts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from knowledge.criteria import CriteriaEdition
from knowledge.facts import Cited
from knowledge.kb import KnowledgeBase, Located
from retrieval.answer import Citation
from retrieval.frame import Framer


@dataclass
class Part:
    """One answered part of a question."""

    lines: list[str]
    citations: list[Citation] = field(default_factory=list)
    lead: str | None = None  # the short answer ("答：…" / "Short answer: …")
    # Answered from words as common as "who", "steps" or "issued": only when retrieval, too,
    # finds the question about this knowledge (else an off-topic "who…" would get it).
    needs_evidence: bool = False

    def text(self, lang: str) -> str:
        head = []
        if self.lead:
            head.append(("Short answer: " if lang == "en" else "答：") + self.lead)
        return "\n".join([*head, *self.lines])


def _zh_date(value: date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def _en_date(value: date) -> str:
    return value.strftime("%B %-d, %Y")


class AnswererBase:
    def __init__(self, kb: KnowledgeBase, framer: Framer) -> None:
        self.kb = kb
        self.framer = framer
        self.facts = kb.facts

    # -- citations ---------------------------------------------------------------------------

    def _criteria_citation(self, edition: CriteriaEdition, ref: str, quote: str) -> Citation:
        return Citation(
            doc=f"criteria-{edition.id}", ref=ref, quote=quote, label=edition.label(ref)
        )

    def _fact_citation(self, cited: Cited, quote: str | None = None) -> Citation:
        located = self.kb.find(f"{cited.doc} {cited.ref}")
        assert located is not None, cited
        return self._located_citation(located, quote)

    def _cite(self, ref_text: str) -> Citation | None:
        """The citation of a unit found by how people write it ("第十五条"), or None."""
        located = self.kb.find(ref_text)
        return None if located is None else self._located_citation(located)

    @staticmethod
    def _located_citation(located: Located, quote: str | None = None) -> Citation:
        """A fact unit's citation, labelled with its heading ("公开报道·历年推荐的共同要求")."""
        heading = located.heading or ""
        label = located.label if heading in located.label else f"{located.label}·{heading}"
        return Citation(doc=located.doc_id, ref=located.ref, quote=quote or located.text,
                        label=label)
