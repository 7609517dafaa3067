"""Structured logs with one request id per update.

`infra.request_id.RequestIdMiddleware` (outermost update middleware) gives every update an id
(`<update id>-<6 hex>`), stored in a context variable that asyncio copies into every task the
handler starts; `RequestIdFilter` puts it on each log record as `request_id` ("-" outside an
update). `LOG_FORMAT=json` prints one JSON object per line (time, level, logger, message,
request_id, exception), the shape log collectors parse without rules.
"""

from __future__ import annotations

import json
import logging
import secrets
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

request_id_var: ContextVar[str] = ContextVar("smebot_request_id", default="-")

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"


def new_request_id(prefix: str | int | None = None) -> str:
    suffix = secrets.token_hex(3)
    return f"{prefix}-{suffix}" if prefix is not None else suffix


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", request_id_var.get()),
        }
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False)


def configure_logging(level: int, *, fmt: str = "text", stream: Any = None) -> None:
    """Root handler on stderr with the request-id filter (idempotent: replaces our handler)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_smebot", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream)
    handler._smebot = True  # type: ignore[attr-defined]
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root.addHandler(handler)
    root.setLevel(level)
