"""Reading the YAML data files: one strict loader and one error form for all of them.

Every data file (measures, notice, fact sheets, criteria editions, lexicon, FAQ, the evaluation
set) is read here, so each gets the same guarantees: duplicate keys are rejected (plain PyYAML
silently keeps the last one, which would hide a doubled indicator or synonym), and every problem
is a `KnowledgeDataError` naming the file and the field.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from knowledge.errors import KnowledgeDataError

_BaseLoader: type = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader


class StrictLoader(_BaseLoader):  # type: ignore[misc,valid-type]
    """Safe loader (libyaml when available: loading runs at every CLI start) that rejects
    duplicate keys."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    mapping: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
    return mapping


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def parse_yaml(path: Path, raw: bytes | str) -> Any:
    """Parse one file's content; `path` only names it in errors."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        return yaml.load(text, Loader=StrictLoader)  # a SafeLoader subclass
    except UnicodeDecodeError as exc:
        raise KnowledgeDataError(path, "(file)", f"not UTF-8: {exc}") from exc
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = f" at line {where.line + 1}" if where is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise KnowledgeDataError(path, "(yaml)", f"malformed YAML{line}: {problem}") from exc


def read_yaml(path: Path) -> Any:
    """Read and parse a data file."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise KnowledgeDataError(path, "(file)", "file not found") from exc
    except OSError as exc:
        raise KnowledgeDataError(path, "(file)", f"cannot read: {exc}") from exc
    return parse_yaml(path, raw)


def field_path(loc: Sequence[int | str]) -> str:
    """('chapters', 3, 'articles', 1, 'ref') -> 'chapters[3].articles[1].ref'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.startswith(("function-", "tagged-union")):
            continue  # pydantic's internal validator names are noise to a data editor
        else:
            out += f".{part}" if out else part
    return out or "(top level)"


def validation_error(path: Path, exc: ValidationError) -> KnowledgeDataError:
    """The first pydantic error, as a KnowledgeDataError naming the file and the field, worded
    for the person editing the file. The one mapping for every data file: criteria editions,
    provinces, the lexicon, the measures and fact sheets, the FAQ and the evaluation set."""
    error = exc.errors(include_url=False)[0]
    field_name = field_path(error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden":
        message = "unknown key"
    elif kind == "missing":
        message = "required field is missing"
    elif kind in ("string_too_short", "too_short") or (
        kind == "string_type" and error.get("input") is None
    ):
        message = "must not be empty"
    else:
        message = str(error["msg"]).removeprefix("Value error, ")
        # Cross-field checks name their field in the message ("text: must not be empty"):
        # move it into the field path so every error reads the same way.
        head, sep, rest = message.partition(": ")
        if sep and head.isidentifier():
            field_name, message = f"{field_name}.{head}", rest
    return KnowledgeDataError(path, field_name, message)
