"""Feishu's message APIs through the official SDK (`lark-oapi`), asynchronously.

Every call goes through `lark.Client` built with `.domain(FEISHU_API_BASE)`, so a stand-in can
serve it. The SDK fetches the tenant_access_token with a blocking request inside `verify()`;
`_call` warms that cache in a worker thread first, so the event loop never blocks on it. An
expired token (99991663/99991661/99991668) empties the cache and the call is tried again; the
rate limit (99991400) and 5xx answers are retried with backoff.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from bot.channels.feishu.settings import FeishuSettings

logger = logging.getLogger(__name__)

RATE_LIMITED = 99991400
TOKEN_INVALID = frozenset({99991661, 99991663, 99991668, 99991664})
T = TypeVar("T")


class FeishuApiError(RuntimeError):
    def __init__(self, code: int, msg: str, *, operation: str) -> None:
        super().__init__(f"Feishu {operation} failed: code {code} {msg}")
        self.code = code
        self.msg = msg

    @property
    def retryable(self) -> bool:
        return self.code == RATE_LIMITED or self.code in TOKEN_INVALID or self.code < 0


class FeishuApi:
    """`send_card`, `update_card`, `upload_image`, `upload_file`, `send_image`, `send_file`."""

    def __init__(self, settings: FeishuSettings, *, max_attempts: int = 4,
                 backoff: float = 0.5, single_attempt: Callable[[], bool] = lambda: False
                 ) -> None:
        import lark_oapi as lark
        from lark_oapi.core.cache import LocalCache

        assert settings.app_id and settings.app_secret
        self.settings = settings
        self.max_attempts = max_attempts
        self.backoff = backoff
        # True while a caller with its own retry policy (the reminder Sender) is sending.
        self.single_attempt = single_attempt
        self._cache = LocalCache()
        self.client = (
            lark.Client.builder()
            .app_id(settings.app_id)
            .app_secret(settings.app_secret.get_secret_value())
            .domain(settings.api_origin)
            .cache(self._cache)
            .timeout(30)
            .log_level(lark.LogLevel.WARNING)
            .build()
        )

    # -- messages ------------------------------------------------------------------------------

    async def send(self, receive_id: str, msg_type: str, content: dict[str, Any], *,
                   id_type: str = "chat_id") -> str:
        """`im.v1.message.create`; returns the new message_id. `content` becomes a JSON string."""
        from lark_oapi.api.im.v1 import CreateMessageRequest, CreateMessageRequestBody

        body = (CreateMessageRequestBody.builder().receive_id(receive_id).msg_type(msg_type)
                .content(json.dumps(content, ensure_ascii=False)).build())
        request = CreateMessageRequest.builder().receive_id_type(id_type).request_body(body).build()
        response = await self._call("message.create",
                                    lambda: self.client.im.v1.message.acreate(request))
        return str(response.data.message_id)

    async def send_card(self, receive_id: str, card: dict[str, Any], *,
                        id_type: str = "chat_id") -> str:
        return await self.send(receive_id, "interactive", card, id_type=id_type)

    async def update_card(self, message_id: str, card: dict[str, Any]) -> None:
        """`im.v1.message.patch`: replace a card the bot sent (cards need `update_multi`)."""
        from lark_oapi.api.im.v1 import PatchMessageRequest, PatchMessageRequestBody

        body = PatchMessageRequestBody.builder().content(
            json.dumps(card, ensure_ascii=False)).build()
        request = PatchMessageRequest.builder().message_id(message_id).request_body(body).build()
        await self._call("message.patch", lambda: self.client.im.v1.message.apatch(request))

    # -- media ---------------------------------------------------------------------------------

    async def upload_image(self, data: bytes) -> str:
        """`im.v1.image.create` (image_type=message); returns the image_key."""
        from lark_oapi.api.im.v1 import CreateImageRequest, CreateImageRequestBody

        def request() -> Awaitable[Any]:
            body = CreateImageRequestBody.builder().image_type("message").image(
                io.BytesIO(data)).build()
            return self.client.im.v1.image.acreate(
                CreateImageRequest.builder().request_body(body).build())

        response = await self._call("image.create", request)
        return str(response.data.image_key)

    async def upload_file(self, data: bytes, file_name: str) -> str:
        """`im.v1.file.create`; returns the file_key. The type follows the extension."""
        from lark_oapi.api.im.v1 import CreateFileRequest, CreateFileRequestBody

        extension = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
        file_type = {"pdf": "pdf", "doc": "doc", "docx": "doc", "xls": "xls", "xlsx": "xls",
                     "ppt": "ppt", "pptx": "ppt", "mp4": "mp4", "opus": "opus"}.get(extension,
                                                                                     "stream")

        def request() -> Awaitable[Any]:
            body = (CreateFileRequestBody.builder().file_type(file_type).file_name(file_name)
                    .file(io.BytesIO(data)).build())
            return self.client.im.v1.file.acreate(
                CreateFileRequest.builder().request_body(body).build())

        response = await self._call("file.create", request)
        return str(response.data.file_key)

    async def send_image(self, receive_id: str, data: bytes, *, id_type: str = "chat_id") -> str:
        image_key = await self.upload_image(data)
        return await self.send(receive_id, "image", {"image_key": image_key}, id_type=id_type)

    async def send_file(self, receive_id: str, data: bytes, file_name: str, *,
                        id_type: str = "chat_id") -> str:
        file_key = await self.upload_file(data, file_name)
        return await self.send(receive_id, "file", {"file_key": file_key}, id_type=id_type)

    # -- plumbing ------------------------------------------------------------------------------

    async def _call(self, operation: str, make: Callable[[], Awaitable[T]]) -> T:
        from lark_oapi.core.token import TokenManager

        delay = self.backoff
        attempts = 1 if self.single_attempt() else self.max_attempts
        for attempt in range(1, attempts + 1):
            try:
                # The SDK would fetch a missing token with a blocking call: do it off the loop.
                await asyncio.to_thread(TokenManager.get_self_tenant_token, self.client._config)
                response: Any = await make()
                code = int(response.code) if response.code is not None else -1
                if code == 0:
                    return response
                error = FeishuApiError(code, str(response.msg or ""), operation=operation)
            except FeishuApiError:
                raise
            except Exception as exc:  # network error, or a non-JSON 5xx body
                error = FeishuApiError(-1, f"{type(exc).__name__}: {exc}", operation=operation)
                if "obtain self tenant access token failed" in str(exc):
                    raise error from exc
            if error.code in TOKEN_INVALID:
                TokenManager.cache.set(f"self_tenant_token:{self.settings.app_id}", "", 0)
            if not error.retryable or attempt == attempts:
                raise error
            logger.warning("%s (attempt %d), retrying in %.1fs", error, attempt, delay)
            await asyncio.sleep(delay)
            delay *= 2
        raise AssertionError("unreachable")
