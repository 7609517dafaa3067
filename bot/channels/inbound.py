"""Channel-neutral inbound events: what a platform layer hands to the seam.

A platform's own event (a Feishu `im.message.receive_v1`, a DingTalk robot message, a card
click) becomes one of these; the seam turns them into aiogram `Update`s. Ids are the
platform's own strings (open ids, staff ids, conversation ids).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

ChatType = Literal["private", "group"]


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """A text the user typed (in a group: only when the bot was @-mentioned)."""

    channel: str
    event_id: str  # the platform's de-duplication key
    user_id: str
    chat_id: str
    chat_type: ChatType
    text: str
    message_id: str = ""
    user_name: str | None = None
    # Whatever the platform needs to answer this very message (DingTalk: sessionWebhook).
    reply_context: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class InboundAction:
    """A button pressed on a card the bot sent: `data` is the button's callback_data."""

    channel: str
    event_id: str
    user_id: str
    chat_id: str
    chat_type: ChatType
    message_id: str  # the card's id on the platform
    data: str
    user_name: str | None = None


InboundEvent = InboundMessage | InboundAction
