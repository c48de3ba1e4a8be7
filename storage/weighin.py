"""Data access for the weigh-in deck: its statements, people's views of them, excluding an answer.

A statement is a thread answer (live, broadcast or backfilled; never a private answer) that is not
deleted and not excluded by a chair, with its latest edited text. Views are keyed by an anonymous voter
key (bot.weighin.keys); nothing here takes or stores a user id beside a view. Never commits.
"""

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Table, and_, delete, update
from sqlalchemy import select as select_columns  # sqlmodel's select types at most four columns
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from storage.models import PostState, Question, Response, ResponseSource, WeighinVote, Workshop

# Answers of every other source (thread, broadcast, backfill) are said where the room can see them.
NOT_IN_DECK_SOURCES = frozenset({ResponseSource.PRIVATE})


def is_deck_source(source: ResponseSource | str) -> bool:
    """Whether an answer from this source can be a deck statement (the digest asks this too)."""
    return source not in NOT_IN_DECK_SOURCES


@dataclass(frozen=True, slots=True)
class Statement:
    response_id: int
    question_id: int
    workshop_id: int
    author_id: str  # compared with the reader at read time, never stored with a view
    text: str
    question_text: str = ""
    question_number: int = 0  # the question's position in its workshop, from 1


@dataclass(frozen=True, slots=True)
class StatementState:
    """What a click needs to know about the answer it is on."""

    response_id: int
    workshop_id: int
    author_id: str
    in_deck: bool  # a thread answer, not deleted, not excluded


def in_deck() -> ColumnElement[bool]:
    """The one definition of a deck statement, over Response."""
    return and_(
        col(Response.source).not_in(NOT_IN_DECK_SOURCES),
        col(Response.deleted_at).is_(None),
        col(Response.text) != "",
        col(Response.excluded_from_deck).is_(False),
    )


def deck_workshop(
    session: Session, question_id: int | None, workshop_id: int | None
) -> tuple[int, str] | None:
    """(id, title) of the workshop a deck belongs to: the question's when one is named (None if that
    question is gone), else `workshop_id`'s; one query of two columns, where the deck redraws on every click."""
    statement = select_columns(col(Workshop.id), col(Workshop.title))
    if question_id is not None:
        statement = statement.join(Question, col(Question.workshop_id) == col(Workshop.id)).where(
            col(Question.id) == question_id
        )
    elif workshop_id is not None:
        statement = statement.where(col(Workshop.id) == workshop_id)
    else:
        return None
    row = session.execute(statement).first()
    return (int(row[0]), str(row[1])) if row is not None else None


def statements(
    session: Session, workshop_ids: Collection[int], question_id: int | None = None
) -> list[Statement]:
    """The deck statements of posted questions of these workshops (or of one question), by id."""
    if not workshop_ids:
        return []
    statement = (
        select_columns(
            col(Response.id),
            col(Response.question_id),
            col(Question.workshop_id),
            col(Response.user_id),
            col(Response.text),
            col(Question.text),
            col(Question.position),
        )
        .join(Question, col(Question.id) == col(Response.question_id))
        .where(col(Question.workshop_id).in_(list(workshop_ids)), col(Question.state) == PostState.POSTED)
        .where(in_deck())
        .order_by(col(Response.id))
    )
    if question_id is not None:
        statement = statement.where(col(Response.question_id) == question_id)
    return [
        Statement(response_id or 0, qid, wid, author, text, question, position + 1)
        for response_id, qid, wid, author, text, question, position in session.execute(statement).all()
    ]


def states(session: Session, response_ids: Collection[int]) -> dict[int, StatementState]:
    """The answers these ids name, in one query (ids of no answer are absent)."""
    if not response_ids:
        return {}
    statement = (
        select_columns(
            col(Response.id),
            col(Question.workshop_id),
            col(Response.user_id),
            col(Response.source),
            col(Response.deleted_at),
            col(Response.text),
            col(Response.excluded_from_deck),
        )
        .join(Question, col(Question.id) == col(Response.question_id))
        .where(col(Response.id).in_(list(response_ids)))
    )
    found = {}
    for response_id, workshop_id, author, source, deleted_at, text, excluded in session.execute(
        statement
    ).all():
        usable = source != ResponseSource.PRIVATE and deleted_at is None and bool(text) and not excluded
        found[response_id or 0] = StatementState(response_id or 0, workshop_id, author, usable)
    return found


def views_of(session: Session, voter_keys: dict[int, str]) -> dict[tuple[str, int], int]:
    """{(voter key, response id): choice} for every view held under {workshop id: voter key}."""
    if not voter_keys:
        return {}
    statement = select(WeighinVote.voter_key, WeighinVote.response_id, WeighinVote.choice).where(
        col(WeighinVote.workshop_id).in_(list(voter_keys)),  # indexed; the key alone is not
        col(WeighinVote.voter_key).in_(list(voter_keys.values())),
    )
    return {(key, response_id): choice for key, response_id, choice in session.exec(statement).all()}


def current_views(session: Session, pairs: Collection[tuple[int, str]]) -> dict[tuple[int, str], int]:
    """{(response id, voter key): choice} of the pairs that hold a view, in one query."""
    if not pairs:
        return {}
    statement = select(WeighinVote.response_id, WeighinVote.voter_key, WeighinVote.choice).where(
        col(WeighinVote.response_id).in_({response_id for response_id, _ in pairs}),
        col(WeighinVote.voter_key).in_({key for _, key in pairs}),
    )
    wanted = set(pairs)
    return {
        (response_id, key): choice
        for response_id, key, choice in session.exec(statement).all()
        if (response_id, key) in wanted
    }


def upsert_views(session: Session, rows: Iterable[tuple[int, int, str, int]]) -> None:
    """Insert or replace views (workshop id, response id, voter key, choice) in one statement.

    Callers pass distinct (response id, voter key) pairs: one statement may not touch a row twice.
    """
    values = [
        {"workshop_id": workshop_id, "response_id": response_id, "voter_key": key, "choice": choice}
        for workshop_id, response_id, key, choice in rows
    ]
    if not values:
        return
    table: Table = WeighinVote.__table__  # type: ignore[attr-defined]  # SQLModel sets it, untyped
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = module.insert(table).values(values)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["response_id", "voter_key"], set_={"choice": statement.excluded.choice}
        )
    )


def set_excluded(session: Session, response_id: int, excluded: bool) -> bool:
    """Take an answer out of the deck (or put it back); False if it already was so."""
    result = session.exec(
        update(Response)
        .where(col(Response.id) == response_id, col(Response.excluded_from_deck).is_(not excluded))
        .values(excluded_from_deck=excluded)
    )
    return bool(result.rowcount)


def delete_views_on(session: Session, response_ids: object) -> int:
    """Delete every view of these answers (a list or a subquery of ids): they go with their statement."""
    result = session.exec(delete(WeighinVote).where(col(WeighinVote.response_id).in_(response_ids)))  # type: ignore[arg-type]
    return result.rowcount


def posted_question(session: Session, workshop_id: int, position: int | None) -> Question | None:
    """The workshop's posted question at `position` (from 0), or its latest posted one when None."""
    statement = select(Question).where(
        Question.workshop_id == workshop_id,
        col(Question.state) == PostState.POSTED,
        col(Question.message_ts).is_not(None),
    )
    if position is not None:
        return session.exec(statement.where(Question.position == position)).first()
    return session.exec(statement.order_by(col(Question.posted_at).desc(), col(Question.id).desc())).first()
