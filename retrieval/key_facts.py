"""Key facts in policy text: the phrases of the kind a question asks for ("三年" for 多久,
"4月30日前" for 截止, "40亿元" for 产值), batch years and validity windows worked out for a
batch, and Chinese facts rendered in English. Nothing here is written per question."""

from __future__ import annotations

import re
from collections.abc import Sequence

from knowledge.refs import cn_to_int
from retrieval.chunks import Unit

_CN_NUM = "[零〇一二两三四五六七八九十百]"
_NUM_BEFORE = r"(?<![第零〇一二两三四五六七八九十百\d.])"
_DATE = r"(?:\d{4}年)?\d{1,2}月\d{1,2}日"
_FACT_PATTERNS: dict[str, re.Pattern[str]] = {
    "deadline": re.compile(rf"{_DATE}(?:前|截止)"),
    "duration": re.compile(
        rf"(?:延长)?{_NUM_BEFORE}(?:{_CN_NUM}+|\d{{1,2}})个?(?:年|个工作日)(?![度版级])"
    ),
    "date": re.compile(rf"{_DATE}前?"),
    "amount": re.compile(r"\d+(?:\.\d+)?\s*亿元"),
    "percent": re.compile(r"(?:[>≥≤<]|高于|不低于|不超过|以上)?\s*\d+(?:\.\d+)?\s*%(?:以上)?"),
    "count": re.compile(
        rf"(?:最多推荐|认定)?{_NUM_BEFORE}(?:\d+|{_CN_NUM}+)(?:个|家)"
        r"(?!五年|工作日|月|年|百分点)(?:左右|集群)?"
    ),
    "who": re.compile(
        r"县级(?:行政区划)?中小企业主管部门|省级中小企业主管部门|工业和信息化部|"
        r"县级工业和信息化主管部门|各级中小企业主管部门"
    ),
}
# Numbers that name things rather than count them: ordinals ("第十四个五年规划", "第十五条",
# "第二批"), five-year-plan names ("十四五"). A key fact never comes from inside these.
_NAMING_NUMBER = re.compile(
    rf"第(?:{_CN_NUM}+|\d+)个?(?:五年规划|条|批|章|项|次)?|[“\"]?{_CN_NUM}{{1,3}}五[”\"]?(?=期间|规划|时期|$|[^年个家天日月])"
)
# Template variables of a rule ("Y年度认定的集群，有效期从Y+1年1月1日起"): never shown as a fact.
_TEMPLATE = re.compile(r"(?<![A-Za-z])Y(?:\s*[+＋]\s*\d+)?\s*年")
_INTENT_WORDS: dict[str, tuple[str, ...]] = {
    "deadline": ("截止", "截至", "deadline", "什么时候交", "啥时候交", "几号交", "何时交",
                 "什么时候报", "啥时候报", "最晚", "due"),
    "duration": ("多久", "多长", "几年", "有效期", "期限", "延长", "管几年", "多少年", "几天",
                 "how long", "years", "valid", "validity", "last"),
    "date": ("什么时候", "啥时候", "啥时", "何时", "哪天", "几月", "截止", "日期", "时间", "几号",
             "哪一天", "when", "deadline", "date", "due"),
    # A rate beats the amount it is a rate of ("产值增长" asks for a percentage).
    "percent": ("占比", "比例", "增速", "增长", "百分之", "%", "share", "growth", "percent"),
    "amount": ("产值", "多少钱", "亿", "营收", "规模", "output", "revenue", "billion"),
    "count": ("几个", "多少个", "几家", "名额", "多少家", "数量", "how many", "quota", "number of"),
    "who": ("谁", "哪个部门", "哪级", "哪一级", "主体", "who", "which authority"),
}
_WHO_EN = {
    "工业和信息化部": "MIIT (the Ministry of Industry and Information Technology)",
    "省级中小企业主管部门": "the provincial SME authority",
    "县级中小企业主管部门": "the county-level SME authority",
    "县级行政区划中小企业主管部门": "the county-level SME authority",
    "县级工业和信息化主管部门": "the county-level industry and IT authority",
    "各级中小企业主管部门": "SME authorities at every level",
}


def detect_intents(question: str) -> list[str]:
    lowered = question.lower()
    return [intent for intent, words in _INTENT_WORDS.items() if any(w in lowered for w in words)]


def _naming_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _NAMING_NUMBER.finditer(text)]


_EXAMPLE = re.compile(r"(?:例如|比如|譬如)[^。]*")


def fact_matches(text: str, intent: str, *, examples: bool = True) -> list[str]:
    """Phrases of one kind in `text`, skipping numbers that only name something ("十四五",
    "第十四个五年规划", "第十五条") and template variables ("Y+1年"); with `examples=False`
    also those given only as an example ("例如有省份要求……10月15日前报送")."""
    spans = _naming_spans(text)
    if not examples:
        spans += [m.span() for m in _EXAMPLE.finditer(text)]
    found: list[str] = []
    for match in _FACT_PATTERNS[intent].finditer(text):
        start, end = match.span()
        if any(s < end and start < e for s, e in spans):
            continue
        phrase = match.group(0).strip()
        if _TEMPLATE.search(phrase) or _TEMPLATE.search(text[max(0, start - 4):start + 1]):
            continue
        found.append(phrase)
    return found


def has_template(text: str) -> bool:
    return bool(_TEMPLATE.search(text))


def key_fact(text: str, intents: Sequence[str]) -> str | None:
    """The first phrase of an asked-for kind in `text` (e.g. "三年" for "多久")."""
    for intent in intents:
        found = fact_matches(text, intent)
        if found:
            return found[0]
    return None


_CLAUSE = re.compile(r"[^，；。：:,;]+")
_PREFIXES = re.compile(r"^(?:延长|最多推荐|认定|高于|不低于|不超过|以上|[>≥≤<])\s*")


def key_facts(text: str, intents: Sequence[str], years: Sequence[str] = ()) -> list[str]:
    """Every distinct phrase of the first asked-for kind found in `text`, in order. Dates of a
    year the question names come first (and alone, when there are any)."""
    for intent in intents:
        # Facts with the same value are one fact ("三年" and "延长三年": the answer is 三年).
        by_value: dict[str, str] = {}
        for phrase in fact_matches(text, intent):
            by_value.setdefault(_PREFIXES.sub("", phrase), phrase)
        facts = list(by_value.values())
        if facts and years and intent in ("deadline", "date"):
            of_year = [f for f in facts if any(f.startswith(f"{y}年") for y in years)]
            facts = of_year or facts
        if facts:
            return facts
    return []


def lead_clauses(text: str, facts: Sequence[str], limit: int = 2) -> list[str]:
    """The clauses of `text` that hold the facts, so that "1家" and "10家" keep their subjects
    ("小巨人企业不少于1家" / "专精特新中小企业……合计不少于10家")."""
    clauses: list[str] = []
    for match in _CLAUSE.finditer(text):
        clause = match.group(0).strip()
        if any(fact in clause for fact in facts) and clause not in clauses:
            clauses.append(clause)
    return clauses[:limit]


_ASIDE = re.compile(r"[（(][^（）()]*[）)]")


def without_asides(text: str, keep: Sequence[str] = ()) -> str:
    """`text` without bracketed asides ("（本项目未收录……，请以通知原文为准）") that hold none of
    `keep`, so a clause split never cuts a bracket in half."""

    def drop(match: re.Match[str]) -> str:
        return match.group(0) if any(k in match.group(0) for k in keep) else ""

    return _ASIDE.sub(drop, text)


_BATCH_ORDINAL = re.compile(rf"第({_CN_NUM}+|\d+)批")
_BATCH_YEAR = re.compile(r"(?<!\d)(20\d\d)年度?(?:认定|的|集群|批)")
FIRST_BATCH_YEAR = 2022  # the 2022 round was the first; one round a year since


def batch_year(question: str) -> tuple[int, str | None] | None:
    """(batch year, ordinal as written) a question names: "第二批" -> (2023, "第二批"),
    "2024年认定的" -> (2024, None)."""
    match = _BATCH_ORDINAL.search(question)
    if match:
        number = cn_to_int(match.group(1)) if not match.group(1).isdigit() else int(match.group(1))
        if number:
            return FIRST_BATCH_YEAR + number - 1, match.group(0)
    match = _BATCH_YEAR.search(question)
    if match:
        return int(match.group(1)), None
    return None


def instantiate_validity(question: str, text: str) -> str | None:
    """A rule written with a batch year Y ("有效期从Y+1年1月1日起，到Y+3年12月31日止"), worked out
    for the batch the question names."""
    if not re.search(r"Y\s*[+＋]\s*1\s*年1月1日", text):
        return None
    named = batch_year(question)
    if named is None:
        return None
    year, ordinal = named
    which = f"{ordinal}即{year}年度" if ordinal else f"{year}年度"
    return f"{which}认定的集群，有效期为{year + 1}年1月1日至{year + 3}年12月31日"


def english_fact(fact: str) -> str:
    """Render a Chinese key fact in English, keeping the Chinese in brackets."""
    if fact in _WHO_EN:
        return f"{_WHO_EN[fact]} ({fact})"
    years = re.fullmatch(rf"(延长)?({_CN_NUM}+|\d+)个?(年|个工作日)", fact)
    if years:
        number = cn_to_int(years.group(2))
        unit = "years" if years.group(3) == "年" else "working days"
        prefix = "extended by " if years.group(1) else ""
        return f"{prefix}{number} {unit} ({fact})" if number is not None else fact
    date = re.fullmatch(r"(?:(\d{4})年)?(\d{1,2})月(\d{1,2})日(前)?", fact)
    if date:
        months = ["January", "February", "March", "April", "May", "June", "July", "August",
                  "September", "October", "November", "December"]
        month = int(date.group(2))
        if 1 <= month <= 12:
            text = f"{months[month - 1]} {int(date.group(3))}"
            if date.group(1):
                text += f", {date.group(1)}"
            return ("by " if date.group(4) else "") + text + f" ({fact})"
    count = re.fullmatch(rf"(最多推荐|认定)?({_CN_NUM}+|\d+)(个|家)(左右)?(集群)?", fact)
    if count:
        number = int(count.group(2)) if count.group(2).isdigit() else cn_to_int(count.group(2))
        if number is not None:
            what = "clusters" if count.group(3) == "个" else "firms"
            head = {"最多推荐": "at most ", "认定": ""}.get(count.group(1) or "", "")
            about = "about " if count.group(4) else ""
            return f"{head}{about}{number} {what} ({fact})"
    amount = re.fullmatch(r"(\d+(?:\.\d+)?)\s*亿元", fact)
    if amount:
        billions = float(amount.group(1)) / 10
        return f"{billions:g} billion yuan ({fact})"
    return fact


def compare_years(question: str, intents: Sequence[str], units: Sequence[Unit]) -> list[str]:
    """For a question naming several years ("2024年和2025年名额有变化吗"), the asked-for facts
    of the unit about each year, in the question's order: ["2024年度：……", "2025年度：……"]."""
    years = list(dict.fromkeys(re.findall(r"(?<!\d)20\d\d(?!\d)", question)))
    if len(years) < 2 or not intents:
        return []
    parts: list[str] = []
    for year in years:
        unit = next((u for u in units if year in (u.heading or "")), None)
        if unit is None:
            return []
        facts = key_facts(unit.text, intents, [year])
        if not facts:
            return []
        clauses = lead_clauses(without_asides(unit.text, facts), facts) if len(facts) > 1 else []
        parts.append(f"{year}年度：" + ("，".join(clauses) if clauses else facts[0]))
    return parts
