"""Reading a batch year the way people type it, for /subscribe and /remind alike.

"2022", "2022年", "２０２２年", "2022年批次", "二〇二二年度" all give 2022. The digits are read by
the project's one number reader (knowledge.numbers); this module only knows the words people put
around a year. Whether the year can be a batch year is knowledge.deadlines' call.
"""

from __future__ import annotations

import re
import unicodedata

from knowledge.numbers import NumberParseError, parse_number

# What may follow the year: 年 / 年度 / 批 / 批次, optionally "的" and "集群".
_YEAR_WORDS = re.compile(r"^(?P<year>.+?)\s*(?:年度|年)?\s*(?:批次|批)?\s*(?:的)?\s*(?:集群)?$")


def read_batch_year(text: str) -> int | None:
    """The year in `text`, or None when it is not one whole number (with year words)."""
    cleaned = unicodedata.normalize("NFKC", text).strip()
    match = _YEAR_WORDS.match(cleaned)
    if not cleaned or match is None:
        return None
    try:
        value = parse_number(match.group("year"), integer=True)
    except NumberParseError:
        return None
    return int(value) if value == int(value) else None
