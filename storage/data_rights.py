"""Data-rights queries: everything stored about one person, deleting it, purging a workshop.

"About one person" means every row that holds their Slack id: responses, votes and reasons in attributed
polls (by `user_id` and by the raw id in `voter_key`), roles, invitations, reminders, the reminder setting,
the polls they created and early replies still waiting for their question's ts. Rows of anonymous polls
and the person's weigh-in views hold only a keyed hash and are left alone; others' weigh-in views of an
answer are deleted with the answer.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, or_, update
from sqlmodel import Session, col, select

from storage.models import (
    EarlyReply,
    Invitee,
    Nudge,
    Poll,
    PollOption,
    PollReason,
    Question,
    Response,
    Role,
    UserPreference,
    Vote,
    WeighinVote,
    Workshop,
)
from storage.weighin import delete_views_on


def responses_of(session: Session, user_id: str) -> list[dict[str, Any]]:
    """The person's answers, and the tombstones (`deleted_at` set) of answers they deleted in Slack."""
    statement = (
        select(Response, Question, Workshop)
        .join(Question, col(Question.id) == col(Response.question_id))
        .join(Workshop, col(Workshop.id) == col(Question.workshop_id))
        .where(Response.user_id == user_id)
        .order_by(col(Response.created_at), col(Response.id))
    )
    return [
        {
            "workshop": workshop.slug,
            "question": question.text,
            "text": response.text,
            "source": response.source,
            "created_at": response.created_at.isoformat(),
            "edited_at": response.edited_at.isoformat() if response.edited_at else None,
            "deleted_at": response.deleted_at.isoformat() if response.deleted_at else None,
        }
        for response, question, workshop in session.exec(statement).all()
    ]


def _attributed(model: type[Vote] | type[PollReason], user_id: str) -> ColumnElement[bool]:
    """Rows of `user_id` in attributed polls: by user_id, or by the raw id that is their voter key there."""
    named = select(Poll.id).where(col(Poll.anonymous).is_(False))
    return or_(
        col(model.user_id) == user_id, and_(col(model.voter_key) == user_id, col(model.poll_id).in_(named))
    )


def attributed_votes_of(session: Session, user_id: str) -> list[dict[str, Any]]:
    statement = (
        select(Vote, Poll, PollOption)
        .join(Poll, col(Poll.id) == col(Vote.poll_id))
        .join(PollOption, col(PollOption.id) == col(Vote.option_id))
        .where(_attributed(Vote, user_id))
        .order_by(col(Vote.created_at), col(Vote.id))
    )
    return [
        {"poll": poll.question, "option": option.label, "created_at": vote.created_at.isoformat()}
        for vote, poll, option in session.exec(statement).all()
    ]


def attributed_reasons_of(session: Session, user_id: str) -> list[dict[str, Any]]:
    statement = (
        select(PollReason, Poll)
        .join(Poll, col(Poll.id) == col(PollReason.poll_id))
        .where(_attributed(PollReason, user_id))
        .order_by(col(PollReason.created_at), col(PollReason.id))
    )
    return [
        {"poll": poll.question, "reason": reason.text, "created_at": reason.created_at.isoformat()}
        for reason, poll in session.exec(statement).all()
    ]


def invitations_of(session: Session, user_id: str) -> list[dict[str, Any]]:
    statement = (
        select(Invitee, Workshop)
        .join(Workshop, col(Workshop.id) == col(Invitee.workshop_id))
        .where(Invitee.user_id == user_id)
        .order_by(col(Workshop.slug))
    )
    return [
        {"workshop": workshop.slug, "sector": invitee.sector}
        for invitee, workshop in session.exec(statement).all()
    ]


def nudges_of(session: Session, user_id: str) -> list[dict[str, Any]]:
    statement = (
        select(Nudge, Question, Workshop)
        .join(Question, col(Question.id) == col(Nudge.question_id))
        .join(Workshop, col(Workshop.id) == col(Question.workshop_id))
        .where(Nudge.user_id == user_id)
        .order_by(col(Nudge.id))
    )
    return [
        {
            "workshop": workshop.slug,
            "question": question.text,
            "sent_at": nudge.sent_at.isoformat() if nudge.sent_at else None,
        }
        for nudge, question, workshop in session.exec(statement).all()
    ]


def preferences_of(session: Session, user_id: str) -> dict[str, Any] | None:
    preference = session.get(UserPreference, user_id)
    if preference is None:
        return None
    return {"nudges_enabled": preference.nudges_enabled, "updated_at": preference.updated_at.isoformat()}


def polls_created_by(session: Session, user_id: str) -> list[dict[str, Any]]:
    statement = select(Poll).where(Poll.created_by == user_id).order_by(col(Poll.created_at), col(Poll.id))
    return [
        {"poll": poll.question, "created_at": poll.created_at.isoformat()}
        for poll in session.exec(statement).all()
    ]


def early_replies_of(session: Session, user_id: str) -> list[dict[str, Any]]:
    """Thread replies kept for at most an hour until their question's ts is recorded (bot.questions.replies)."""
    statement = select(EarlyReply).where(EarlyReply.user_id == user_id).order_by(col(EarlyReply.id))
    return [
        {"channel": reply.channel_id, "text": reply.text, "received_at": reply.received_at.isoformat()}
        for reply in session.exec(statement).all()
    ]


def roles_of(session: Session, user_id: str) -> list[dict[str, str]]:
    statement = (
        select(Role, Workshop)
        .join(Workshop, col(Workshop.id) == col(Role.workshop_id))
        .where(Role.user_id == user_id)
        .order_by(col(Workshop.slug), col(Role.role))
    )
    return [
        {"workshop": workshop.slug, "role": role.role} for role, workshop in session.exec(statement).all()
    ]


def delete_person(session: Session, user_id: str) -> dict[str, int]:
    """Delete every row holding `user_id` (responses with their tombstones, attributed votes and reasons,
    roles, invitations, reminders, the reminder setting, early replies) and take their id off the polls they
    created.
    Returns how many rows of each kind, keyed like `count_person`."""
    affected = session.exec(select(Vote.poll_id).where(_attributed(Vote, user_id))).all()
    # Others' weigh-in views of the person's answers go with the answers (their own views, keyed, stay).
    delete_views_on(session, select(Response.id).where(Response.user_id == user_id))
    deleted = {
        "responses": session.exec(delete(Response).where(col(Response.user_id) == user_id)),
        "votes": session.exec(delete(Vote).where(_attributed(Vote, user_id))),
        "reasons": session.exec(delete(PollReason).where(_attributed(PollReason, user_id))),
        "roles": session.exec(delete(Role).where(col(Role.user_id) == user_id)),
        "invitations": session.exec(delete(Invitee).where(col(Invitee.user_id) == user_id)),
        "nudges": session.exec(delete(Nudge).where(col(Nudge.user_id) == user_id)),
        "preference": session.exec(delete(UserPreference).where(col(UserPreference.user_id) == user_id)),
        "polls_created": session.exec(
            update(Poll).where(col(Poll.created_by) == user_id).values(created_by=None)
        ),
        "early_replies": session.exec(delete(EarlyReply).where(col(EarlyReply.user_id) == user_id)),
    }
    for poll_id in set(affected):  # poll messages must be re-rendered without these votes
        poll = session.get(Poll, poll_id)
        if poll is not None:
            poll.vote_version += 1
            session.add(poll)
    return {kind: result.rowcount for kind, result in deleted.items()}


def count_person(session: Session, user_id: str) -> dict[str, int]:
    """How many rows of each kind hold `user_id`: what `delete_person` would delete or unname."""
    return {
        "responses": len(responses_of(session, user_id)),
        "votes": len(attributed_votes_of(session, user_id)),
        "reasons": len(attributed_reasons_of(session, user_id)),
        "roles": len(roles_of(session, user_id)),
        "invitations": len(invitations_of(session, user_id)),
        "nudges": len(nudges_of(session, user_id)),
        "preference": 0 if preferences_of(session, user_id) is None else 1,
        "polls_created": len(polls_created_by(session, user_id)),
        "early_replies": len(early_replies_of(session, user_id)),
    }


def purge_workshop(session: Session, slug: str) -> bool:
    """Delete a workshop and its questions, responses, reminders, polls, votes, reasons, roles and invitees."""
    workshop = session.exec(select(Workshop).where(Workshop.slug == slug)).first()
    if workshop is None:
        return False
    workshop_id = workshop.id
    poll_ids = select(Poll.id).where(Poll.workshop_id == workshop_id)
    question_ids = select(Question.id).where(Question.workshop_id == workshop_id)
    # Explicit deletes, children first, so the purge does not depend on the database enforcing cascades.
    session.execute(delete(WeighinVote).where(col(WeighinVote.workshop_id) == workshop_id))
    session.execute(delete(Vote).where(col(Vote.poll_id).in_(poll_ids)))
    session.execute(delete(PollReason).where(col(PollReason.poll_id).in_(poll_ids)))
    session.execute(delete(PollOption).where(col(PollOption.poll_id).in_(poll_ids)))
    session.execute(delete(Poll).where(col(Poll.workshop_id) == workshop_id))
    session.execute(delete(Response).where(col(Response.question_id).in_(question_ids)))
    session.execute(delete(Nudge).where(col(Nudge.question_id).in_(question_ids)))
    session.execute(delete(Question).where(col(Question.workshop_id) == workshop_id))
    session.execute(delete(Role).where(col(Role.workshop_id) == workshop_id))
    session.execute(delete(Invitee).where(col(Invitee.workshop_id) == workshop_id))
    session.delete(workshop)
    return True


def delete_responses_of_workshops_ended_before(session: Session, cutoff: datetime) -> int:
    """Retention: drop the raw responses of every workshop that ended before `cutoff`."""
    ended = (
        select(Question.id)
        .join(Workshop, col(Workshop.id) == col(Question.workshop_id))
        .where(col(Workshop.ends_at) < cutoff)
    )
    delete_views_on(session, select(Response.id).where(col(Response.question_id).in_(ended)))
    result = session.exec(delete(Response).where(col(Response.question_id).in_(ended)))
    return result.rowcount
