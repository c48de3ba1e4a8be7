"""Telling organisers what went wrong, and finding channels by the name written in a workshop file."""

import logging
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot.questions import blocks
from bot.runtime.deps import Deps
from bot.text import escape, truncate
from storage.models import Question, Workshop

logger = logging.getLogger(__name__)


class ChannelNotFound(Exception):
    pass


def resolve_channel(deps: Deps, ref: str) -> str:
    """A channel id for an id or a "#name" (looked up once with conversations.list, then cached)."""
    if not ref.startswith("#"):
        return ref
    name = ref[1:]
    cached = deps.channel_ids.get(name)
    if cached:
        return cached
    cursor = None
    while True:
        page = deps.slack.conversations_list(
            types="public_channel,private_channel", exclude_archived=True, limit=1000, cursor=cursor
        )
        channels: list[dict[str, Any]] = page.get("channels", [])  # get() is typed as its default
        for channel in channels:
            if channel.get("name") == name:
                deps.channel_ids[name] = str(channel["id"])
                return str(channel["id"])
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            raise ChannelNotFound(ref)


def try_join(deps: Deps, channel_id: str) -> bool:
    """Join a public channel the bot was not invited to; private channels need an invitation."""
    try:
        deps.slack.conversations_join(channel=channel_id)
        return True
    except SlackApiError as error:
        logger.warning("could not join %s: %s", channel_id, error.response.get("error"))
        return False


def post_joining_if_needed(deps: Deps, channel_id: str, message: dict[str, Any]) -> tuple[str, str]:
    """chat.postMessage; on not_in_channel, join (public channels) and post once more. (channel, ts)."""
    try:
        response = deps.posting.chat_postMessage(channel=channel_id, **message)
    except SlackApiError as error:
        if error.response.get("error") != "not_in_channel" or not try_join(deps, channel_id):
            raise
        response = deps.posting.chat_postMessage(channel=channel_id, **message)
    return str(response["channel"]), str(response["ts"])


def find_posted(
    deps: Deps, channel_id: str, event_type: str, key: str, value: int, since: datetime
) -> str | None:
    """The ts of a message this app posted since `since` whose metadata says {key: value}, if one exists.

    How a post whose answer was lost (a dropped connection) is found instead of being posted twice.
    """
    oldest = f"{(since - timedelta(minutes=5)).timestamp():.6f}"
    cursor = None
    while True:
        try:
            page = deps.slack.conversations_history(
                channel=channel_id, oldest=oldest, include_all_metadata=True, limit=200, cursor=cursor
            )
        except SlackApiError as error:
            # Unreadable history (e.g. not_in_channel) means the earlier attempt could not have posted either.
            logger.warning(
                "could not read %s to look for an earlier post: %s", channel_id, error.response.get("error")
            )
            return None
        messages: list[dict[str, Any]] = page.get("messages", [])
        for message in messages:
            metadata = message.get("metadata") or {}
            if (
                metadata.get("event_type") == event_type
                and (metadata.get("event_payload") or {}).get(key) == value
            ):
                return str(message["ts"])
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return None


def remember_channel(session: Session, question_id: int, channel_id: str) -> None:
    question = session.get(Question, question_id)
    workshop = question and session.get(Workshop, question.workshop_id)
    if workshop and workshop.channel_id != channel_id:
        workshop.channel_id = channel_id
        session.add(workshop)


def organisers(deps: Deps, user_ids: list[str], text: str) -> None:
    """DM each organiser; a failure to reach one is logged, never raised into the caller's loop."""
    for user_id in user_ids:
        try:
            deps.slack.chat_postMessage(channel=user_id, **blocks.organiser_notice(text))
        except SlackApiError as error:
            logger.warning("could not DM organiser %s: %s", user_id, error.response.get("error"))


def missed_question(title: str, text: str, post_at: datetime) -> str:
    return (
        f":warning: *{escape(title)}*: the question “{truncate(escape(text), 500)}” was due at "
        f"{post_at:%Y-%m-%d %H:%M} UTC while Roundtable was not running, beyond the grace period, "
        "so it was not posted. To post it, give it a new time in the workshop file and load the file again."
    )


def failed_question(title: str, text: str, code: str) -> str:
    hints = {
        "not_in_channel": "invite the bot to the channel (/invite @Roundtable)",
        "channel_not_found": "check the workshop's channel, and invite the bot if it is private",
        "is_archived": "the channel is archived; unarchive it or move the workshop",
        "invalid_auth": "the bot token is no longer valid; reinstall the app",
    }
    hint = hints.get(code, "see the bot's logs")
    return (
        f":x: *{escape(title)}*: the question “{truncate(escape(text), 500)}” could not be posted "
        f"(`{code}`): {hint}. Then give it a new time in the workshop file and load the file again."
    )
