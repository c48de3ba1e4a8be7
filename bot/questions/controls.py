"""The question message's controls: who may open which form, what the form shows, and their removal.

The stored effect (a private answer, a conclusion) belongs to bot.questions.answers, which checks again at
submission: these checks only spare people a form they could not send. Once a question closes (a chair's
conclusion, or its close time) its message is updated once to say so, without the controls.
"""

import logging
from dataclasses import dataclass
from datetime import datetime

from slack_sdk.errors import SlackApiError

from bot.permissions import Action
from bot.questions import answers, replies
from bot.questions import blocks as question_blocks
from bot.runtime.deps import Deps
from storage import events, questions
from storage.models import PostState, Question, Workshop

logger = logging.getLogger(__name__)

CLOSED_PER_SWEEP = 20  # chat.update is rate-limited (Tier 3); the rest wait for the next sweep
# Errors after which the update is tried again by a later sweep (Slack busy or down, the token not working
# until a reinstall); others (message_not_found, is_archived, ...) would fail forever.
RETRYABLE = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
    | {"invalid_auth", "token_revoked", "account_inactive", "not_authed"}
)


@dataclass(frozen=True, slots=True)
class QuestionPrompt:
    question_id: int
    text: str


@dataclass(frozen=True, slots=True)
class Refusal:
    message: str


def answering_refusal(question: Question | None, now: datetime) -> str | None:
    """Why `question` takes no private answer now (the rule of answers.record_private_answer), or None."""
    if question is None or question.state != PostState.POSTED:
        return "That question is not open for answers."
    if not replies.is_open_for_answers(question, now):
        return replies.CLOSED_NOTE
    return None


def private_answer_prompt(deps: Deps, question_id: int) -> QuestionPrompt | Refusal:
    with deps.db.reading() as session:
        question = questions.get(session, question_id)
        problem = answering_refusal(question, deps.clock())
        if problem is not None or question is None:
            return Refusal(problem or "That question is not open for answers.")
        return QuestionPrompt(question_id, question.text)


def conclusion_prompt(deps: Deps, question_id: int, user_id: str) -> QuestionPrompt | Refusal:
    """The conclusion form for chairs and organisers of the question's workshop (and global organisers)."""
    with deps.db.reading() as session:
        question = questions.get(session, question_id)
        problem = answers.conclusion_refusal(deps, session, question, user_id, Action.OPEN_CONCLUSION_FORM)
        if problem is not None or question is None:
            return Refusal(problem or answers.NOT_CONCLUDABLE)
        return QuestionPrompt(question_id, question.text)


def conclude_once(
    deps: Deps, question_id: int, user_id: str, text: str, submission_id: str
) -> answers.Conclusion | None:
    """Record a conclusion (answers.conclude re-checks the role; raises AnswerRefused).

    The conclusion to announce in the thread, or None when this submission was already handled.
    """
    conclusion = answers.conclude(deps, question_id, user_id, text)
    with deps.db.transaction() as session:
        first = events.mark_processed(session, f"conclusion:{submission_id}", now=deps.clock())
    return conclusion if first else None


def announce_conclusion(deps: Deps, conclusion: answers.Conclusion) -> None:
    """After the ack: the closing note in the thread, then the question message without its controls."""
    answers.post_closing_note(deps, conclusion)
    show_closed(deps, conclusion.question_id)


def show_closed_questions(deps: Deps) -> int:
    """The scheduler's sweep: every closed question whose message still offers its controls; how many."""
    with deps.db.reading() as session:
        due = [q.id for q, _ in questions.closed_but_shown_open(session, deps.clock(), CLOSED_PER_SWEEP)]
    return sum(show_closed(deps, question_id) for question_id in due if question_id is not None)


def show_closed(deps: Deps, question_id: int) -> bool:
    """chat.update the question message as closed, at most once (a claim in the database decides)."""
    now = deps.clock()
    with deps.db.transaction() as session:
        question = questions.get(session, question_id)
        if question is None or not question.message_ts or replies.is_open_for_answers(question, now):
            return False
        if not questions.claim_closed_shown(session, question_id, now):
            return False
        workshop = session.get(Workshop, question.workshop_id)
        channel, ts = question.channel_id or "", question.message_ts
        message = question_blocks.closed_question_message(
            question_id=question_id, workshop_title=workshop.title if workshop else "", text=question.text
        )
    try:
        # deps.slack sleeps out a 429's Retry-After and tries again before this gives up.
        deps.slack.chat_update(channel=channel, ts=ts, **message)
    except SlackApiError as error:
        code = str(error.response.get("error") or "")
        logger.warning("closed question %s: message not updated (%s)", question_id, code)
        if code in RETRYABLE or error.response.status_code >= 500:
            with deps.db.transaction() as session:
                questions.release_closed_shown(session, question_id)
        return False
    return True
