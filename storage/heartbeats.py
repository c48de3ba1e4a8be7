"""Liveness stamps that any process can write and `/healthz` can read."""

import os
from datetime import datetime

from sqlmodel import Session, col, func, select

from storage.models import Heartbeat, PostState, Question, Workshop

SCHEDULER = "scheduler"  # the scheduler's beat: when the bot (and its database) was last seen alive


def beat(session: Session, name: str, *, now: datetime) -> None:
    heartbeat = session.get(Heartbeat, name) or Heartbeat(name=name)
    heartbeat.beat_at = now
    heartbeat.pid = os.getpid()
    session.add(heartbeat)


def last_beat(session: Session, name: str) -> datetime | None:
    heartbeat = session.get(Heartbeat, name)
    return heartbeat.beat_at if heartbeat else None


def schedule_fingerprint(session: Session) -> tuple[int, int, int]:
    """Changes whenever a workshop is loaded or edited, from this process or any other."""
    revisions, workshops = session.exec(
        select(func.coalesce(func.sum(Workshop.revision), 0), func.count(col(Workshop.id)))
    ).one()
    waiting = session.exec(
        select(func.count(col(Question.id))).where(col(Question.state) == PostState.SCHEDULED)
    ).one()
    return int(revisions), int(workshops), int(waiting)
