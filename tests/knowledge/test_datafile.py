"""Every data file is read by one strict loader: duplicate keys and bad YAML name file and field."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from knowledge.criteria import CRITERIA_DIR, load_edition_file
from knowledge.datafile import field_path, read_yaml
from knowledge.errors import KnowledgeDataError
from knowledge.lexicon import LEXICON_PATH, load_lexicon
from retrieval.faq import FAQ_PATH, load_faq


def _with_duplicated_first_key(source: Path, target: Path) -> Path:
    """A copy of `source` whose first top-level key appears twice (valid YAML syntax)."""
    text = source.read_text(encoding="utf-8")
    first = next(line for line in text.splitlines() if line and not line.startswith(("#", " ")))
    target.write_text(f"{text}\n{first}\n", encoding="utf-8")
    return target


@pytest.mark.parametrize(
    ("source", "load"),
    [
        (CRITERIA_DIR / "national-2022.yaml", load_edition_file),
        (LEXICON_PATH, load_lexicon),
        (FAQ_PATH, load_faq),
    ],
    ids=["criteria", "lexicon", "faq"],
)
def test_duplicate_keys_are_rejected_in_every_kind_of_file(
    tmp_path: Path, source: Path, load: Callable[[Path], Any]
) -> None:
    load(source)  # the shipped file itself loads
    broken = _with_duplicated_first_key(source, tmp_path / source.name)
    with pytest.raises(KnowledgeDataError) as caught:
        load(broken)
    assert caught.value.path == broken and caught.value.field == "(yaml)"
    assert "duplicate key" in str(caught.value) and source.name in str(caught.value)


def test_malformed_and_missing_files_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: [1, 2\n", encoding="utf-8")
    with pytest.raises(KnowledgeDataError, match=r"bad\.yaml: \(yaml\): malformed YAML at line"):
        read_yaml(bad)
    with pytest.raises(KnowledgeDataError, match=r"gone\.yaml: \(file\): file not found"):
        read_yaml(tmp_path / "gone.yaml")
    bad.write_bytes(b"a: \xff\xfe\n")
    with pytest.raises(KnowledgeDataError, match="not UTF-8"):
        read_yaml(bad)


def test_field_paths_read_like_the_file() -> None:
    assert field_path(("chapters", 3, "articles", 1, "ref")) == "chapters[3].articles[1].ref"
    assert field_path(("dimensions", "function-after[check()]", 0)) == "dimensions[0]"
    assert field_path(()) == "(top level)"
