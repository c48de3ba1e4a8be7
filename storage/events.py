"""Deduplication of Slack deliveries: an atomic insert of the delivery's key."""

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from storage.models import ProcessedEvent


def mark_processed(session: Session, key: str, *, now: datetime) -> bool:
    """Insert `key`; False if some delivery already inserted it (a retry or a concurrent duplicate).

    Runs in a savepoint so a duplicate does not poison the caller's transaction; the caller commits the
    key together with the delivery's effect, so the two stand or fall together.
    """
    try:
        with session.begin_nested():
            session.add(ProcessedEvent(key=key, received_at=now))
        return True
    except IntegrityError:
        return False


def forget_older_than(session: Session, cutoff: datetime) -> int:
    """Drop keys older than Slack's retry window; (channel, ts) uniqueness still guards replies."""
    result = session.execute(delete(ProcessedEvent).where(col(ProcessedEvent.received_at) < cutoff))
    return result.rowcount  # type: ignore[attr-defined,no-any-return]
