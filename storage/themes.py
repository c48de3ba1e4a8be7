"""Data access for curated themes: a question's themes, each answer's theme, and which questions are curated.

Every list comes back in one fixed order (themes by position then id, answers by time then id), so the
same stored edits always read back the same way.
"""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from storage.inserts import insert_if_absent
from storage.models import Question, Response, Theme, ThemeAnswer, ThemeCuration
from storage.responses import counts_as_answer


def is_curated(session: Session, question_id: int) -> bool:
    return session.get(ThemeCuration, question_id) is not None


def curated_among(session: Session, question_ids: Sequence[int]) -> set[int]:
    """Which of `question_ids` are curated, in one query (the App Home lists many)."""
    if not question_ids:
        return set()
    statement = select(ThemeCuration.question_id).where(col(ThemeCuration.question_id).in_(question_ids))
    return set(session.exec(statement).all())


def claim_curation(session: Session, question_id: int, now: datetime) -> bool:
    """Mark the question curated; True for exactly one caller, the one that copies the suggestions.

    INSERT … ON CONFLICT DO NOTHING: on PostgreSQL a concurrent first edit waits for this one to commit,
    then finds the question curated and the themes copied, instead of copying them twice.
    """
    return insert_if_absent(
        session, ThemeCuration, {"question_id": question_id, "curated_at": now}, ["question_id"]
    )


def answers(session: Session, question_id: int) -> Sequence[Response]:
    """The question's answers that count (not deleted), oldest first, ties by id."""
    statement = (
        select(Response)
        .where(Response.question_id == question_id, counts_as_answer())
        .order_by(col(Response.created_at), col(Response.id))
    )
    return session.exec(statement).all()


def answer_counts(session: Session, question_ids: Sequence[int]) -> dict[int, int]:
    if not question_ids:
        return {}
    statement = (
        select(Response.question_id, func.count())
        .where(col(Response.question_id).in_(question_ids), counts_as_answer())
        .group_by(col(Response.question_id))
    )
    return dict(session.exec(statement).all())


def themes(session: Session, question_id: int) -> Sequence[Theme]:
    statement = (
        select(Theme).where(Theme.question_id == question_id).order_by(col(Theme.position), col(Theme.id))
    )
    return session.exec(statement).all()


def memberships(session: Session, question_id: int) -> dict[int, int]:
    """response id -> theme id, for the question's themed answers."""
    statement = (
        select(ThemeAnswer.response_id, ThemeAnswer.theme_id)
        .join(Theme, col(Theme.id) == col(ThemeAnswer.theme_id))
        .where(Theme.question_id == question_id)
    )
    return dict(session.exec(statement).all())


def add_theme(session: Session, question_id: int, label: str, quote_response_id: int | None = None) -> Theme:
    """A new theme after the question's last one."""
    last: int | None = session.exec(
        select(func.max(Theme.position)).where(Theme.question_id == question_id)
    ).one()  # None when the question has no theme yet
    theme = Theme(
        question_id=question_id,
        label=label,
        position=(last if last is not None else -1) + 1,
        quote_response_id=quote_response_id,
    )
    session.add(theme)
    session.flush()
    return theme


def set_theme(session: Session, response_id: int, theme_id: int | None) -> None:
    """Put the answer in `theme_id`, or in no theme ("Other points") when None."""
    row = session.get(ThemeAnswer, response_id)
    if theme_id is None:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(ThemeAnswer(response_id=response_id, theme_id=theme_id))
    else:
        row.theme_id = theme_id
        session.add(row)
    session.flush()


def merge(session: Session, theme: Theme, into: Theme) -> None:
    """Move every answer of `theme` into `into`, keep `into`'s quote (or take `theme`'s), drop `theme`."""
    session.execute(update(ThemeAnswer).where(col(ThemeAnswer.theme_id) == theme.id).values(theme_id=into.id))
    if into.quote_response_id is None:
        into.quote_response_id = theme.quote_response_id
        session.add(into)
    session.execute(delete(Theme).where(col(Theme.id) == theme.id))
    session.flush()


def clear_quote_of(session: Session, response_id: int) -> None:
    """No theme quotes this answer any more (it was marked not for quotation)."""
    session.execute(
        update(Theme).where(col(Theme.quote_response_id) == response_id).values(quote_response_id=None)
    )
    session.flush()


def posted_questions(session: Session, workshop_ids: Sequence[int]) -> Sequence[Question]:
    """The workshops' questions that have been posted (the ones with answers to theme), in order."""
    if not workshop_ids:
        return []
    statement = (
        select(Question)
        .where(col(Question.workshop_id).in_(workshop_ids), col(Question.posted_at).is_not(None))
        .order_by(col(Question.workshop_id), col(Question.position), col(Question.id))
    )
    return session.exec(statement).all()
