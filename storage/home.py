"""Queries behind the App Home: participation counts, what awaits a person, open polls. One pass each."""

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, func, or_, select

from storage import responses
from storage.models import Invitee, Poll, PollState, PostState, Question, Response, Vote, Workshop


def invitee_counts(session: Session, workshop_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """{workshop: (invitees who replied to any question, invitees)}."""
    if not workshop_ids:
        return {}
    invited = dict(
        session.exec(
            select(Invitee.workshop_id, func.count())
            .where(col(Invitee.workshop_id).in_(workshop_ids))
            .group_by(col(Invitee.workshop_id))
        ).all()
    )
    replied = dict(
        session.exec(
            select(Question.workshop_id, func.count(func.distinct(Response.user_id)))
            .join(Response, col(Response.question_id) == col(Question.id))
            .join(
                Invitee,
                (col(Invitee.workshop_id) == col(Question.workshop_id))
                & (col(Invitee.user_id) == col(Response.user_id)),
            )
            .where(col(Question.workshop_id).in_(workshop_ids), responses.counts_as_answer())
            .group_by(col(Question.workshop_id))
        ).all()
    )
    return {w: (replied.get(w, 0), invited.get(w, 0)) for w in workshop_ids}


def upcoming(session: Session, workshop_id: int, limit: int) -> list[tuple[str, datetime, str]]:
    """The next scheduled posts: (kind, when, text)."""
    next_questions = session.exec(
        select(Question)
        .where(Question.workshop_id == workshop_id, col(Question.state) == PostState.SCHEDULED)
        .order_by(col(Question.post_at))
        .limit(limit)
    ).all()
    next_polls = session.exec(
        select(Poll)
        .where(
            Poll.workshop_id == workshop_id,
            col(Poll.state) == PollState.SCHEDULED,
            col(Poll.open_at).is_not(None),
        )
        .order_by(col(Poll.open_at))
        .limit(limit)
    ).all()
    items = [("question", q.post_at, q.text) for q in next_questions]
    items += [("poll", p.open_at, p.question) for p in next_polls if p.open_at is not None]
    return sorted(items, key=lambda item: item[1])[:limit]


def next_scheduled_question(session: Session, workshop_id: int) -> Question | None:
    return session.exec(
        select(Question)
        .where(Question.workshop_id == workshop_id, col(Question.state) == PostState.SCHEDULED)
        .order_by(col(Question.post_at), col(Question.position))
    ).first()


def open_polls(session: Session, workshop_ids: Sequence[int]) -> list[Poll]:
    if not workshop_ids:
        return []
    statement = (
        select(Poll)
        .where(col(Poll.workshop_id).in_(workshop_ids), col(Poll.state) == PollState.OPEN)
        .order_by(col(Poll.created_at), col(Poll.id))
    )
    return list(session.exec(statement).all())


def participant_workshops(session: Session, user_id: str) -> list[Workshop]:
    """Active workshops the person is invited to or has answered in."""
    invited = select(Invitee.workshop_id).where(Invitee.user_id == user_id)
    answered = select(Question.workshop_id).where(col(Question.id).in_(responses.answered_questions(user_id)))
    statement = (
        select(Workshop)
        .where(col(Workshop.active), or_(col(Workshop.id).in_(invited), col(Workshop.id).in_(answered)))
        .order_by(col(Workshop.starts_at), col(Workshop.slug))
    )
    return list(session.exec(statement).all())


def awaiting_answer(
    session: Session, workshop_ids: Sequence[int], user_id: str, now: datetime
) -> list[Question]:
    """Posted, still-open questions the person has not answered."""
    if not workshop_ids:
        return []
    answered = responses.answered_questions(user_id)
    statement = (
        select(Question)
        .where(
            col(Question.workshop_id).in_(workshop_ids),
            col(Question.state) == PostState.POSTED,
            col(Question.closed_at).is_(None),
            or_(col(Question.close_at).is_(None), col(Question.close_at) > now),
            col(Question.id).not_in(answered),
        )
        .order_by(col(Question.posted_at), col(Question.id))
    )
    return list(session.exec(statement).all())


def voted_polls(session: Session, poll_keys: dict[int, str]) -> set[int]:
    """Which of {poll: voter key} already hold a vote under that key."""
    if not poll_keys:
        return set()
    rows = session.exec(
        select(Vote.poll_id, Vote.voter_key).where(
            col(Vote.poll_id).in_(list(poll_keys)), col(Vote.voter_key).in_(set(poll_keys.values()))
        )
    ).all()
    return {poll_id for poll_id, key in rows if poll_keys.get(poll_id) == key}
