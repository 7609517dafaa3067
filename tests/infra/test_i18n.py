"""The one text catalogue: lookups, escaping, and the checks every texts.yaml passes at load."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import handlers.account
import handlers.ask  # noqa: F401  (registers the slices' texts)
from infra.i18n import CATALOGUE, Catalogue, examples, t
from knowledge.errors import KnowledgeDataError


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_lookup_defaults_to_chinese_and_escapes_values() -> None:
    assert t("lang.set", "en") == "Language set to English."
    assert t("lang.set", "fr") == t("lang.set", "zh") == "已切换为中文。"
    greeting = t("start.greeting", "en", name="<b>Eve</b>")
    assert "&lt;b&gt;Eve&lt;/b&gt;" in greeting and "<b>Eve</b>" not in greeting
    assert len(examples("zh")) == len(examples("en")) == 3


def _has_words(text: str) -> bool:
    """Text a translator would translate: anything beyond placeholders, emoji and punctuation."""
    return any(ch.isalpha() for ch in re.sub(r"\{[^}]*\}", "", text))


def test_every_registered_key_has_both_languages() -> None:
    for key in CATALOGUE.keys():  # noqa: SIM118  (a Catalogue is not a dict)
        zh, en = CATALOGUE._raw(key, "zh"), CATALOGUE._raw(key, "en")
        assert zh and en
        # An untranslated copy is a bug unless the text has no words ("⚠️ {message}").
        assert zh != en or key == "lang.choose" or not _has_words(zh), key
    assert {"error.generic", "start.greeting", "ask.answer_gone"} <= set(CATALOGUE.keys())


def test_unknown_key_names_the_key() -> None:
    with pytest.raises(KeyError, match=r"no\.such\.key"):
        t("no.such.key")


def test_a_missing_language_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "texts.yaml", "greet:\n  zh: 你好\n")
    with pytest.raises(KnowledgeDataError, match=r"texts.yaml: greet: needs exactly zh and en"):
        Catalogue().add_file(path)


def test_placeholders_must_match(tmp_path: Path) -> None:
    path = _write(tmp_path, "texts.yaml", "greet:\n  zh: 你好，{name}\n  en: Hello, {nmae}\n")
    with pytest.raises(KnowledgeDataError, match=r"greet: placeholders differ"):
        Catalogue().add_file(path)


def test_duplicate_key_across_files_names_both(tmp_path: Path) -> None:
    first = _write(tmp_path, "a.yaml", "greet:\n  zh: 你好\n  en: Hello\n")
    second = _write(
        tmp_path, "b.yaml", "other:\n  zh: 另\n  en: Other\ngreet:\n  zh: 嗨\n  en: Hi\n"
    )
    catalogue = Catalogue()
    catalogue.add_file(first)
    with pytest.raises(KnowledgeDataError, match=r"b.yaml: greet: duplicate key.*a.yaml"):
        catalogue.add_file(second)
    assert "other" not in catalogue  # a refused file adds nothing


def test_duplicate_key_within_a_file_is_refused(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "texts.yaml", "greet:\n  zh: 你好\n  en: Hi\ngreet:\n  zh: 嗨\n  en: Hey\n"
    )
    with pytest.raises(KnowledgeDataError, match="duplicate key"):
        Catalogue().add_file(path)


def test_lists_need_equal_lengths(tmp_path: Path) -> None:
    path = _write(tmp_path, "texts.yaml", "qs:\n  zh: [一, 二]\n  en: [one]\n")
    with pytest.raises(KnowledgeDataError, match="equal-length"):
        Catalogue().add_file(path)


def test_literal_braces_and_list_values(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "texts.yaml",
        "brace:\n  zh: '集合 {{a}}'\n  en: 'set {{a}}'\nqs:\n  zh: [一, 二]\n  en: [one, two]\n",
    )
    catalogue = Catalogue()
    catalogue.add_file(path)
    catalogue.add_file(path)  # the same file twice is a no-op, not a duplicate
    assert catalogue.text("brace", "en") == "set {a}"
    assert catalogue.texts("qs", "en") == ("one", "two")
