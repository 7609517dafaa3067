"""The one text catalogue: every user-facing string, keyed, in Chinese (default) and English.

    t("start.greeting", lang, name=user.first_name)

Texts live in YAML files next to the code that shows them: `infra/texts.yaml` (shared) and one
`texts.yaml` per feature slice, which registers it when imported:

    register_texts(Path(__file__).with_name("texts.yaml"))   # in handlers/<slice>/__init__.py

All files merge into ONE catalogue, validated as each file loads (a broken file fails at import,
naming the file and the key): every key has exactly `zh` and `en`, both strings or both lists
of strings (of equal length); the `{placeholders}` of the two languages match; a key defined in
two files is an error naming both. Values passed to `t()` are HTML-escaped, so a user's name can
never break the markup. Why a keyed catalogue and not gettext: see docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from pathlib import Path

from infra.rendering import escape
from knowledge.datafile import read_yaml
from knowledge.errors import KnowledgeDataError

DEFAULT_LANG = "zh"
LANGS: tuple[str, ...] = ("zh", "en")

Text = str | tuple[str, ...]


def normalise_lang(lang: str | None) -> str:
    """Our two languages: English for "en", Chinese for anything else."""
    return "en" if lang == "en" else DEFAULT_LANG


def _placeholders(template: str, path: Path, key: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as exc:  # a lone "{" or "}": write "{{" / "}}" for a literal brace
        raise KnowledgeDataError(path, key, f"bad placeholder: {exc}") from exc


def _entry(path: Path, key: object, value: object) -> dict[str, Text]:
    if not isinstance(key, str) or not key:
        raise KnowledgeDataError(path, str(key), "a key must be a non-empty string")
    if not isinstance(value, Mapping) or set(value) != set(LANGS):
        found = sorted(map(str, value)) if isinstance(value, Mapping) else type(value).__name__
        raise KnowledgeDataError(path, key, f"needs exactly zh and en, found {found}")
    entry: dict[str, Text] = {}
    for lang in LANGS:
        text = value[lang]
        if isinstance(text, list) and text and all(isinstance(item, str) for item in text):
            entry[lang] = tuple(text)
        elif isinstance(text, str) and text:
            entry[lang] = text
        else:
            raise KnowledgeDataError(path, f"{key}.{lang}", "must be a non-empty string or list")
    zh, en = entry["zh"], entry["en"]
    if type(zh) is not type(en) or (isinstance(zh, tuple) and len(zh) != len(en)):
        raise KnowledgeDataError(path, key, "zh and en must both be strings or equal-length lists")
    zh_items = zh if isinstance(zh, tuple) else (zh,)
    en_items = en if isinstance(en, tuple) else (en,)
    for index, (zh_text, en_text) in enumerate(zip(zh_items, en_items, strict=True)):
        zh_names = _placeholders(zh_text, path, f"{key}.zh")
        en_names = _placeholders(en_text, path, f"{key}.en")
        if zh_names != en_names:
            where = key if isinstance(zh, str) else f"{key}[{index}]"
            raise KnowledgeDataError(
                path, where, f"placeholders differ: zh {sorted(zh_names)}, en {sorted(en_names)}"
            )
    return entry


class Catalogue:
    """Keyed texts merged from several files; see the module docstring for the rules."""

    def __init__(self) -> None:
        self._texts: dict[str, dict[str, Text]] = {}
        self._origin: dict[str, Path] = {}
        self._files: set[Path] = set()

    def add_file(self, path: Path) -> None:
        """Merge one YAML file (loading the same file twice is a no-op)."""
        path = Path(path).resolve()
        if path in self._files:
            return
        data = read_yaml(path)
        if not isinstance(data, Mapping):
            raise KnowledgeDataError(path, "(top level)", "must be a mapping of key -> {zh, en}")
        entries = {key: _entry(path, key, value) for key, value in data.items()}
        for key in entries:
            if key in self._texts:
                raise KnowledgeDataError(
                    path, key, f"duplicate key: already defined in {self._origin[key]}"
                )
        for key, entry in entries.items():
            self._texts[key] = entry
            self._origin[key] = path
        self._files.add(path)

    def __contains__(self, key: str) -> bool:
        return key in self._texts

    def keys(self) -> list[str]:
        return sorted(self._texts)

    def _raw(self, key: str, lang: str | None) -> Text:
        try:
            entry = self._texts[key]
        except KeyError:
            hint = "is its texts.yaml registered?"
            raise KeyError(f"no text {key!r} in the catalogue ({hint})") from None
        return entry[normalise_lang(lang)]

    def text(self, key: str, lang: str | None = DEFAULT_LANG, **values: object) -> str:
        template = self._raw(key, lang)
        if not isinstance(template, str):
            raise TypeError(f"text {key!r} is a list; use texts()")
        # Always formatted, so "{{" means a literal brace whether or not values are passed.
        return template.format(**{name: escape(value) for name, value in values.items()})

    def texts(self, key: str, lang: str | None = DEFAULT_LANG) -> tuple[str, ...]:
        items = self._raw(key, lang)
        if isinstance(items, str):
            raise TypeError(f"text {key!r} is a string; use text()")
        return items


CATALOGUE = Catalogue()
CATALOGUE.add_file(Path(__file__).with_name("texts.yaml"))


def register_texts(path: Path) -> None:
    """Merge a slice's texts.yaml into the one catalogue (call it from the slice's __init__)."""
    CATALOGUE.add_file(path)


def t(key: str, lang: str | None = DEFAULT_LANG, **values: object) -> str:
    """The text `key` in `lang` (Chinese unless "en"), with HTML-escaped `values` filled in."""
    return CATALOGUE.text(key, lang, **values)


def t_list(key: str, lang: str | None = DEFAULT_LANG) -> tuple[str, ...]:
    """A list-valued text (e.g. the example questions) in `lang`."""
    return CATALOGUE.texts(key, lang)


def examples(lang: str | None) -> tuple[str, ...]:
    """The example questions /start offers (shown by account, answered by ask)."""
    return t_list("examples", lang)
