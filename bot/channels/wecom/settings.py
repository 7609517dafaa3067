"""WeCom (企业微信) self-built application settings, read from the environment (`WECOM_*`).

The names and defaults are the ones `CONTRACTS.md` lists. The application `Settings` composes
this class; it is usable on its own so the channel can be built and tested in isolation.
"""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.channels.config import ChannelConfigError

DEFAULT_API_BASE = "https://qyapi.weixin.qq.com"

# The variables a running WeCom channel cannot do without, in the order an operator sets them.
__all__ = ["ChannelConfigError", "WeComSettings"]

REQUIRED = ("WECOM_CORP_ID", "WECOM_AGENT_ID", "WECOM_SECRET", "WECOM_TOKEN", "WECOM_AES_KEY")


class WeComSettings(BaseSettings):
    """Everything the WeCom channel needs. Environment names are the field names upper-cased."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    wecom_corp_id: str | None = None
    wecom_agent_id: int | None = None
    wecom_secret: SecretStr | None = None
    wecom_token: SecretStr | None = None
    wecom_aes_key: SecretStr | None = None
    wecom_api_base: str = DEFAULT_API_BASE
    wecom_callback_host: str = "0.0.0.0"  # WeCom must reach the callback from outside
    wecom_callback_port: int = 8090
    wecom_callback_path: str = "/wecom/callback"

    # Sending limits. WeCom limits an application per member (30 messages a minute) and the
    # whole corporation per API (10,000 calls a minute); 45009 means one of them was hit.
    wecom_send_rate_per_second: float = Field(default=20.0, gt=0)
    wecom_send_rate_per_user_per_minute: float = Field(default=30.0, gt=0)
    wecom_max_attempts: int = Field(default=4, ge=1, description="Tries per API call")
    wecom_retry_base_delay: float = Field(default=0.5, ge=0, description="First backoff (doubles)")
    wecom_http_timeout: float = Field(default=15.0, gt=0)

    def missing(self) -> list[str]:
        """The required variables that are not set (empty when the channel can run)."""
        values = {
            "WECOM_CORP_ID": self.wecom_corp_id,
            "WECOM_AGENT_ID": self.wecom_agent_id,
            "WECOM_SECRET": self.wecom_secret,
            "WECOM_TOKEN": self.wecom_token,
            "WECOM_AES_KEY": self.wecom_aes_key,
        }
        return [name for name in REQUIRED if not _present(values[name])]

    def require(self) -> WeComSettings:
        """Self, or ChannelConfigError naming every missing or malformed variable."""
        missing = self.missing()
        if missing:
            raise ChannelConfigError(
                "the WeCom channel needs " + ", ".join(missing) + " (see README, WeCom)"
            )
        key = self.aes_key
        if len(key) != 43:
            raise ChannelConfigError(
                f"WECOM_AES_KEY must be the 43-character EncodingAESKey, got {len(key)} characters"
            )
        if not self.wecom_callback_path.startswith("/"):
            raise ChannelConfigError("WECOM_CALLBACK_PATH must start with '/'")
        return self

    # Unwrapped values for code that has called `require()`.
    @property
    def corp_id(self) -> str:
        return self.wecom_corp_id or ""

    @property
    def agent_id(self) -> int:
        return int(self.wecom_agent_id or 0)

    @property
    def secret(self) -> str:
        return self.wecom_secret.get_secret_value() if self.wecom_secret else ""

    @property
    def token(self) -> str:
        return self.wecom_token.get_secret_value() if self.wecom_token else ""

    @property
    def aes_key(self) -> str:
        return self.wecom_aes_key.get_secret_value() if self.wecom_aes_key else ""

    @property
    def api_base(self) -> str:
        return self.wecom_api_base.rstrip("/")


def _present(value: object) -> bool:
    if isinstance(value, SecretStr):
        return bool(value.get_secret_value())
    return value is not None and value != ""
