"""The question message's controls, Slack-free: who may open which form, and what the form shows.

The stored effect (a private answer, a conclusion) belongs to bot.answers, which checks again at
submission: these checks only spare people a form they could not send.
"""

from dataclasses import dataclass
from datetime import datetime

from bot import answers
from bot.deps import Deps
from bot.polls import may_manage, refusal
from storage import events, questions
from storage.models import PostState, Question, Workshop


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
    if question.closed_at is not None or (question.close_at is not None and question.close_at <= now):
        return "That question has closed; answers are no longer collected."
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
        if question is None or question.state != PostState.POSTED or not question.message_ts:
            return Refusal("Only a posted question can be closed with a conclusion.")
        if not may_manage(session, question.workshop_id, user_id, deps.organisers):
            workshop = session.get(Workshop, question.workshop_id)
            return Refusal(refusal(session, workshop, deps.organisers, "close a question with a conclusion"))
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
