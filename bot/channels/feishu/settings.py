"""Feishu (飞书) settings, read from the environment exactly as CONTRACTS.md lists them."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.channels.config import ChannelConfigError

FEISHU_DEFAULT_API_BASE = "https://open.feishu.cn"


class FeishuSettings(BaseSettings):
    """`FEISHU_*` variables. `ws` (long connection) needs no public URL; `http` needs one."""

    model_config = SettingsConfigDict(
        env_prefix="FEISHU_", env_file=".env", env_file_encoding="utf-8", extra="ignore",
        env_ignore_empty=True,
    )

    app_id: str | None = None
    app_secret: SecretStr | None = None
    encrypt_key: SecretStr | None = None
    verification_token: SecretStr | None = None
    mode: Literal["ws", "http"] = "ws"
    api_base: str = FEISHU_DEFAULT_API_BASE
    callback_host: str = "0.0.0.0"
    callback_port: int = Field(default=8091, ge=0, le=65535)
    callback_path: str = "/feishu/events"

    def missing(self) -> list[str]:
        """Variables this mode needs that are not set, as environment variable names."""
        needed = ["app_id", "app_secret"]
        if self.mode == "http":
            # Without both, a forged event could not be told from a real one.
            needed += ["encrypt_key", "verification_token"]
        return [f"FEISHU_{name.upper()}" for name in needed if not getattr(self, name)]

    @property
    def api_origin(self) -> str:
        return self.api_base.rstrip("/")


def load_feishu_settings(**overrides: object) -> FeishuSettings:
    """Settings from the environment (and `.env`); an error names what is missing."""
    try:
        settings = FeishuSettings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        fields = ", ".join(f"FEISHU_{'_'.join(map(str, e['loc'])).upper()}" for e in exc.errors())
        raise ChannelConfigError(f"Feishu settings invalid: {fields}") from exc
    missing = settings.missing()
    if missing:
        raise ChannelConfigError(
            f"Feishu channel needs {', '.join(missing)} (mode {settings.mode})"
        )
    return settings
