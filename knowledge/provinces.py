"""China's provincial-level divisions as data, and finding the one a text names.

Single-character abbreviations (粤, 滇, …) are kept in the data for display and exact lookups but
never matched inside running text: one character collides with ordinary words (新, 青, 宁).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from knowledge.datafile import read_yaml, validation_error
from knowledge.errors import KnowledgeDataError

PROVINCES_PATH = Path(__file__).parent / "data" / "provinces.yaml"


class Province(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=2)
    short: str = Field(min_length=2)
    en: str = Field(min_length=2)
    aliases: tuple[str, ...] = ()
    kind: Literal["province", "计划单列市", "兵团"] = "province"

    def names(self) -> tuple[str, ...]:
        """Every form that may be matched inside running text (longest first)."""
        forms = {self.name, self.short, self.en, *(a for a in self.aliases if len(a) > 1)}
        return tuple(sorted(forms, key=len, reverse=True))


class _ProvinceFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    provinces: tuple[Province, ...]
    separate_quota_units: tuple[Province, ...]


@lru_cache(maxsize=4)
def load_provinces(path: Path = PROVINCES_PATH) -> tuple[Province, ...]:
    """All provincial-level divisions, then the units with their own quota; validated."""
    raw = read_yaml(path)
    try:
        data = _ProvinceFile.model_validate(raw)
    except ValidationError as exc:
        raise validation_error(path, exc) from exc
    units = data.separate_quota_units
    for unit in units:
        if unit.kind == "province":
            raise KnowledgeDataError(path, f"separate_quota_units.{unit.name}.kind", "required")
    everything = data.provinces + units
    seen: set[str] = set()
    for entry in everything:
        for form in (entry.name, entry.short, *entry.aliases):
            if form in seen:
                raise KnowledgeDataError(path, entry.name, f"name {form!r} is used twice")
            seen.add(form)
    return everything


def find_province(text: str) -> Province | None:
    """The division named in `text` (the earliest mention; the longest form at one position)."""
    found = find_provinces(text)
    return found[0] if found else None


def find_provinces(text: str) -> list[Province]:
    """Every division named in `text`, in order of first mention, each once."""
    lowered = text.lower()
    hits: list[tuple[int, int, Province]] = []
    for entry in load_provinces():
        for form in entry.names():
            at = lowered.find(form.lower())
            if at >= 0:
                hits.append((at, -len(form), entry))
                break
    hits.sort(key=lambda hit: (hit[0], hit[1]))
    out: list[Province] = []
    covered_until = -1
    for at, neg_len, entry in hits:
        if at < covered_until or entry in out:
            continue  # 新疆 inside 新疆生产建设兵团 is the same mention
        out.append(entry)
        covered_until = at - neg_len
    return out


def province_by_name(name: str) -> Province | None:
    """Exact lookup by full name, short name, English name or any alias (single characters too)."""
    key = name.strip().lower()
    for entry in load_provinces():
        if key in {f.lower() for f in (entry.name, entry.short, entry.en, *entry.aliases)}:
            return entry
    return None
