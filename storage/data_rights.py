"""Data-rights queries: everything stored about one person, deleting it, purging a workshop."""

from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from storage.models import Invitee, Poll, PollOption, Question, Response, Role, Vote, Workshop


def responses_of(session: Session, user_id: str) -> list[dict[str, Any]]:
    statement = (
        select(Response, Question, Workshop)
        .join(Question, col(Question.id) == col(Response.question_id))
        .join(Workshop, col(Workshop.id) == col(Question.workshop_id))
        .where(Response.user_id == user_id, col(Response.deleted_at).is_(None))
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
        }
        for response, question, workshop in session.exec(statement).all()
    ]


def attributed_votes_of(session: Session, user_id: str) -> list[dict[str, Any]]:
    statement = (
        select(Vote, Poll, PollOption)
        .join(Poll, col(Poll.id) == col(Vote.poll_id))
        .join(PollOption, col(PollOption.id) == col(Vote.option_id))
        .where(Vote.user_id == user_id)
        .order_by(col(Vote.created_at), col(Vote.id))
    )
    return [
        {"poll": poll.question, "option": option.label, "created_at": vote.created_at.isoformat()}
        for vote, poll, option in session.exec(statement).all()
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


def delete_person(session: Session, user_id: str) -> tuple[int, int]:
    """Delete a person's responses (tombstones too) and attributed votes; (responses, votes) deleted."""
    affected = session.exec(select(Vote.poll_id).where(Vote.user_id == user_id)).all()
    responses = session.execute(delete(Response).where(col(Response.user_id) == user_id))
    votes = session.execute(delete(Vote).where(col(Vote.user_id) == user_id))
    for poll_id in set(affected):  # poll messages must be re-rendered without these votes
        poll = session.get(Poll, poll_id)
        if poll is not None:
            poll.vote_version += 1
            session.add(poll)
    return responses.rowcount, votes.rowcount  # type: ignore[attr-defined]


def purge_workshop(session: Session, slug: str) -> bool:
    """Delete a workshop and, by cascade, its questions, responses, polls, votes, roles and invitees."""
    workshop = session.exec(select(Workshop).where(Workshop.slug == slug)).first()
    if workshop is None:
        return False
    workshop_id = workshop.id
    poll_ids = select(Poll.id).where(Poll.workshop_id == workshop_id)
    question_ids = select(Question.id).where(Question.workshop_id == workshop_id)
    # Explicit deletes, children first, so the purge does not depend on the database enforcing cascades.
    session.execute(delete(Vote).where(col(Vote.poll_id).in_(poll_ids)))
    session.execute(delete(PollOption).where(col(PollOption.poll_id).in_(poll_ids)))
    session.execute(delete(Poll).where(col(Poll.workshop_id) == workshop_id))
    session.execute(delete(Response).where(col(Response.question_id).in_(question_ids)))
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
    result = session.execute(delete(Response).where(col(Response.question_id).in_(ended)))
    return result.rowcount  # type: ignore[attr-defined,no-any-return]
