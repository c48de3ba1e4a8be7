"""Data access for responses (thread replies, private answers)."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, func, select
from sqlmodel.sql.expression import SelectOfScalar

from storage.inserts import insert_many_if_absent
from storage.models import Response, ResponseSource


def counts_as_answer() -> ColumnElement[bool]:
    """The one definition of "has answered": a response that is not deleted, in the thread or private.

    Nudges, the App Home's "waiting for your answer", `/roundtable status` and the digest's N of M all use
    it, so deleting your answer makes you "waiting" (and nudgeable) again and drops you from N of M.
    """
    return col(Response.deleted_at).is_(None)


def answered_questions(user_id: str) -> SelectOfScalar[int]:
    """The ids of the questions `user_id` has answered, as a subquery."""
    return select(Response.question_id).where(Response.user_id == user_id, counts_as_answer())


def answerers(session: Session, question_id: int) -> set[str]:
    """Who has answered the question."""
    statement = select(Response.user_id).where(Response.question_id == question_id, counts_as_answer())
    return set(session.exec(statement).all())


def by_message(session: Session, channel_id: str, message_ts: str) -> Response | None:
    statement = select(Response).where(Response.channel_id == channel_id, Response.message_ts == message_ts)
    return session.exec(statement).first()


def add(
    session: Session,
    *,
    question_id: int,
    user_id: str,
    text: str,
    channel_id: str | None,
    message_ts: str | None,
    source: ResponseSource,
    created_at: datetime,
    edit_ts: str | None = None,
    edited_at: datetime | None = None,
    deleted_at: datetime | None = None,
) -> Response | None:
    """Insert a response; None when (channel, ts) is already stored (a duplicate delivery)."""
    response = Response(
        question_id=question_id,
        user_id=user_id,
        text=text,
        channel_id=channel_id,
        message_ts=message_ts,
        source=source,
        created_at=created_at,
        edit_ts=edit_ts,
        edited_at=edited_at,
        deleted_at=deleted_at,
    )
    try:
        with session.begin_nested():
            session.add(response)
        return response
    except IntegrityError:
        return None


def add_replies_if_new(session: Session, rows: list[dict[str, object]]) -> set[tuple[str, str]]:
    """Insert thread replies with distinct (channel, ts) in one statement; the (channel, ts) inserted."""
    inserted = insert_many_if_absent(
        session, Response, rows, ["channel_id", "message_ts"], ["channel_id", "message_ts"]
    )
    return {(channel, ts) for channel, ts in inserted}


def count_by_question(session: Session, question_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """{question id: (visible responses, distinct responders)} in one query."""
    if not question_ids:
        return {}
    statement = (
        select(Response.question_id, func.count(), func.count(func.distinct(Response.user_id)))
        .where(col(Response.question_id).in_(question_ids), counts_as_answer())
        .group_by(col(Response.question_id))
    )
    return {question_id: (total, people) for question_id, total, people in session.exec(statement).all()}
