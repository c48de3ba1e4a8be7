"""Data access for early replies: thread messages kept until their question's ts is recorded."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col, select

from storage.models import EarlyReply


def keep(session: Session, reply: EarlyReply) -> None:
    session.add(reply)


def take(session: Session, channel_id: str, thread_ts: str) -> Sequence[EarlyReply]:
    """The early replies of one thread, oldest first, deleted in the caller's transaction."""
    statement = (
        select(EarlyReply)
        .where(EarlyReply.channel_id == channel_id, EarlyReply.thread_ts == thread_ts)
        .order_by(col(EarlyReply.id))
    )
    rows = session.exec(statement).all()
    for row in rows:
        session.delete(row)
    return rows


def forget_older_than(session: Session, cutoff: datetime) -> int:
    """Drop early replies whose thread never became a recorded question."""
    result = session.exec(delete(EarlyReply).where(col(EarlyReply.received_at) < cutoff))
    return result.rowcount
