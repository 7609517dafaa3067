"""Every data file is read by one strict loader: duplicate keys and bad YAML name file and field."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from knowledge.criteria import CRITERIA_DIR, load_edition_file
from knowledge.datafile import field_path, read_yaml, validation_error
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


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ref: str = Field(min_length=1)
    weight: int = 1

    @model_validator(mode="after")
    def _check(self) -> _Entry:
        if self.weight > 5:
            raise ValueError("weight: at most 5")
        return self


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")
    entries: list[_Entry]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"entries": [{"ref": "a", "colour": 1}]}, "entries[0].colour", "unknown key"),
        ({"entries": [{}]}, "entries[0].ref", "required field is missing"),
        ({"entries": [{"ref": ""}]}, "entries[0].ref", "must not be empty"),
        ({"entries": [{"ref": "a", "weight": 9}]}, "entries[0].weight", "at most 5"),
        ({"entries": [{"ref": "a", "weight": "x"}]}, "entries[0].weight", "valid integer"),
    ],
)
def test_one_error_mapping_for_every_data_file(
    data: dict[str, Any], field: str, message: str
) -> None:
    path = Path("some/file.yaml")
    with pytest.raises(ValidationError) as caught:
        _File.model_validate(data)
    error = validation_error(path, caught.value)
    assert error.path == path and error.field == field
    assert message in error.message and str(path) in str(error)


def test_the_lexicon_uses_the_one_mapping(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.yaml"
    path.write_text("version: 1\nwords: [集群]\nsurprise: 1\n", encoding="utf-8")
    with pytest.raises(KnowledgeDataError) as caught:
        load_lexicon(path)
    assert (caught.value.field, caught.value.message) == ("surprise", "unknown key")
