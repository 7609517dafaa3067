"""The question frame: what a question asks, about which edition, year and figures, before any
retrieval (issue #10).

`Framer.frame(question)` parses a question (Chinese or English) into a `Frame`: its intents, the
criteria edition in scope (national by default, a bundled provincial edition, or a province that
is not bundled), the year / round / batch named, every indicator with the value the asker gives
(产值四十五亿, 增速百分之八, 12家), the focal entities, and whether the knowledge covers them.

Vocabularies come from the knowledge files: indicators and their labels from the criteria
editions, provinces from provinces.yaml, rounds and batches from the typed facts, cue words from
the lexicon's `frame` section. Nothing here names a question.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from knowledge.criteria import CriteriaEdition, list_editions
from knowledge.facts import FactBook
from knowledge.lexicon import FrameVocabulary, Lexicon
from knowledge.provinces import Province, find_provinces
from knowledge.refs import cn_to_int
from retrieval.figures import Figure, read_figures

__all__ = ["CLUSTER_WORD", "Frame", "Framer"]

_YEAR = re.compile(r"(?<![\d.])(20\d\d)(?![\d.])")
_YEAR_WORD = re.compile(r"(?<![\d.])20\d\d年度?")
_BATCH_ORDINAL = re.compile(r"第([一二三四五六七八九十\d]{1,3})批")
_BATCH_YEAR = re.compile(
    r"(?<!\d)(20\d\d)(?:年度?(?:这一?轮|那一?轮|这一?批|那一?次|这次|推荐)?"
    r"(?:认定|获批|入选|评上|的集群|那批|批)|\s+(?:batch|cohort))",
    re.IGNORECASE,
)
_NATIONAL = re.compile(r"国家级|国家标准|全国|国家的|国家和|国家对|national", re.IGNORECASE)
_PROVINCIAL = re.compile(r"省级|省里|本省|provincial", re.IGNORECASE)
CLUSTER_WORD = re.compile(r"集群|cluster", re.IGNORECASE)  # the knowledge's subject named
_COUNT_ASKED = re.compile(r"几家|多少家|家数|数量|几个企业|\d+家|[一二两三四五六七八九十]+家")
_TO_MINISTRY = ("工信部", "部里", "报给部", "工业和信息化部", "miit")
# A province setting a date for the counties under it ("省里要县里几号交"): its internal deadline.
_PROVINCE_LEVEL = re.compile(r"省里|省厅|省级|各省|省上|省工信|省主管|全省|province")
_LOCAL_LEVEL = re.compile(r"县|市里|区里|地市|下面|内部|count(?:y|ies)")
_EARLIER = re.compile(r"内部|提前|早于|早多少|早几天|earlier")
# "是哪天/是哪年" asks for a date, not for which clusters.
_WHERE = re.compile(r"在哪|哪里|哪儿|哪个网站|什么网站|哪个平台|where|website")
_HOW_LONG = re.compile(r"几天|多少天|多久|多长|几个工作日|how long|how many days")
_WHICH = re.compile(r"哪些|哪几|有谁|是哪(?![天年月一日])|which|list of")


@dataclass(frozen=True)
class Frame:
    """What the bot understood of one question."""

    question: str
    lang: str
    intents: tuple[str, ...]
    edition: str  # an edition id, or the name of a province whose edition is not bundled
    edition_known: bool
    editions: tuple[str, ...]  # every edition the question names (a comparison names two)
    province: str | None
    year: int | None
    years: tuple[int, ...]
    batch_year: int | None
    indicators: dict[str, Any]
    figures: tuple[Figure, ...]
    entities: tuple[str, ...]
    covered: bool
    uncovered: tuple[str, ...] = ()  # why not: "programme:单项冠军", "year:2026", …
    decline: str | None = None  # injection / legal / act / roleplay
    yesno: bool = False
    explicit_refs: tuple[str, ...] = field(default=())

    def names_a_record(self, facts: FactBook) -> bool:
        """The question names something the knowledge records: figures of its indicators, or a
        recorded round asked about as a round."""
        if self.indicators:
            return True
        return bool(self.has("deadline", "quota")) and any(
            facts.round(year) is not None for year in self.years
        )

    def has(self, *intents: str) -> bool:
        return any(intent in self.intents for intent in intents)

    def province_deadline_asked(self) -> bool:
        """A province's own deadline (not the date provinces submit to MIIT by)."""
        low = self.question.lower()
        to_ministry = any(word in low for word in _TO_MINISTRY)
        return (
            self.province is not None
            and (self.has("deadline") or "截止" in low)
            and not to_ministry
        )

    def internal_deadline_asked(self) -> bool:
        """The date a province sets for its counties, no province named ("省里一般什么时候要县里
        交"): each province sets its own, earlier than the ministry's."""
        low = self.question.lower()
        if self.province is not None or not (
            self.has("deadline", "date") or "截止" in low or "时限" in low
        ):
            return False
        if not (_PROVINCE_LEVEL.search(low) and _LOCAL_LEVEL.search(low)):
            return False
        to_ministry = any(word in low for word in _TO_MINISTRY)
        return not to_ministry or bool(_EARLIER.search(low))

    def to_json(self) -> dict[str, Any]:
        """The `"frame"` object of `smebot ask --json` (../shared/CONTRACTS.md)."""
        return {
            "intents": list(self.intents),
            "edition": self.edition,
            "edition_known": self.edition_known,
            "year": self.year,
            "indicators": dict(self.indicators),
            "covered": self.covered,
            "entities": list(self.entities),
            "uncovered": list(self.uncovered),
        }


def _has_any(text: str, words: Sequence[str]) -> list[str]:
    """The cue words of `words` found in (lower-cased) `text`, in the list's order."""
    plain, patterns = _matchers(tuple(words))
    found = [word for word in plain if word in text]
    found += [word for word, pattern in patterns if pattern.search(text)]
    return found


@lru_cache(maxsize=256)
def _matchers(
    words: tuple[str, ...],
) -> tuple[tuple[str, ...], tuple[tuple[str, re.Pattern[str]], ...]]:
    """Compiled once per cue list: plain substrings, and patterns for English words (whole
    words; longer ones with their endings, "recommend" in "recommendations") and gap cues
    ("帮…写": the parts in order, a few characters or words apart)."""
    plain: list[str] = []
    patterns: list[tuple[str, re.Pattern[str]]] = []
    for word in words:
        if not word:
            continue
        if "…" in word:
            english = word.replace("…", "").isascii()
            parts = [re.escape(part) for part in word.split("…")]
            # English words are longer than Chinese characters: up to four words between.
            gap = r"\W+(?:\w+\W+){0,4}?" if english else ".{0,6}"
            start = r"(?<![a-z])" if english else ""
            patterns.append((word, re.compile(start + gap.join(parts))))
        elif word.isascii() and word[0].isalpha():
            tail = "" if len(word) >= 5 else "(?![a-z])"
            patterns.append((word, re.compile(rf"(?<![a-z]){re.escape(word)}{tail}")))
        else:
            plain.append(word)
    return tuple(plain), tuple(patterns)


class Framer:
    """Builds frames; holds the vocabularies drawn from the knowledge once."""

    def __init__(
        self,
        *,
        lexicon: Lexicon,
        facts: FactBook,
        editions: Sequence[CriteriaEdition] | None = None,
    ) -> None:
        self.vocab: FrameVocabulary = lexicon.frame
        self.foreign_topics = tuple(t.lower() for t in lexicon.foreign_topics)
        self.facts = facts
        self.editions = {e.id: e for e in (editions if editions is not None else list_editions())}
        national = [e for e in self.editions.values() if e.level == "national"]
        self.national = sorted(national, key=lambda e: e.id)[-1].id if national else ""
        # Province -> the edition its own clusters are judged by: an edition file naming the
        # province in its title, or a typed record ("广东沿用国家标准").
        self.province_editions: dict[str, str] = {}
        for edition in self.editions.values():
            if edition.level == "provincial":
                named = find_provinces(edition.title)
                if named:
                    self.province_editions[named[0].name] = edition.id
        for cited in facts.records:
            record = cited.record
            if getattr(record, "type", "") == "provincial_edition":
                self.province_editions.setdefault(record.province, record.edition)
        self.known_provinces = facts.provinces_with_facts() | set(self.province_editions)
        cues = dict(self.vocab.indicator_cues)
        for edition in self.editions.values():
            for indicator in edition.indicators():
                if indicator.kind != "bool":
                    cues.setdefault(indicator.id, ())
                    if indicator.label.lower() not in cues[indicator.id]:
                        cues[indicator.id] = (*cues[indicator.id], indicator.label.lower())
        self.indicator_cues = cues

    # -- parsing ----------------------------------------------------------------------------

    def frame(self, question: str, lang: str = "zh") -> Frame:
        text = question.strip()
        low = text.lower()
        vocab = self.vocab
        # A year is not a cue: "2022年报送" is a submission in 2022, not an annual report (年报).
        cue_text = _YEAR_WORD.sub("，", low)
        intents = [name for name, cues in vocab.intents.items() if _has_any(cue_text, cues)]
        figures = read_figures(text, self.indicator_cues)
        indicators: dict[str, Any] = {}
        for figure in figures:
            indicators.setdefault(figure.indicator, figure.value)
        asked_indicators = [key for key, cues in self.indicator_cues.items() if _has_any(low, cues)]
        if indicators:
            intents.insert(0, "eligibility_check")
        elif asked_indicators and ("threshold" in intents or "eligibility_check" in intents):
            intents = [i for i in intents if i != "eligibility_check"]
            if "threshold" not in intents:
                intents.insert(0, "threshold")
        years = tuple(dict.fromkeys(int(y) for y in _YEAR.findall(text)))
        batch_year = self._batch_year(text)
        provinces = [p for p in find_provinces(text) if p.kind == "province"]
        national_named = bool(_NATIONAL.search(text))
        editions: list[str] = []
        if national_named or not provinces:
            editions.append(self.national)
        for province in provinces:
            editions.append(self.province_editions.get(province.name, province.name))
        editions = list(dict.fromkeys(editions))
        if len(editions) > 1 and "comparison" not in intents:
            intents.append("comparison")
        if len(years) > 1 and "comparison" not in intents:
            intents.append("comparison")
        province = provinces[0] if provinces else None
        edition = self._edition_in_scope(text, intents, province, national_named)
        yesno = "yesno" in intents or (lang == "en" and low.split(" ", 1)[0] in vocab.yesno_en)
        intents = [i for i in intents if i != "yesno"]
        entities: list[str] = [p.name for p in provinces]
        uncovered: list[str] = []
        decline = next((kind for kind, cues in vocab.decline.items() if _has_any(low, cues)), None)
        if decline:
            uncovered.append(decline)
        uncovered += self._programme(low, indicators, intents, entities)
        if _has_any(low, vocab.amount_cues) and not indicators:
            uncovered.append("amount")
        roster = _has_any(low, vocab.roster_cues)
        which = bool(_WHICH.search(low))
        if (
            roster
            and not _WHERE.search(low)  # where the list is published (第十四条), not the list
            and not _HOW_LONG.search(low)  # how long it is publicised, not the list
            and (which or not ({"date", "count", "validity"} & set(intents)))
            and not (_COUNT_ASKED.search(low) and not which)
        ):
            uncovered.append("roster")
        uncovered += self._year_coverage(years, batch_year, intents, low)
        uncovered += self._province_coverage(province, edition, years, intents, low)
        year = batch_year if batch_year is not None else (years[0] if years else None)
        edition_known = edition in self.editions
        return Frame(
            question=question,
            lang=lang,
            intents=tuple(dict.fromkeys(intents)) or ("open",),
            edition=edition,
            edition_known=edition_known,
            editions=tuple(editions),
            province=province.name if province else None,
            year=year,
            years=years,
            batch_year=batch_year,
            indicators=indicators,
            figures=tuple(figures),
            entities=tuple(dict.fromkeys(entities)),
            covered=not uncovered,
            uncovered=tuple(dict.fromkeys(uncovered)),
            decline=decline,
            yesno=yesno,
        )

    def _batch_year(self, text: str) -> int | None:
        match = _BATCH_ORDINAL.search(text)
        if match:
            raw = match.group(1)
            ordinal = int(raw) if raw.isdigit() else cn_to_int(raw)
            if ordinal:
                batch = self.facts.batch_by_ordinal(ordinal)
                if batch is not None:
                    return int(batch.record.year)
                first = self.facts.first_round_year()
                return first + ordinal - 1 if first else None
        match = _BATCH_YEAR.search(text)
        return int(match.group(1)) if match else None

    def _edition_in_scope(
        self, text: str, intents: list[str], province: Province | None, national_named: bool
    ) -> str:
        """National by default; a named province's edition when the question is about that
        province's own clusters (省级, or a threshold / check asked with the province named)."""
        if province is None:
            return self.national
        provincial = bool(_PROVINCIAL.search(text))
        if national_named and not provincial and "comparison" not in intents:
            return self.national
        specific = {
            "threshold",
            "eligibility_check",
            "comparison",
            "list",
            "procedure",
            "who_applies",
            "deadline",
        }
        if not provincial and not specific & set(intents):
            return self.national  # "我们是浙江的，有效期几年": the national rule answers
        return self.province_editions.get(province.name, province.name)

    def _programme(
        self, low: str, indicators: dict[str, Any], intents: list[str], entities: list[str]
    ) -> list[str]:
        """Another programme as the focal entity: its own application, conditions, money or
        review (the criteria only COUNT some of them, e.g. 专精特新 enterprises)."""
        vocab = self.vocab
        out: list[str] = []
        for authority in _has_any(low, vocab.other_authorities):
            entities.append(authority)
            out.append(f"authority:{authority}")
        for topic in self.foreign_topics:
            if topic in low and not CLUSTER_WORD.search(low):
                out.append(f"programme:{topic}")
        programmes = _has_any(low, vocab.programmes)
        if not programmes:
            return out
        entities.extend(programmes)
        other_cluster = [
            p for p in programmes if any(w in p for w in ("集群", "基地", "平台", "cluster"))
        ]
        if other_cluster:
            return [*out, *(f"programme:{p}" for p in other_cluster)]
        counted = bool(indicators) or bool(_COUNT_ASKED.search(low))
        about_cluster = bool(CLUSTER_WORD.search(low)) and (
            "threshold" in intents or "eligibility_check" in intents
        )
        acted_on = _has_any(low, vocab.programme_actions)
        if acted_on and not counted and not about_cluster:
            out.append(f"programme:{programmes[0]}")
        return out

    def _year_coverage(
        self, years: tuple[int, ...], batch_year: int | None, intents: list[str], low: str
    ) -> list[str]:
        """A round's facts asked for a year the knowledge does not record."""
        if not years:
            return []
        validity = "validity" in intents and batch_year is not None
        if validity:
            return []
        round_words = ("推荐", "名额", "通知", "申报", "截止", "quota", "round", "recommend")
        if not any(word in low for word in round_words) and not (
            {"deadline", "quota"} & set(intents)
        ):
            return []
        return [f"year:{y}" for y in years if self.facts.round(y) is None]

    def _province_coverage(
        self,
        province: Province | None,
        edition: str,
        years: tuple[int, ...],
        intents: list[str],
        low: str,
    ) -> list[str]:
        if province is None:
            return []
        name = province.name
        if "deadline" in intents or "截止" in low:
            # A province's own (internal) deadline; the national round's date is asked as
            # "省里报给部里/工信部" and is not the province's.
            year = years[0] if years else None
            to_ministry = any(word in low for word in _TO_MINISTRY)
            if self.facts.provincial_deadline(name, year) is None and not to_ministry:
                return [f"province_deadline:{name}"]
            return []
        figures_asked = {"threshold", "eligibility_check", "comparison"} & set(intents)
        if edition in self.editions or (name in self.known_provinces and not figures_asked):
            return []  # a province known only by its procedure (甘肃) has no recorded figures
        specific = {"threshold", "eligibility_check", "list", "procedure", "comparison"}
        if specific & set(intents) or _PROVINCIAL.search(low) or "标准" in low:
            return [f"province:{name}"]
        return []
