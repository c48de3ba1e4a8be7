"""The claimed-post state machine of questions and polls: scheduled → claimed → posted (or open) / failed.

A conditional UPDATE gives the claim to exactly one caller; only the holder of the claim's token records
the outcome or gives the claim back; a claim older than `stale_before` is presumed abandoned by a crashed
poster and may be taken over. Both tables carry the same columns for it (state, claimed_at, claim_token,
channel_id, message_ts, error) and the same state names. Never commits.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, update
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from storage.models import Poll, PostState, Question

Claimable = type[Question] | type[Poll]


def claimable(model: Claimable, stale_before: datetime) -> ColumnElement[bool]:
    """Rows that may be claimed: scheduled, or claimed before `stale_before` by a poster that never came back."""
    return or_(
        col(model.state) == PostState.SCHEDULED,
        and_(col(model.state) == PostState.CLAIMED, col(model.claimed_at) < stale_before),
    )


def claim(
    session: Session,
    model: Claimable,
    row_id: int,
    *,
    token: str,
    now: datetime,
    stale_before: datetime,
    **also: Any,
) -> bool:
    """Atomically take the right to post the row (setting `also` with the claim). True for exactly one caller."""
    statement = (
        update(model)
        .where(col(model.id) == row_id, claimable(model, stale_before))
        .values(state=PostState.CLAIMED, claim_token=token, claimed_at=now, **also)
    )
    return session.execute(statement).rowcount == 1  # type: ignore[attr-defined,no-any-return]


def finish(
    session: Session,
    model: Claimable,
    row_id: int,
    *,
    token: str,
    state: str,
    error: str | None = None,
    **also: Any,
) -> bool:
    """Record the outcome of a claimed post (its state, error and `also`); only the claim holder may."""
    statement = (
        update(model)
        .where(col(model.id) == row_id, col(model.claim_token) == token)
        .values(state=state, claim_token=None, error=error[:200] if error else None, **also)
    )
    return session.execute(statement).rowcount == 1  # type: ignore[attr-defined,no-any-return]


def release(session: Session, model: Claimable, row_id: int, *, token: str, **also: Any) -> None:
    """Give a claim back after a transient failure so the next attempt can retry (setting `also`)."""
    session.execute(
        update(model)
        .where(col(model.id) == row_id, col(model.claim_token) == token)
        .values(state=PostState.SCHEDULED, claim_token=None, **also)
    )


def mark_missed(session: Session, model: Claimable, row_id: int) -> bool:
    """A row still scheduled past its grace period: the bot was down when it was due; it is not posted."""
    statement = (
        update(model)
        .where(col(model.id) == row_id, col(model.state) == PostState.SCHEDULED)
        .values(state=PostState.MISSED)
    )
    return session.execute(statement).rowcount == 1  # type: ignore[attr-defined,no-any-return]
