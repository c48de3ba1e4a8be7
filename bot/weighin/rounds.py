"""What chairs and organisers do with the weigh-in: start a round in a question's thread, and take an
off-topic answer out of the deck (or put it back). Role checks through bot.permissions. Slack-free but
for `post_invitation`, which runs after the ack.
"""

import logging
from dataclasses import dataclass

from bot import permissions
from bot.permissions import Action
from bot.runtime.deps import Deps
from bot.text import escape, parse_id
from bot.weighin import blocks
from storage import questions as question_store
from storage import responses, roles
from storage import weighin as store
from storage.models import ResponseSource, Workshop

logger = logging.getLogger(__name__)

USAGE = "`/roundtable weigh-in [QUESTION]`: QUESTION is the question's number in its workshop (1, 2, …)."


@dataclass(frozen=True, slots=True)
class Invitation:
    question_id: int
    number: int
    channel_id: str
    thread_ts: str


@dataclass(frozen=True, slots=True)
class Refused:
    message: str


def parse_number(arguments: str) -> int | Refused | None:
    """The question number typed (`3` or `#3`), None for none, or a refusal saying what was wrong."""
    text = arguments.strip().removeprefix("#")
    if not text:
        return None
    number = parse_id(text)
    if number is None:
        return Refused(f"{USAGE} Not {escape(arguments.strip())}.")
    return number


def start_round(
    deps: Deps, user_id: str, channel_id: str, channel_name: str | None, arguments: str
) -> Invitation | Refused:
    """Check the role and find the question; the invitation itself is posted after the ack."""
    number = parse_number(arguments)
    if isinstance(number, Refused):
        return number
    with deps.db.reading() as session:
        bound = list(roles.workshops_for_channel(session, channel_id, channel_name))
        if not bound:
            return Refused("This channel has no workshop, so there is nothing to weigh in on here.")
        first: permissions.Refused | None = None
        for workshop in bound:
            decision = permissions.authorise(
                session, user_id, Action.START_WEIGH_IN, workshop, deps.organisers
            )
            if isinstance(decision, permissions.Refused):
                first = first or decision
                continue
            question = store.posted_question(
                session, workshop.id or 0, None if number is None else number - 1
            )
            if question is None or question.id is None or not question.channel_id or not question.message_ts:
                which = f"question {number}" if number else "any question"
                return Refused(f"*{escape(workshop.title)}* has not posted {which} yet.")
            return Invitation(question.id, question.position + 1, question.channel_id, question.message_ts)
        assert first is not None
        return Refused(first.message)


def post_invitation(deps: Deps, invitation: Invitation) -> None:
    """Post the invitation, with the Weigh in button, in the question's thread (after the ack)."""
    message = blocks.invitation_message(invitation.question_id, invitation.number)
    deps.posting.chat_postMessage(channel=invitation.channel_id, thread_ts=invitation.thread_ts, **message)


EXCLUDED = (
    "Taken out of the weigh-in: nobody is shown this answer any more. It stays in the digest's transcript."
)
INCLUDED = "Back in the weigh-in: people who have not given a view on this answer will be shown it."
ALREADY_EXCLUDED = "This answer is already out of the weigh-in."
ALREADY_INCLUDED = "This answer is already in the weigh-in."
NOT_AN_ANSWER = "That message is not an answer to a Roundtable question, so it is not in any weigh-in."


def set_exclusion(deps: Deps, user_id: str, channel_id: str, message_ts: str, excluded: bool) -> str:
    """Exclude (or include) the answer posted as (channel, ts); what to tell the chair."""
    with deps.db.transaction() as session:
        response = responses.by_message(session, channel_id, message_ts)
        if response is None or response.id is None or response.source == ResponseSource.PRIVATE:
            return NOT_AN_ANSWER
        question = question_store.get(session, response.question_id)
        workshop = session.get(Workshop, question.workshop_id) if question is not None else None
        action = Action.EXCLUDE_FROM_WEIGH_IN
        decision = permissions.authorise(session, user_id, action, workshop, deps.organisers)
        if isinstance(decision, permissions.Refused):
            return decision.message
        if response.deleted_at is not None:
            return NOT_AN_ANSWER
        if not store.set_excluded(session, response.id, excluded):
            return ALREADY_EXCLUDED if excluded else ALREADY_INCLUDED
        logger.info("answer %s %s the weigh-in", response.id, "taken out of" if excluded else "put back in")
        return EXCLUDED if excluded else INCLUDED
