"""Data access for quiet nudges: who is due one, claiming it (at most once), preferences."""

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.models import Invitee, Nudge, PostState, Question, UserPreference, Workshop, utc_now


def open_questions_in_nudge_window(session: Session, now: datetime) -> Sequence[tuple[Question, Workshop]]:
    """Posted questions of nudging workshops whose close time is less than the workshop's window away."""
    statement = (
        select(Question, Workshop)
        .join(Workshop, col(Workshop.id) == col(Question.workshop_id))
        .where(
            col(Question.state) == PostState.POSTED,
            col(Question.close_at).is_not(None),
            col(Question.close_at) > now,
            col(Question.closed_at).is_(None),
            col(Workshop.nudges_enabled),
            col(Workshop.active),
        )
        .order_by(col(Question.close_at), col(Question.id))
    )
    return [
        (question, workshop)
        for question, workshop in session.exec(statement).all()
        if question.close_at is not None
        and question.close_at - timedelta(hours=workshop.nudge_hours_before) <= now
    ]


def invitees(session: Session, workshop_id: int) -> list[str]:
    statement = (
        select(Invitee.user_id).where(Invitee.workshop_id == workshop_id).order_by(col(Invitee.user_id))
    )
    return list(session.exec(statement).all())


def already_nudged(session: Session, question_id: int) -> set[str]:
    return set(session.exec(select(Nudge.user_id).where(Nudge.question_id == question_id)).all())


def opted_out(session: Session, user_ids: Sequence[str]) -> set[str]:
    if not user_ids:
        return set()
    statement = select(UserPreference.user_id).where(
        col(UserPreference.user_id).in_(list(user_ids)), col(UserPreference.nudges_enabled).is_(False)
    )
    return set(session.exec(statement).all())


def claim(session: Session, question_id: int, user_id: str) -> int | None:
    """Record that this nudge is being sent; None if someone already did (the unique key decides)."""
    nudge = Nudge(question_id=question_id, user_id=user_id)
    try:
        with session.begin_nested():
            session.add(nudge)
        return nudge.id
    except IntegrityError:
        return None


def mark_sent(session: Session, nudge_id: int, now: datetime) -> None:
    nudge = session.get(Nudge, nudge_id)
    if nudge is not None:
        nudge.sent_at = now
        session.add(nudge)


def set_nudges(session: Session, user_id: str, enabled: bool) -> None:
    preference = session.get(UserPreference, user_id) or UserPreference(user_id=user_id)
    preference.nudges_enabled = enabled
    preference.updated_at = utc_now()
    session.add(preference)
