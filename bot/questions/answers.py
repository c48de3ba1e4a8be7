"""Private answers and chairs' conclusions: the two ways a question is answered or closed outside its thread."""

import logging
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot import permissions
from bot.permissions import Action
from bot.questions import replies
from bot.runtime.deps import Deps
from bot.text import escape, truncate
from storage import events, questions, responses
from storage.models import PostState, Question, ResponseSource, Workshop

logger = logging.getLogger(__name__)

MAX_ANSWER = 3000
MAX_CONCLUSION = 2000


class AnswerRefused(Exception):
    """Shown to the person as the modal's field error or an ephemeral note."""


@dataclass(frozen=True, slots=True)
class Conclusion:
    question_id: int
    channel_id: str
    thread_ts: str
    text: str


def record_private_answer(deps: Deps, question_id: int, user_id: str, text: str, submission_id: str) -> bool:
    """Store a private answer like a thread reply (source: private); False for a repeated submission."""
    text = text.strip()
    if not text:
        raise AnswerRefused("Write an answer before sending it.")
    if len(text) > MAX_ANSWER:
        raise AnswerRefused(f"Answers are limited to {MAX_ANSWER:,} characters.")
    now = deps.clock()
    with deps.db.transaction() as session:
        question = questions.get(session, question_id)
        if question is None or question.state != PostState.POSTED:
            raise AnswerRefused("That question is not open for answers.")
        if not replies.is_open_for_answers(question, now):
            raise AnswerRefused(replies.CLOSED_NOTE)
        if not events.mark_processed(session, f"private-answer:{submission_id}", now=now):
            return False
        responses.add(
            session,
            question_id=question_id,
            user_id=user_id,
            text=text,
            channel_id=None,
            message_ts=None,
            source=ResponseSource.PRIVATE,
            created_at=now,
        )
    return True


NOT_CONCLUDABLE = "Only a posted question can be closed with a conclusion."


def conclusion_refusal(
    deps: Deps, session: Session, question: Question | None, user_id: str, action: Action
) -> str | None:
    """Why `user_id` may not close `question` with a conclusion (open its form or submit it), or None.

    One rule for the form and its submission; `action` picks the refusal's wording for each.
    """
    if question is None or question.state != PostState.POSTED or not question.message_ts:
        return NOT_CONCLUDABLE
    workshop = session.get(Workshop, question.workshop_id)
    decision = permissions.authorise(session, user_id, action, workshop, deps.organisers)
    return decision.message if isinstance(decision, permissions.Refused) else None


def conclude(deps: Deps, question_id: int, user_id: str, text: str) -> Conclusion:
    """A chair's or organiser's closing conclusion; the question stops collecting answers."""
    text = text.strip()
    if not text:
        raise AnswerRefused("Write the conclusion before closing the question.")
    if len(text) > MAX_CONCLUSION:
        raise AnswerRefused(f"Conclusions are limited to {MAX_CONCLUSION:,} characters.")
    with deps.db.transaction() as session:
        question = questions.get(session, question_id)
        problem = conclusion_refusal(deps, session, question, user_id, Action.CONCLUDE_QUESTION)
        if problem is not None or question is None or not question.message_ts:  # the last two narrow types
            raise AnswerRefused(problem or NOT_CONCLUDABLE)
        question.conclusion = text
        question.closed_at = question.closed_at or deps.clock()
        session.add(question)
        return Conclusion(question_id, question.channel_id or "", question.message_ts, text)


@dataclass(frozen=True, slots=True)
class ClosedNote:
    channel_id: str
    thread_ts: str
    user_id: str


def closed_note(message: replies.ThreadMessage | None, outcome: replies.Outcome) -> ClosedNote | None:
    """Whom to tell that their thread reply came after the question closed (it was not recorded): the
    author of the reply itself, once; an edit of that unrecorded reply gets no second note."""
    if (
        outcome is not replies.Outcome.CLOSED
        or message is None
        or message.kind is not replies.MessageKind.POSTED
        or not message.user_id
    ):
        return None
    return ClosedNote(message.channel_id, message.thread_ts or message.ts, message.user_id)


def tell_question_closed(deps: Deps, note: ClosedNote) -> None:
    """The ephemeral note to someone whose thread reply came after the question closed (not recorded)."""
    try:
        deps.slack.chat_postEphemeral(
            channel=note.channel_id,
            user=note.user_id,
            thread_ts=note.thread_ts,
            text=f":lock: {replies.CLOSED_NOTE}",
        )
    except SlackApiError as error:
        logger.warning("closed-question note not delivered: %s", error.response.get("error"))


def post_closing_note(deps: Deps, conclusion: Conclusion) -> None:
    note = f":white_check_mark: *This question is closed.* Conclusion:\n>{truncate(escape(conclusion.text), 2900)}"
    try:
        deps.slack.chat_postMessage(channel=conclusion.channel_id, thread_ts=conclusion.thread_ts, text=note)
    except SlackApiError as error:
        logger.warning(
            "closing note for question %s failed: %s", conclusion.question_id, error.response.get("error")
        )
