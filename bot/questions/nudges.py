"""Quiet nudges: one private DM per invitee per question, before it closes, only to those who have not replied.

Never a public mention, never twice (a unique row is claimed before the DM is sent), never to someone who
replied or turned nudges off (`/roundtable nudges off`), never in a workshop whose organisers disabled them.
"""

import logging
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.runtime.deps import Deps
from bot.text import escape, truncate
from storage import nudges, responses

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PendingNudge:
    question_id: int
    user_id: str
    question_text: str
    workshop_title: str
    channel_id: str
    message_ts: str


def pending(deps: Deps) -> list[PendingNudge]:
    now = deps.clock()
    due = []
    with deps.db.reading() as session:
        for question, workshop in nudges.open_questions_in_nudge_window(session, now):
            if question.id is None or not question.channel_id or not question.message_ts:
                continue
            invited = nudges.invitees(session, workshop.id or 0)
            if workshop.invite_channel:
                members = set(_channel_members(deps, question.channel_id)) - {deps.bot_user_id()}
                invited = sorted(set(invited) | members)
            skip = responses.answerers(session, question.id) | nudges.already_nudged(session, question.id)
            candidates = [user for user in invited if user not in skip]
            skip_too = nudges.opted_out(session, candidates)
            due += [
                PendingNudge(
                    question.id, user, question.text, workshop.title, question.channel_id, question.message_ts
                )
                for user in candidates
                if user not in skip_too
            ]
    return due


def send_due(deps: Deps) -> int:
    """Send every due nudge; returns how many DMs went out."""
    sent = 0
    for nudge in pending(deps):
        with deps.db.transaction() as session:
            nudge_id = nudges.claim(session, nudge.question_id, nudge.user_id)
        if nudge_id is None:
            continue
        try:
            deps.slack.chat_postMessage(channel=nudge.user_id, **message(nudge, _permalink(deps, nudge)))
        except SlackApiError as error:
            # The claim stays: a nudge is a courtesy, and sending one twice is worse than missing one.
            logger.warning(
                "nudge for question %s not delivered: %s", nudge.question_id, error.response.get("error")
            )
            continue
        with deps.db.transaction() as session:
            nudges.mark_sent(session, nudge_id, deps.clock())
        sent += 1
    return sent


def message(nudge: PendingNudge, permalink: str | None) -> dict[str, Any]:
    question = truncate(escape(nudge.question_text), 2500)
    link = f"<{permalink}|Open the thread>" if permalink else "Find it in the workshop channel"
    text = (
        f"A question in *{escape(nudge.workshop_title)}* closes soon and would welcome your view:\n>{question}\n"
        f"{link} and reply there, or answer privately. (Turn these reminders off with `/roundtable nudges off`.)"
    )
    return {
        "text": text,
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, 3000)}}],
    }


def set_preference(deps: Deps, user_id: str, enabled: bool) -> None:
    with deps.db.transaction() as session:
        nudges.set_nudges(session, user_id, enabled)


def _permalink(deps: Deps, nudge: PendingNudge) -> str | None:
    try:
        return str(
            deps.slack.chat_getPermalink(channel=nudge.channel_id, message_ts=nudge.message_ts)["permalink"]
        )
    except SlackApiError:
        return None


def _channel_members(deps: Deps, channel_id: str) -> list[str]:
    members: list[str] = []
    cursor = None
    try:
        while True:
            page = deps.slack.conversations_members(channel=channel_id, limit=1000, cursor=cursor)
            listed: list[object] = page.get("members", [])  # get() is typed as its default
            members += [str(m) for m in listed]
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return members
    except SlackApiError as error:
        logger.warning("could not list members of %s: %s", channel_id, error.response.get("error"))
        return members
