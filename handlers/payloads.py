"""Parsing Slack payloads into the domain's plain values. No I/O here."""

from typing import Any

from bot.questions.replies import MessageKind, ThreadMessage, file_names

POSTED_SUBTYPES = frozenset({None, "thread_broadcast", "file_share", "me_message"})


def thread_message(body: dict[str, Any]) -> ThreadMessage | None:
    """The reply-relevant content of a `message` event, or None for subtypes Roundtable ignores."""
    event = body.get("event") or {}
    event_id = body.get("event_id")
    bot_user = _bot_user_id(body)
    channel = event.get("channel")
    subtype = event.get("subtype")
    if not channel:
        return None
    if subtype == "message_changed":
        message = event.get("message") or {}
        previous = event.get("previous_message") or {}
        if not message.get("ts"):
            return None
        return ThreadMessage(
            kind=MessageKind.CHANGED,
            event_id=event_id,
            channel_id=channel,
            ts=message["ts"],
            thread_ts=message.get("thread_ts") or previous.get("thread_ts"),
            user_id=message.get("user") or previous.get("user"),
            text=message.get("text") or "",
            edit_ts=(message.get("edited") or {}).get("ts") or event.get("event_ts"),
            broadcast=message.get("subtype") == "thread_broadcast",
            from_bot=bool(message.get("bot_id")),
            files=file_names(message.get("files")),
            parent_is_bot=_parent_is_bot(
                message.get("parent_user_id") or previous.get("parent_user_id"), bot_user
            ),
        )
    if subtype == "message_deleted":
        previous = event.get("previous_message") or {}
        if not event.get("deleted_ts"):
            return None
        return ThreadMessage(
            kind=MessageKind.DELETED,
            event_id=event_id,
            channel_id=channel,
            ts=event["deleted_ts"],
            thread_ts=previous.get("thread_ts"),
            user_id=previous.get("user"),
            text="",
            from_bot=bool(previous.get("bot_id")),
            parent_is_bot=_parent_is_bot(previous.get("parent_user_id"), bot_user),
        )
    if subtype not in POSTED_SUBTYPES or not event.get("ts"):
        return None
    return ThreadMessage(
        kind=MessageKind.POSTED,
        event_id=event_id,
        channel_id=channel,
        ts=event["ts"],
        thread_ts=event.get("thread_ts"),
        user_id=event.get("user"),
        text=event.get("text") or "",
        broadcast=subtype == "thread_broadcast",
        from_bot=bool(event.get("bot_id")) or subtype == "bot_message",
        files=file_names(event.get("files")),
        parent_is_bot=_parent_is_bot(event.get("parent_user_id"), bot_user),
    )


def _bot_user_id(body: dict[str, Any]) -> str | None:
    """The bot's own user id, from the envelope's authorizations (no Slack call needed)."""
    for authorization in body.get("authorizations") or []:
        if isinstance(authorization, dict) and authorization.get("is_bot") and authorization.get("user_id"):
            return str(authorization["user_id"])
    return None


def _parent_is_bot(parent_user_id: Any, bot_user_id: str | None) -> bool | None:
    """Whether the bot started the thread; None when the event or the envelope does not say."""
    if not parent_user_id or not bot_user_id:
        return None
    return str(parent_user_id) == bot_user_id
