"""DingTalk's robot APIs over aiohttp (the SDK's own helpers use blocking `requests`).

- access token: `POST /v1.0/oauth2/accessToken` (appKey/appSecret), cached until 5 minutes
  before `expireIn`, dropped on a 401;
- replies to a message: its `sessionWebhook` (valid until `sessionWebhookExpiredTime`);
- proactive sends: `POST /v1.0/robot/oToMessages/batchSend` (one-to-one, by staff id) and
  `POST /v1.0/robot/groupMessages/send` (by openConversationId), `msgKey` + `msgParam` (a JSON
  string);
- buttons: `POST /v1.0/im/v1.0/robot/interactiveCards/send` (StandardCard) and
  `PUT /v1.0/im/robots/interactiveCards` to update it;
- media: `POST {oapi}/media/upload?access_token=…` (multipart `media`, `type`).

429, 5xx, throttling codes and network errors are retried with backoff.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.channels.dingtalk.settings import DingTalkSettings

logger = logging.getLogger(__name__)

STANDARD_CARD = "StandardCard"


class DingTalkApiError(RuntimeError):
    def __init__(self, operation: str, status: int, code: str, message: str) -> None:
        super().__init__(f"DingTalk {operation} failed: HTTP {status} {code} {message}")
        self.status = status
        self.code = code

    @property
    def retryable(self) -> bool:
        throttled = "throttl" in self.code.lower() or "qps" in self.code.lower()
        # 130101: a robot sending too fast (webhook errcode)
        return self.status in (0, 429) or self.status >= 500 or throttled or self.code == "130101"


@dataclass(frozen=True, slots=True)
class Target:
    """Where a proactive message goes: a user (private chat) or a group conversation."""

    chat_id: str
    group: bool


class DingTalkApi:
    def __init__(self, settings: DingTalkSettings, *, max_attempts: int = 4,
                 backoff: float = 0.5, single_attempt: Callable[[], bool] = lambda: False
                 ) -> None:
        assert settings.client_id and settings.client_secret and settings.robot_code
        self.settings = settings
        self.robot_code = settings.robot_code
        self.max_attempts = max_attempts
        self.backoff = backoff
        # True while a caller with its own retry policy (the reminder Sender) is sending.
        self.single_attempt = single_attempt
        self._token: tuple[str, float] | None = None
        self._token_lock = asyncio.Lock()
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        return self._session

    # -- token ---------------------------------------------------------------------------------

    async def access_token(self) -> str:
        async with self._token_lock:
            if self._token and time.monotonic() < self._token[1]:
                return self._token[0]
            assert self.settings.client_secret
            body = {"appKey": self.settings.client_id,
                    "appSecret": self.settings.client_secret.get_secret_value()}
            url = f"{self.settings.api_origin}/v1.0/oauth2/accessToken"
            async with self.session.post(url, json=body) as response:
                data = await _json(response)
                if response.status != 200 or "accessToken" not in data:
                    raise DingTalkApiError("accessToken", response.status,
                                           str(data.get("code", "")), str(data.get("message", "")))
            lifetime = float(data.get("expireIn", 7200))
            self._token = (str(data["accessToken"]), time.monotonic() + max(lifetime - 300, 60))
            return self._token[0]

    # -- sending -------------------------------------------------------------------------------

    async def reply_webhook(self, webhook: str, payload: dict[str, Any]) -> None:
        """POST a message (`msgtype` text/markdown/actionCard) to a message's sessionWebhook."""
        await self._request("sessionWebhook", "POST", webhook, payload, token=False)

    async def send(self, target: Target, msg_key: str, msg_param: dict[str, Any]) -> str:
        """A proactive message; returns DingTalk's processQueryKey."""
        body: dict[str, Any] = {"robotCode": self.robot_code, "msgKey": msg_key,
                                "msgParam": json.dumps(msg_param, ensure_ascii=False)}
        if target.group:
            body["openConversationId"] = target.chat_id
            path = "/v1.0/robot/groupMessages/send"
        else:
            body["userIds"] = [target.chat_id]
            path = "/v1.0/robot/oToMessages/batchSend"
        data = await self._request(msg_key, "POST", self.settings.api_origin + path, body)
        if target.chat_id in (data.get("invalidStaffIdList") or []):
            raise DingTalkApiError(msg_key, 400, "invalidStaffId", target.chat_id)
        if target.chat_id in (data.get("flowControlledStaffIdList") or []):
            raise DingTalkApiError(msg_key, 429, "flowControlled", target.chat_id)
        return str(data.get("processQueryKey", ""))

    async def send_card(self, target: Target, card: dict[str, Any]) -> str:
        """An interactive card (StandardCard); returns its cardBizId (to update it later)."""
        card_biz_id = uuid.uuid4().hex
        body: dict[str, Any] = {
            "cardTemplateId": STANDARD_CARD, "robotCode": self.robot_code,
            "cardData": json.dumps(card, ensure_ascii=False), "cardBizId": card_biz_id,
            "sendOptions": {"atAll": False},
        }
        if target.group:
            body["openConversationId"] = target.chat_id
        else:
            body["singleChatReceiver"] = json.dumps({"userId": target.chat_id})
        url = f"{self.settings.api_origin}/v1.0/im/v1.0/robot/interactiveCards/send"
        await self._request("interactiveCards.send", "POST", url, body)
        return card_biz_id

    async def update_card(self, card_biz_id: str, card: dict[str, Any]) -> None:
        body = {"cardBizId": card_biz_id, "cardData": json.dumps(card, ensure_ascii=False)}
        url = f"{self.settings.api_origin}/v1.0/im/robots/interactiveCards"
        await self._request("interactiveCards.update", "PUT", url, body)

    async def upload_media(self, data: bytes, file_name: str, media_type: str = "file") -> str:
        """`media/upload` (type image or file); returns the media_id."""
        attempts = 1 if self.single_attempt() else self.max_attempts
        for attempt in range(1, attempts + 1):
            token = await self.access_token()
            form = aiohttp.FormData()
            form.add_field("type", media_type)
            form.add_field("media", data, filename=file_name,
                           content_type="image/png" if media_type == "image" else
                           "application/octet-stream")
            url = f"{self.settings.oapi_origin}/media/upload"
            try:
                async with self.session.post(url, params={"access_token": token},
                                             data=form) as response:
                    payload = await _json(response)
            except (aiohttp.ClientError, TimeoutError) as exc:
                error = DingTalkApiError("media/upload", 0, type(exc).__name__, str(exc))
            else:
                if response.status == 200 and payload.get("errcode", 0) == 0 and payload.get(
                        "media_id"):
                    return str(payload["media_id"])
                error = DingTalkApiError("media/upload", response.status,
                                         str(payload.get("errcode", "")),
                                         str(payload.get("errmsg", "")))
                if payload.get("errcode") in (40014, 42001) or response.status == 401:
                    self._token = None
                    error.status = 500  # retry with a new token
            if not error.retryable or attempt == attempts:
                raise error
            await asyncio.sleep(self.backoff * 2 ** (attempt - 1))
        raise AssertionError("unreachable")

    # -- plumbing ------------------------------------------------------------------------------

    async def _request(self, operation: str, method: str, url: str, body: dict[str, Any], *,
                       token: bool = True) -> dict[str, Any]:
        attempts = 1 if self.single_attempt() else self.max_attempts
        for attempt in range(1, attempts + 1):
            headers = {"Content-Type": "application/json"}
            if token:
                headers["x-acs-dingtalk-access-token"] = await self.access_token()
            try:
                async with self.session.request(method, url, json=body,
                                                headers=headers) as response:
                    data = await _json(response)
                    status = response.status
            except (aiohttp.ClientError, TimeoutError) as exc:
                error = DingTalkApiError(operation, 0, type(exc).__name__, str(exc))
            else:
                errcode = data.get("errcode", 0)
                if status == 200 and errcode in (0, None):
                    return data
                error = DingTalkApiError(operation, status,
                                         str(data.get("code") or errcode or ""),
                                         str(data.get("message") or data.get("errmsg") or ""))
                if token and status == 401:
                    self._token = None
                    error.status = 500  # retry once with a fresh token
            if not error.retryable or attempt == attempts:
                raise error
            logger.warning("%s (attempt %d); retrying", error, attempt)
            await asyncio.sleep(self.backoff * 2 ** (attempt - 1))
        raise AssertionError("unreachable")


async def _json(response: aiohttp.ClientResponse) -> dict[str, Any]:
    try:
        data = await response.json(content_type=None)
    except (ValueError, aiohttp.ContentTypeError):
        return {}
    return data if isinstance(data, dict) else {}
