"""Errors raised while loading policy data: they always name the file and the field."""

from __future__ import annotations

from pathlib import Path


class KnowledgeDataError(ValueError):
    """A data file is malformed or inconsistent. The message names the file and the field."""

    def __init__(self, path: Path | str, field: str, message: str) -> None:
        self.path = Path(path)
        self.field = field
        self.message = message
        super().__init__(f"{self.path}: {field}: {message}")
