"""Answer composition: the key fact first, then the best sentence(s) quoted with the citation.

Nothing here is written per question. The lead comes from the question's intent (how long /
when / how much / how many / who) applied to the cited text: the first phrase of that kind in
the quoted sentence ("三年", "4月30日", "40亿元"). English questions get an English lead (the FAQ
entry's summary of the unit, or the key fact rendered in English) and the Chinese quote.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from retrieval.answer import Citation
from retrieval.chunks import Unit
from retrieval.config import ComposeConfig
from retrieval.key_facts import (
    batch_year,
    compare_years,
    detect_intents,
    english_fact,
    fact_matches,
    has_template,
    instantiate_validity,
    key_fact,
    key_facts,
    lead_clauses,
    without_asides,
)
from retrieval.replies import (
    EMPTY_EN,
    EMPTY_ZH,
    OUT_OF_SCOPE_EN,
    OUT_OF_SCOPE_ZH,
    SECONDARY_NOTE_EN,
    SECONDARY_NOTE_ZH,
    display_label,
    missing_answer,
    refusal,
    source_line,
)
from retrieval.text import split_sentences

__all__ = [
    "EMPTY_EN", "EMPTY_ZH", "OUT_OF_SCOPE_EN", "OUT_OF_SCOPE_ZH", "SECONDARY_NOTE_EN",
    "SECONDARY_NOTE_ZH", "Composer", "batch_year", "compare_years", "detect_intents",
    "display_label", "english_fact", "fact_matches", "has_template", "instantiate_validity",
    "key_fact", "key_facts", "lead_clauses", "missing_answer", "refusal", "without_asides",
]

# "Who does what" questions ("工信部和省里各管啥") want every party's sentence: a unit up to
# ComposeConfig.division_text_chars long is quoted whole for them.
_DIVISION_WORDS = ("各管", "各自", "分别", "分工", "各负责", "各干", "各做", "respectively")
# A question about consequences ("不申请复核会怎样") is not answered by a number in the quote.
_CONSEQUENCE = re.compile(r"会怎样|会怎么样|怎么办|后果|what happens", re.IGNORECASE)
# A sentence that opens a new labelled block ("指标：……") is not the previous one's neighbour.
_LABELLED = re.compile(r"^[\u4e00-\u9fffA-Za-z]{1,6}[：:]")


@dataclass(frozen=True)
class Composer:
    """Turns ranked units into an answer. `score_sentence` rates how well a sentence matches
    the question (the service passes an idf-weighted overlap)."""

    score_sentence: Callable[[str], float]
    config: ComposeConfig = field(default_factory=ComposeConfig)

    def quote(self, unit: Unit, intents: Sequence[str], whole: bool = False) -> str:
        text = unit.text.strip()
        cfg = self.config
        if len(text) <= (cfg.division_text_chars if whole else cfg.whole_text_chars):
            return text
        sentences = split_sentences(text)
        if len(sentences) <= 1:
            return text

        def rank(index: int) -> tuple[bool, float, int]:
            sentence = sentences[index]
            # A deadline question wants the sentence with the deadline ("……前报送"), not the
            # one with the notice's own date, however well the other matches.
            deadline = "deadline" in intents and bool(fact_matches(sentence, "deadline"))
            bonus = cfg.fact_sentence_bonus if key_fact(sentence, intents) else 0.0
            penalty = cfg.template_penalty if has_template(sentence) else 0.0
            return (deadline, self.score_sentence(sentence) + bonus - penalty, -index)

        best = max(range(len(sentences)), key=rank)
        chosen = [best]
        if (
            len(sentences[best]) < cfg.short_sentence_chars
            and best + 1 < len(sentences)
            and not _LABELLED.match(sentences[best + 1])
        ):
            chosen.append(best + 1)
        return "".join(sentences[i] for i in chosen)

    def compose(
        self,
        question: str,
        lang: str,
        ranked: Sequence[tuple[Unit, float]],
        english_leads: dict[str, str],
        *,
        whole: bool = False,
        extra_intents: Sequence[str] = (),
    ) -> tuple[str, list[Citation]]:
        """`whole`: quote units whole (up to `config.division_text_chars`), e.g. a criteria
        dimension asked for its requirements."""
        intents = [*extra_intents, *detect_intents(question)]
        if _CONSEQUENCE.search(question):
            intents = []  # "……会怎样": no figure of the quote answers that
        division = whole or any(word in question.lower() for word in _DIVISION_WORDS)
        citations: list[Citation] = []
        for unit, _score in ranked:
            citations.append(
                Citation(
                    doc=unit.target.doc,
                    ref=unit.target.ref,
                    quote=self.quote(unit, intents, whole=division),
                    label=display_label(unit),
                    item=unit.target.item,
                )
            )
        top_unit = ranked[0][0]
        top = citations[0]
        years = re.findall(r"(?<!\d)20\d\d(?!\d)", question)
        # A deadline question is answered by a deadline even when the quote only holds the
        # notice's own date; other kinds come from the quote first, then the whole unit.
        facts: list[str] = []
        if "deadline" in intents:
            facts = key_facts(top.quote, ["deadline"], years) or key_facts(
                top_unit.text, ["deadline"], years
            )
        if not facts and "who" in extra_intents:
            # "Who applies": the unit's first party is its subject (申报主体是县级……), not the
            # party a later sentence sends things to.
            facts = key_facts(top_unit.text, ["who"], years)[:1]
        if not facts:
            facts = key_facts(top.quote, intents, years) or key_facts(
                top_unit.text, intents, years
            )
        # One fact leads as is ("三年"); several of a kind lead with their clauses, else the
        # bare numbers would lose what they count.
        fact = facts[0] if len(facts) == 1 else None
        clauses = (
            lead_clauses(without_asides(top.quote, facts), facts) if len(facts) > 1 else []
        )
        clauses = [c for c in clauses if not has_template(c)]
        worked = instantiate_validity(question, top_unit.text)
        if worked and lang != "en":
            fact, clauses = None, [worked]
        compared = compare_years(question, intents, [unit for unit, _ in ranked])
        if compared and lang != "en":
            fact, clauses = None, compared
        secondary = top_unit.doc_kind == "facts"
        display = display_label(top_unit)
        others = [display_label(unit) for unit, _ in ranked[1:]]
        lines: list[str] = []
        if lang == "en":
            lead = english_leads.get(top_unit.target.key)
            if fact:
                lines.append(f"Short answer: {english_fact(fact)}.")
            if lead:
                lines.append(lead)
            if not fact and not lead:
                lines.append(f"The most relevant source is {display}.")
            lines.append(source_line(display, top.quote, lang))
            if secondary:
                lines.append(SECONDARY_NOTE_EN)
            if others:
                lines.append("See also: " + "; ".join(others))
        else:
            if fact:
                lines.append(f"答：{fact}。")
            elif clauses:
                lines.append("答：" + "；".join(clauses) + "。")
            lines.append(source_line(display, top.quote, lang))
            if secondary:
                lines.append(SECONDARY_NOTE_ZH)
            if others:
                lines.append("另见：" + "；".join(others))
        return "\n".join(lines), citations
