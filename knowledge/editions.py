"""Which criteria edition applies to a province, and the editions a user may choose from.

A province with an edition of its own (云南) is assessed by it; one that adopts the national
figures (广东) has an inheriting edition saying so; every other province is told that the
national edition applies unless it publishes its own. All from the data: a new province is one
more edition file with `province:` set, and no code change.
"""

from __future__ import annotations

from pathlib import Path

from knowledge.criteria import CriteriaEdition, list_editions
from knowledge.provinces import Province, find_province, province_by_name


def offered_editions(data_dir: Path | None = None) -> tuple[CriteriaEdition, ...]:
    """Every edition a self-assessment may use, the national one(s) first, then by id."""
    editions = list_editions(data_dir, include_inheriting=True)
    return tuple(sorted(editions, key=lambda e: (e.level != "national", e.id)))


def national_edition(data_dir: Path | None = None) -> CriteriaEdition:
    """The national edition with figures of its own (the newest by id)."""
    national = [e for e in list_editions(data_dir) if e.level == "national"]
    if not national:
        raise LookupError("no national criteria edition is bundled")
    return sorted(national, key=lambda e: e.id)[-1]


def _province(name: str) -> Province | None:
    return province_by_name(name) or find_province(name)


def edition_for(province: Province, data_dir: Path | None = None) -> CriteriaEdition | None:
    """The edition made for `province`'s own clusters, if one is bundled."""
    for edition in offered_editions(data_dir):
        if edition.province in (province.name, province.short):
            return edition
    return None


def edition_for_province(
    name: str, *, lang: str = "zh", data_dir: Path | None = None
) -> tuple[str, str]:
    """(edition id, note for the user) for a province named in any common form ("广东",
    "粤", "Guangdong", "江苏省"); the note says why that edition applies."""
    national = national_edition(data_dir)
    national_name = national.name(lang)
    province = _province(name)
    if province is None:
        if lang == "en":
            return national.id, (f"“{name}” is not a province I know; the {national_name} "
                                 "criteria are used.")
        return national.id, f"未识别“{name}”对应的省份，按{national_name}标准评估。"
    own = edition_for(province, data_dir)
    if own is not None and own.inherits is not None:
        if lang == "en":
            return own.id, (f"{province.en} recognises its provincial clusters by the national "
                            f"figures; assessed by {own.name(lang)}. Source: {own.source}")
        return own.id, (f"{province.name}省级集群沿用国家标准，按“{own.name(lang)}”评估。"
                        f"来源：{own.source}")
    if own is not None:
        if lang == "en":
            return own.id, f"{province.en} has its own criteria: assessed by {own.name(lang)}."
        return own.id, f"{province.name}有本省的认定标准，按“{own.name(lang)}”评估。"
    if lang == "en":
        return national.id, (f"No provincial criteria of {province.en} are bundled: the national "
                             f"edition ({national_name}) applies, unless {province.en} publishes "
                             "its own — then that one does.")
    return national.id, (f"本机器人未收录{province.name}的省级认定标准："
                         f"适用国家标准（{national_name}）；"
                         f"如{province.name}另行发布省级标准，以其为准。")
