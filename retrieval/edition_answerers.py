"""Answers about the criteria as a whole: one dimension's requirements ("绿色发展方面有什么
要求") and a province's edition against the national one ("广东的标准跟国家一样吗")."""

from __future__ import annotations

import re

from knowledge.criteria import CriteriaEdition, requirement_text
from knowledge.provinces import province_by_name
from knowledge.refs import cn_to_int
from retrieval.answer_parts import Part
from retrieval.criteria_answerers import CriteriaAnswerers
from retrieval.frame import Frame, _has_any
from retrieval.replies import source_line

# A requirement asked for, and a question about the measures' own cultivation item instead.
_REQUIREMENT = re.compile(
    r"要求|条件|标准|达到|需要|必须|须|一定要|要有|得有|要不要|看什么|考核|指标|怎么评|算不算|"
    r"require|criteri|standard|"
    r"\bneed|must|assess|judged|count",
)
# The gate named otherwise than by its own name (基本条件 / Preconditions, from the criteria).
_GATE_WORDS = re.compile(r"前提条件|一票否决|否决项|否决条件|prerequisite|precondition")
_MUST = re.compile(r"必须|需要|要不要|是否要|得有|要有|一定要|required|need|must|have to")
_MEASURES_ITEM = re.compile(r"办法|第六条|培育工作|article 6|measures say")


class EditionAnswerers(CriteriaAnswerers):
    def dimension(self, frame: Frame, lang: str) -> Part | None:
        """One dimension of the criteria asked about as a whole ("绿色发展方面有什么要求",
        "Does the cluster need a development plan?"): its requirements, for the edition asked,
        saying when the edition bundles no figure for it."""
        low = frame.question.lower()
        if frame.indicators or not _REQUIREMENT.search(low) or _MEASURES_ITEM.search(low):
            return None
        named = [d for d, cues in self.framer.vocab.dimension_cues.items() if _has_any(low, cues)]
        if len(named) != 1 or any(
            self.framer.editions[self.framer.national].indicator(i).kind != "bool"
            for i in self._asked_indicators(frame)
            if i in {x.id for x in self.framer.editions[self.framer.national].indicators()}
        ):
            return None
        edition = self.framer.editions.get(frame.edition) or self.framer.editions.get(
            self.framer.national
        )
        if edition is None:
            return None
        dimension = next((d for d in edition.dimensions if d.id == named[0]), None)
        if dimension is None:
            return None
        lines: list[str] = []
        for indicator in dimension.indicators:
            label = indicator.label_en if lang == "en" else indicator.label
            need = requirement_text(indicator, lang)
            if need is None:
                need = (
                    "required" if indicator.kind == "bool" else "recorded; no figure bundled"
                ) if lang == "en" else ("须满足" if indicator.kind == "bool" else "记录，未附数值")
                lines.append(f"- {label} ({need})" if lang == "en" else f"- {label}（{need}）")
            else:
                lines.append(f"- {label} {need}" if lang == "en" else f"- {label}{need}")
        if dimension.figures != "confirmed":
            lines.append(
                f"{edition.name(lang)} bundles no figures for this dimension."
                if lang == "en"
                else f"{edition.short_name}未随附本方面的具体数值。"
            )
        name = dimension.name_en if lang == "en" else dimension.name
        # "是不是必须有三年发展规划": a yes when the condition asked about is one to be met.
        required = frame.yesno and _MUST.search(low) is not None and any(
            i.kind == "bool" and i.required for i in dimension.indicators
        )
        yes = ("Yes, it is required. " if lang == "en" else "是，须满足。") if required else ""
        lead = yes + (
            f"{edition.name(lang)}, criterion {cn_to_int(dimension.number)} ({name}) requires:"
            if lang == "en"
            else f"{edition.short_name}认定标准·{dimension.number}“{name}”要求："
        )
        citation = self._criteria_citation(edition, dimension.number, dimension.text)
        return Part(lines, [citation], lead)

    def gate(self, frame: Frame, lang: str) -> Part | None:
        """The preconditions asked for by name ("基本条件是什么", "What are the preconditions?"):
        each condition, and that failing one bars recognition."""
        low = frame.question.lower()
        edition = self.framer.editions.get(frame.edition) or self.framer.editions.get(
            self.framer.national
        )
        if edition is None or frame.indicators:
            return None
        named = edition.gate.name in low or edition.gate.name_en.lower() in low
        if not (named or _GATE_WORDS.search(low)):
            return None
        lines = [
            f"- {i.label_en} (required)" if lang == "en" else f"- {i.label}（须满足）"
            for i in edition.gate.indicators
        ]
        lead = (
            f"{edition.name(lang)}: {edition.gate.name_en.lower()}; failing any one bars "
            "recognition:"
            if lang == "en"
            else f"{edition.short_name}认定标准的{edition.gate.name}（前提条件，任何一项不满足即"
            "不具备认定资格）："
        )
        citation = self._criteria_citation(edition, "gate", edition.gate.text)
        lines.append(source_line(citation.label, edition.gate.text, lang))
        return Part(lines, [citation], lead)

    def province_edition(self, frame: Frame, lang: str) -> Part | None:
        """A province's criteria as a whole ("广东省级集群的认定标准跟国家一样吗"): which edition
        its clusters are judged by, and that edition's figures beside the national ones."""
        if frame.province is None or self._asked_indicators(frame):
            return None
        cited = self.facts.provincial_edition(frame.province)
        national = self.framer.editions.get(self.framer.national)
        if cited is None or national is None:
            return None
        edition = self.framer.editions.get(cited.record.edition)  # type: ignore[union-attr]
        if edition is None:
            return None
        citations = [self._fact_citation(cited)]
        same = edition.id == national.id
        named = province_by_name(frame.province)
        province = (named.en if lang == "en" else named.short) if named else frame.province
        if same:
            compared = frame.has("comparison") or frame.yesno
            lead = (
                ("yes: " if compared else "")
                + f"{province}'s provincial clusters use the figures of the national criteria "
                f"({national.name(lang)})."
                if lang == "en"
                else ("一样。" if compared else "")
                + f"{province}省级集群沿用国家认定标准的数值，即{national.short_name}："
            )
            lines = edition_figures(national, lang)
        else:
            lead = (
                f"no: {province}'s provincial clusters are judged by {edition.name(lang)}."
                if lang == "en"
                else f"不一样。{province}省级集群按{edition.title}认定。"
            )
            ours, theirs = edition_figures(edition, lang), edition_figures(national, lang)
            lines = [f"{edition.name(lang)}：" + "；".join(ours),
                     f"{national.name(lang)}：" + "；".join(theirs)]
            citations.append(self._criteria_citation(edition, "一", edition.dimensions[0].text))
        for dimension in national.dimensions[:2]:  # the dimensions that carry figures
            citations.append(
                self._criteria_citation(national, dimension.number, dimension.text)
            )
        return Part(lines, citations, lead)


def edition_figures(edition: CriteriaEdition, lang: str) -> list[str]:
    """Every indicator of an edition that carries a figure, as "label requirement"."""
    out: list[str] = []
    for indicator in edition.indicators():
        need = requirement_text(indicator, lang)
        if need is not None:
            label = indicator.label_en if lang == "en" else indicator.label
            out.append(f"{label} {need}" if lang == "en" else f"{label}{need}")
    return out
