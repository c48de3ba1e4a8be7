"""Who contributed to a workshop, for looking up display names (attributed workshops only)."""

from sqlmodel import Session, col, select

from storage.models import Poll, Question, Response, Vote, Workshop


def contributors(session: Session, slug: str) -> tuple[bool, list[str]] | None:
    """(chatham_house, user ids of everyone who answered or voted in an attributed poll), or None."""
    workshop = session.exec(select(Workshop).where(Workshop.slug == slug)).first()
    if workshop is None:
        return None
    responders = (
        select(Response.user_id)
        .join(Question, col(Question.id) == col(Response.question_id))
        .where(Question.workshop_id == workshop.id)
    )
    voters = (
        select(Vote.user_id)
        .join(Poll, col(Poll.id) == col(Vote.poll_id))
        .where(Poll.workshop_id == workshop.id, col(Vote.user_id).is_not(None))
    )
    users = set(session.exec(responders).all()) | {u for u in session.exec(voters).all() if u}
    return workshop.chatham_house, sorted(u for u in users if u)
