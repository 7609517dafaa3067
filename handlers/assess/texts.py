"""The slice's user-facing texts: `texts.yaml` beside this module, keyed `assess.*`, in the one
keyed catalogue of infra/i18n.py (`t(key, lang, **values)`, values HTML-escaped).

The catalogue's per-slice files (`register_texts`) are landing on main from the core branch; until
they do, the same file is read here with the same rules, so the slice's texts already live in
one place and nothing changes for callers when the catalogue takes them over.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import infra.i18n as i18n
from infra.rendering import escape
from knowledge.datafile import read_yaml
from knowledge.errors import KnowledgeDataError

TEXTS_PATH = Path(__file__).with_name("texts.yaml")


def _load_local() -> dict[str, dict[str, str]]:
    data: Any = read_yaml(TEXTS_PATH)
    if not isinstance(data, dict):
        raise KnowledgeDataError(TEXTS_PATH, "(top level)", "must be a mapping of key -> {zh, en}")
    for key, entry in data.items():
        if not isinstance(entry, dict) or set(entry) != {"zh", "en"}:
            raise KnowledgeDataError(TEXTS_PATH, str(key), "needs exactly zh and en")
    return data


if hasattr(i18n, "register_texts"):
    i18n.register_texts(TEXTS_PATH)  # type: ignore[attr-defined]

    def t(key: str, lang: str | None = "zh", **values: object) -> str:
        """The text `key` in `lang` (Chinese unless "en"), values HTML-escaped."""
        return i18n.t(key, lang, **values)

else:
    _LOCAL = _load_local()

    def t(key: str, lang: str | None = "zh", **values: object) -> str:
        """The text `key` in `lang` (Chinese unless "en"), values HTML-escaped."""
        try:
            entry = _LOCAL[key]
        except KeyError:
            raise KeyError(f"no text {key!r} in {TEXTS_PATH}") from None
        template = entry["en" if lang == "en" else "zh"]
        return template.format(**{name: escape(value) for name, value in values.items()})
