"""The SDK's event objects -> channel-neutral inbound events.

Used by both transports: the HTTP callback (after the SDK decrypted and verified the event)
and the long connection (the SDK decodes the protobuf frames into the same objects).
"""

from __future__ import annotations

import json
import re
from typing import Any

from bot.channels.feishu.render import button_data
from bot.channels.inbound import InboundAction, InboundMessage

CHANNEL = "feishu"
_MENTION_KEY = re.compile(r"@_user_\d+\s*")


def message_event(event: Any) -> InboundMessage | None:
    """`im.message.receive_v1` -> InboundMessage; None for what the bot does not answer:
    non-text messages, bot senders, and group messages that do not @-mention anybody."""
    header, body = event.header, event.event
    if body is None or body.message is None or body.sender is None:
        return None
    message, sender = body.message, body.sender
    if sender.sender_type not in (None, "user") or message.message_type != "text":
        return None
    group = message.chat_type != "p2p"
    if group and not message.mentions:
        return None  # only @-mentions are for the bot in a group
    try:
        text = str(json.loads(message.content or "{}").get("text", ""))
    except ValueError:
        return None
    text = _MENTION_KEY.sub("", text).strip()
    open_id = sender.sender_id.open_id if sender.sender_id else None
    if not text or not open_id or not message.chat_id:
        return None
    return InboundMessage(
        channel=CHANNEL,
        event_id=str(header.event_id if header and header.event_id else message.message_id),
        user_id=open_id,
        chat_id=message.chat_id,
        chat_type="group" if group else "private",
        text=text,
        message_id=message.message_id or "",
    )


def action_event(event: Any) -> InboundAction | None:
    """`card.action.trigger` -> InboundAction (None when the click is not one of our buttons)."""
    header, body = event.header, event.event
    if body is None or body.action is None or body.operator is None or body.context is None:
        return None
    data = button_data(body.action.value)
    open_id = body.operator.open_id
    context = body.context
    if data is None or not open_id or not context.open_message_id:
        return None
    chat_id = context.open_chat_id or ""
    return InboundAction(
        channel=CHANNEL,
        event_id=str(header.event_id) if header and header.event_id else
        f"{context.open_message_id}:{open_id}:{data}",
        user_id=open_id,
        chat_id=chat_id,
        # Feishu's click carries no chat type; a p2p chat is the user's own (set by the seam).
        chat_type="private",
        message_id=context.open_message_id,
        data=data,
    )
