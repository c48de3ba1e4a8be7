"""Deduplication of Slack deliveries: an atomic insert of the delivery's key."""

from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col

from storage.inserts import insert_if_absent, insert_many_if_absent
from storage.models import ProcessedEvent


def mark_processed(session: Session, key: str, *, now: datetime) -> bool:
    """Insert `key`; False if some delivery already inserted it (a retry or a concurrent duplicate).

    A single INSERT … ON CONFLICT DO NOTHING, so a duplicate does not poison the caller's transaction; the
    caller commits the key together with the delivery's effect, so the two stand or fall together.
    """
    return insert_if_absent(session, ProcessedEvent, {"key": key, "received_at": now}, ["key"])


def mark_many_processed(session: Session, keys: list[str], *, now: datetime) -> set[str]:
    """Insert distinct `keys` in one statement; the set of keys that were new."""
    rows = [{"key": key, "received_at": now} for key in keys]
    return {key for (key,) in insert_many_if_absent(session, ProcessedEvent, rows, ["key"], ["key"])}


def forget_older_than(session: Session, cutoff: datetime) -> int:
    """Drop keys older than Slack's retry window; (channel, ts) uniqueness still guards replies."""
    result = session.exec(delete(ProcessedEvent).where(col(ProcessedEvent.received_at) < cutoff))
    return result.rowcount


def is_processed(session: Session, key: str) -> bool:
    """Whether some delivery already marked `key` (a read, for work that must first check it applies)."""
    return session.get(ProcessedEvent, key) is not None
