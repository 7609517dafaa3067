"""The outbound side of WeCom: an aiohttp client for the self-built application's API.

- `gettoken` (corpid + secret) gives an access_token valid for `expires_in` (7200 s). It is
  cached and fetched again a few minutes before it expires, and at once when the API answers
  40014 (invalid) or 42001 (expired); the call is then repeated once with the new token.
- 45009 (frequency limit) and network/5xx failures are retried with exponential backoff, up to
  `max_attempts`; the last failure is raised as a typed exception (`errors.py`).
- `message/send` for text, `template_card` (button_interaction), image and file (the latter two
  after `media/upload`); `message/update_template_card` after a click.

Only one token fetch runs at a time (a lock), so a burst of sends after expiry costs one call.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Callable
from typing import Any, Literal

import aiohttp

from bot.channels.wecom.errors import (
    WeComAPIError,
    WeComNetworkError,
    WeComRateLimited,
    WeComTokenError,
    error_for,
)
from bot.channels.wecom.settings import WeComSettings

logger = logging.getLogger(__name__)

# Refresh this long before WeCom's own expiry, so a token never dies in flight.
TOKEN_MARGIN_SECONDS = 300.0
MediaKind = Literal["image", "voice", "video", "file"]


class WeComClient:
    """One per application (corp id + agent id + secret). Close it with `close()`."""

    def __init__(
        self,
        settings: WeComSettings,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Any] = asyncio.sleep,
    ) -> None:
        self.settings = settings
        self.base = settings.api_base
        self.agent_id = settings.agent_id
        self.max_attempts = settings.wecom_max_attempts
        self.base_delay = settings.wecom_retry_base_delay
        self._monotonic = monotonic
        self._sleep = sleep
        self._session: aiohttp.ClientSession | None = None
        self._token: str | None = None
        self._token_expires_at = 0.0
        self._token_lock: asyncio.Lock | None = None
        self.token_fetches = 0

    # -- plumbing --------------------------------------------------------------------------

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            timeout = aiohttp.ClientTimeout(total=self.settings.wecom_http_timeout)
            self._session = aiohttp.ClientSession(timeout=timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def access_token(self, *, force: bool = False) -> str:
        """The cached token, fetched again when close to expiry or when `force`d."""
        if self._token_lock is None:
            self._token_lock = asyncio.Lock()
        stale = self._token
        async with self._token_lock:
            # Another task may have refreshed while this one waited for the lock.
            if self._token is not None and self._monotonic() < self._token_expires_at and not (
                force and self._token == stale
            ):
                return self._token
            payload = await self._request(
                "GET", "/cgi-bin/gettoken",
                params={"corpid": self.settings.corp_id, "corpsecret": self.settings.secret},
            )
            self.token_fetches += 1
            token = str(payload["access_token"])
            lifetime = float(payload.get("expires_in", 7200))
            self._token = token
            self._token_expires_at = self._monotonic() + max(60.0, lifetime - TOKEN_MARGIN_SECONDS)
            return token

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: dict[str, Any] | None = None,
        form: Callable[[], aiohttp.FormData] | None = None,
    ) -> dict[str, Any]:
        """One HTTP exchange; a non-zero errcode raises its typed exception."""
        try:
            async with self._http().request(
                method, self.base + path, params=params,
                data=(form() if form is not None else
                      json.dumps(json_body, ensure_ascii=False).encode() if json_body is not None
                      else None),
                headers={"Content-Type": "application/json; charset=utf-8"}
                if json_body is not None else None,
            ) as response:
                if response.status != 200:
                    raise WeComNetworkError(f"WeCom {path}: HTTP {response.status}")
                payload = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise WeComNetworkError(f"WeCom {path}: {type(exc).__name__}: {exc}") from exc
        if not isinstance(payload, dict):
            raise WeComNetworkError(f"WeCom {path}: not a JSON object")
        errcode = int(payload.get("errcode", 0) or 0)
        if errcode != 0:
            raise error_for(errcode, str(payload.get("errmsg", "")), path=path)
        return payload

    async def call(
        self,
        path: str,
        *,
        json_body: dict[str, Any] | None = None,
        form: Callable[[], aiohttp.FormData] | None = None,
        params: dict[str, Any] | None = None,
        max_attempts: int | None = None,
    ) -> dict[str, Any]:
        """POST to an authenticated endpoint with the token and retry policy described above."""
        attempts_allowed = max(1, max_attempts or self.max_attempts)
        attempt = 0
        token_retried = False
        while True:
            attempt += 1
            token = await self.access_token()
            try:
                return await self._request(
                    "POST", path, params={**(params or {}), "access_token": token},
                    json_body=json_body, form=form,
                )
            except WeComTokenError:
                if token_retried:
                    raise
                token_retried = True
                attempt -= 1  # a stale token is not the call's fault
                logger.info("WeCom token rejected on %s; fetching a new one", path)
                await self.access_token(force=True)
                continue
            except (WeComRateLimited, WeComNetworkError) as exc:
                if attempt >= attempts_allowed:
                    raise
                delay = self.base_delay * 2 ** (attempt - 1) * (1 + random.random() * 0.1)
                logger.warning("WeCom %s (attempt %d), retrying in %.2fs: %s", path, attempt,
                               delay, exc)
                await self._sleep(delay)

    # -- messages ----------------------------------------------------------------------------

    def _envelope(self, user_id: str, msgtype: str, body: dict[str, Any]) -> dict[str, Any]:
        return {"touser": user_id, "msgtype": msgtype, "agentid": self.agent_id, msgtype: body,
                "enable_duplicate_check": 0}

    async def send_text(self, user_id: str, content: str, **kw: Any) -> dict[str, Any]:
        return await self.call("/cgi-bin/message/send",
                               json_body=self._envelope(user_id, "text", {"content": content}),
                               **kw)

    async def send_template_card(
        self, user_id: str, card: dict[str, Any], **kw: Any
    ) -> dict[str, Any]:
        """Send a template card; the answer carries `msgid` and (for interactive cards)
        `response_code`."""
        return await self.call("/cgi-bin/message/send",
                               json_body=self._envelope(user_id, "template_card", card), **kw)

    async def upload_media(
        self, kind: MediaKind, filename: str, data: bytes, content_type: str, **kw: Any
    ) -> str:
        """`media/upload` (multipart field `media`); returns the media_id (valid 3 days)."""

        def form() -> aiohttp.FormData:
            # Raw UTF-8 file names: WeCom shows a percent-quoted name as is.
            built = aiohttp.FormData(quote_fields=False)
            built.add_field("media", data, filename=filename, content_type=content_type)
            return built

        payload = await self.call("/cgi-bin/media/upload", form=form, params={"type": kind}, **kw)
        media_id = payload.get("media_id")
        if not media_id:
            raise WeComAPIError(-1, "media/upload answered without media_id",
                                path="/cgi-bin/media/upload")
        return str(media_id)

    async def send_image(self, user_id: str, media_id: str, **kw: Any) -> dict[str, Any]:
        return await self.call("/cgi-bin/message/send",
                               json_body=self._envelope(user_id, "image", {"media_id": media_id}),
                               **kw)

    async def send_file(self, user_id: str, media_id: str, **kw: Any) -> dict[str, Any]:
        return await self.call("/cgi-bin/message/send",
                               json_body=self._envelope(user_id, "file", {"media_id": media_id}),
                               **kw)

    async def update_button(
        self, user_ids: list[str], response_code: str, replace_name: str, **kw: Any
    ) -> dict[str, Any]:
        """After a click: turn the card's buttons into one disabled label (e.g. "已选择：是")."""
        return await self.call(
            "/cgi-bin/message/update_template_card",
            json_body={"userids": user_ids, "agentid": self.agent_id,
                       "response_code": response_code,
                       "button": {"replace_name": replace_name[:20]}},
            **kw,
        )
