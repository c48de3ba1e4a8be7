"""Data access for questions: due lists and lookups by Slack message (claims: `storage.claims`)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, or_, update
from sqlmodel import Session, col, select

from storage.models import PostState, Question, Workshop


def get(session: Session, question_id: int) -> Question | None:
    return session.get(Question, question_id)


def by_message(session: Session, channel_id: str, message_ts: str) -> Question | None:
    """The posted question whose Slack message is (channel, ts): replies in its thread answer it."""
    statement = select(Question).where(Question.channel_id == channel_id, Question.message_ts == message_ts)
    return session.exec(statement).first()


def id_by_message(session: Session, channel_id: str, message_ts: str) -> int | None:
    """Just the id, without loading the row: the hot lookup for every thread reply."""
    statement = select(Question.id).where(
        Question.channel_id == channel_id, Question.message_ts == message_ts
    )
    return session.exec(statement).first()


def ids_by_messages(session: Session, messages: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """{(channel, ts): question id} for those of `messages` that are posted questions, in one query."""
    if not messages:
        return {}
    parameters = {"ts": sorted({ts for _, ts in messages}), "channels": sorted({c for c, _ in messages})}
    rows = session.execute(_statements()["ids_by_messages"], parameters).all()
    found = {(channel, ts): qid for qid, channel, ts in rows if qid is not None}
    return {key: qid for key, qid in found.items() if key in messages}


@dataclass(frozen=True, slots=True)
class AnswerWindow:
    """What decides whether a question takes answers (bot.questions.replies.is_open_for_answers)."""

    state: str
    close_at: datetime | None
    closed_at: datetime | None


def answer_windows(session: Session, question_ids: set[int]) -> dict[int, AnswerWindow]:
    """{question id: its answer window} in one query, for a batch of thread replies."""
    if not question_ids:
        return {}
    rows = session.execute(_statements()["answer_windows"], {"ids": sorted(question_ids)}).all()
    return {
        qid: AnswerWindow(state, close_at, closed_at)
        for qid, state, close_at, closed_at in rows
        if qid is not None
    }


@cache
def _statements() -> dict[str, Any]:
    """The reply path's lookups, built once per process: a batch binds its values, nothing is rebuilt."""
    return {
        "ids_by_messages": select(Question.id, Question.channel_id, Question.message_ts).where(
            col(Question.message_ts).in_(bindparam("ts", expanding=True)),
            col(Question.channel_id).in_(bindparam("channels", expanding=True)),
        ),
        "answer_windows": select(Question.id, Question.state, Question.close_at, Question.closed_at).where(
            col(Question.id).in_(bindparam("ids", expanding=True))
        ),
    }


def posting_in_channel(session: Session, channel_id: str) -> bool:
    """Whether a question may be on its way into `channel_id` without its ts recorded yet.

    Claimed (being posted), or given back after an attempt that may have reached Slack, in a workshop on
    this channel (or one whose channel id is not resolved yet). The rows are locked (PostgreSQL), so a
    poster recording its ts right now commits first and the caller, looking again, sees the ts.
    """
    statement = (
        select(Question.id)
        .join(Workshop, col(Workshop.id) == col(Question.workshop_id))
        .where(
            or_(
                col(Question.state) == PostState.CLAIMED,
                (col(Question.state) == PostState.SCHEDULED) & (col(Question.attempts) > 0),
            ),
            or_(col(Workshop.channel_id) == channel_id, col(Workshop.channel_id).is_(None)),
        )
        .with_for_update(of=Question)
    )
    return bool(session.exec(statement).all())


def scheduled(session: Session) -> Sequence[tuple[Question, Workshop]]:
    """Questions still waiting to be posted (or claimed), with their workshop, soonest first."""
    statement = (
        select(Question, Workshop)
        .join(Workshop, col(Workshop.id) == col(Question.workshop_id))
        .where(col(Question.state).in_([PostState.SCHEDULED, PostState.CLAIMED]), col(Workshop.active))
        .order_by(col(Question.post_at), col(Question.id))
    )
    return session.exec(statement).all()


def for_workshop(session: Session, workshop_id: int) -> Sequence[Question]:
    statement = select(Question).where(Question.workshop_id == workshop_id).order_by(col(Question.position))
    return session.exec(statement).all()


def open_posted_since(session: Session, since: datetime, now: datetime) -> Sequence[Question]:
    """Posted questions still open for answers, newest first (the order backfill reads them in)."""
    statement = (
        select(Question)
        .join(Workshop, col(Workshop.id) == col(Question.workshop_id))
        .where(
            col(Question.state) == PostState.POSTED,
            col(Question.posted_at) >= since,
            col(Question.closed_at).is_(None),
            or_(col(Question.close_at).is_(None), col(Question.close_at) > now),
            col(Workshop.active),
        )
        .order_by(col(Question.posted_at).desc(), col(Question.id).desc())
    )
    return session.exec(statement).all()


def closed_but_shown_open(session: Session, now: datetime, limit: int) -> Sequence[tuple[Question, str]]:
    """Posted questions past their close time or concluded whose message still shows the controls, with
    their workshop's title, oldest close first."""
    statement = (
        select(Question, Workshop.title)
        .join(Workshop, col(Workshop.id) == col(Question.workshop_id))
        .where(
            col(Question.state) == PostState.POSTED,
            col(Question.message_ts).is_not(None),
            col(Question.closed_shown_at).is_(None),
            col(Workshop.active),
            or_(col(Question.closed_at).is_not(None), col(Question.close_at) <= now),
        )
        .order_by(col(Question.id))
        .limit(limit)
    )
    return session.exec(statement).all()


def claim_closed_shown(session: Session, question_id: int, now: datetime) -> bool:
    """Take the one right to re-render a closed question's message. True for exactly one caller."""
    statement = (
        update(Question)
        .where(col(Question.id) == question_id, col(Question.closed_shown_at).is_(None))
        .values(closed_shown_at=now)
    )
    return session.exec(statement).rowcount == 1


def release_closed_shown(session: Session, question_id: int) -> None:
    """Give the claim back after a transient failure (rate limit, Slack down): the next sweep retries."""
    session.execute(update(Question).where(col(Question.id) == question_id).values(closed_shown_at=None))
