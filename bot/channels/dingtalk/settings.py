"""DingTalk (钉钉) settings, read from the environment exactly as CONTRACTS.md lists them."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.channels.config import ChannelConfigError

DINGTALK_DEFAULT_API_BASE = "https://api.dingtalk.com"
# The media upload still lives on the old API host; a stand-in serves both on one base.
DINGTALK_DEFAULT_OAPI_BASE = "https://oapi.dingtalk.com"


class DingTalkSettings(BaseSettings):
    """`DINGTALK_*` variables: an app robot in Stream mode (no public URL)."""

    model_config = SettingsConfigDict(
        env_prefix="DINGTALK_", env_file=".env", env_file_encoding="utf-8", extra="ignore",
        env_ignore_empty=True,
    )

    client_id: str | None = None
    client_secret: SecretStr | None = None
    robot_code: str | None = None
    api_base: str = DINGTALK_DEFAULT_API_BASE

    def missing(self) -> list[str]:
        needed = ("client_id", "client_secret", "robot_code")
        return [f"DINGTALK_{name.upper()}" for name in needed if not getattr(self, name)]

    @property
    def api_origin(self) -> str:
        return self.api_base.rstrip("/")

    @property
    def oapi_origin(self) -> str:
        """Where `media/upload` lives: oapi.dingtalk.com for the real service, else the base."""
        if urlsplit(self.api_origin).hostname == urlsplit(DINGTALK_DEFAULT_API_BASE).hostname:
            return DINGTALK_DEFAULT_OAPI_BASE
        return self.api_origin


def load_dingtalk_settings(**overrides: object) -> DingTalkSettings:
    try:
        settings = DingTalkSettings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        fields = ", ".join(
            f"DINGTALK_{'_'.join(map(str, e['loc'])).upper()}" for e in exc.errors()
        )
        raise ChannelConfigError(f"DingTalk settings invalid: {fields}") from exc
    missing = settings.missing()
    if missing:
        raise ChannelConfigError(f"DingTalk channel needs {', '.join(missing)}")
    return settings
