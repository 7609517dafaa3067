"""WeCom API error codes as typed exceptions (https://developer.work.weixin.qq.com/document/path/90313).

Only the codes the channel reacts to differently get their own class; everything else is a
`WeComAPIError` carrying the code and message, which callers treat as permanent.
"""

from __future__ import annotations

# Codes that mean "the access_token is not (or no longer) valid": fetch a new one and retry.
TOKEN_CODES = frozenset({40014, 41001, 42001})
# Codes that mean "too many calls" (or -1 "system busy"): back off and retry.
RATE_LIMIT_CODES = frozenset({-1, 45009, 45033})
# The recipient cannot receive from this application (not in its visible range, left the
# corporation): the WeCom counterpart of Telegram's 403.
UNREACHABLE_CODES = frozenset({60111, 81013, 82001})


class WeComError(Exception):
    """Base class of everything the WeCom client raises."""


class WeComNetworkError(WeComError):
    """The API could not be reached or answered with a non-200 HTTP status (retryable)."""


class WeComAPIError(WeComError):
    """The API answered with a non-zero `errcode`."""

    def __init__(self, errcode: int, errmsg: str, *, path: str = "") -> None:
        super().__init__(f"WeCom {path or 'API'} errcode {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg
        self.path = path


class WeComTokenError(WeComAPIError):
    """40014 invalid / 42001 expired access_token (the client refreshes and retries once)."""


class WeComRateLimited(WeComAPIError):
    """45009 API frequency limit / 45033 too many concurrent calls: retry with backoff."""

    retry_after: float = 1.0


class WeComUnreachable(WeComAPIError):
    """The user cannot receive messages from this application."""


class WeComContentError(WeComAPIError):
    """The message itself was refused (e.g. 45047 too many card buttons, 44004 empty text)."""


# The message itself was refused: 40008 bad msgtype, 44004 empty text, 45002 too long,
# 40058 a parameter out of range, 45047 a template card over its limits.
CONTENT_CODES = frozenset({40008, 44004, 45002, 45047, 40058})


def error_for(errcode: int, errmsg: str, *, path: str = "") -> WeComAPIError:
    """The exception class that describes `errcode`."""
    if errcode in TOKEN_CODES:
        return WeComTokenError(errcode, errmsg, path=path)
    if errcode in RATE_LIMIT_CODES:
        return WeComRateLimited(errcode, errmsg, path=path)
    if errcode in UNREACHABLE_CODES:
        return WeComUnreachable(errcode, errmsg, path=path)
    if errcode in CONTENT_CODES:
        return WeComContentError(errcode, errmsg, path=path)
    return WeComAPIError(errcode, errmsg, path=path)
