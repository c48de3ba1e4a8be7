"""Data access for polls: creation, due lists, votes, reasons, closing, render versions (claims: storage.claims).

Never commits: the service that owns the use case does, once. Conditional UPDATEs carry the rules that
must hold under concurrency (only an open poll takes votes, only the claim holder records a post).
"""

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, or_, update
from sqlmodel import Session, col, select

from storage.claims import claimable
from storage.models import Poll, PollOption, PollReason, PollState, Vote, Workshop


def get(session: Session, poll_id: int) -> Poll | None:
    return session.get(Poll, poll_id)


def add(session: Session, poll: Poll, labels: Sequence[str]) -> Poll:
    session.add(poll)
    session.flush()
    assert poll.id is not None
    for position, label in enumerate(labels):
        session.add(PollOption(poll_id=poll.id, position=position, label=label))
    session.flush()
    return poll


def options(session: Session, poll_id: int) -> list[PollOption]:
    statement = select(PollOption).where(PollOption.poll_id == poll_id).order_by(col(PollOption.position))
    return list(session.exec(statement).all())


def workshop_of(session: Session, poll: Poll) -> Workshop | None:
    return session.get(Workshop, poll.workshop_id) if poll.workshop_id else None


# ----- opening ------------------------------------------------------------------------------------
def due_to_open(session: Session, now: datetime, stale_before: datetime) -> list[int]:
    """Scheduled polls whose time has come, and claims abandoned by a crashed poster."""
    statement = (
        select(Poll.id)
        .outerjoin(Workshop, col(Workshop.id) == col(Poll.workshop_id))
        .where(
            col(Poll.open_at) <= now,
            claimable(Poll, stale_before),
            or_(col(Poll.workshop_id).is_(None), col(Workshop.active)),
        )
        .order_by(col(Poll.open_at), col(Poll.id))
    )
    return [poll_id for poll_id in session.exec(statement).all() if poll_id is not None]


# ----- voting -------------------------------------------------------------------------------------
def bump_if_open(session: Session, poll_id: int) -> bool:
    """Take the poll's row lock and bump its vote version, only while it is open.

    Every vote change starts with this, so votes on one poll serialise on its row and a concurrent close
    either happens before (the vote is refused) or after (the vote counts and the close re-renders).
    A claimed poll counts as open: a click on it proves its message reached Slack, and the response
    that records the message ts may still be on its way.
    """
    statement = (
        update(Poll)
        .where(col(Poll.id) == poll_id, col(Poll.state).in_([PollState.OPEN, PollState.CLAIMED]))
        .values(vote_version=col(Poll.vote_version) + 1)
    )
    return session.exec(statement).rowcount == 1


def votes_of(session: Session, poll_id: int, voter_key: str) -> list[Vote]:
    statement = select(Vote).where(Vote.poll_id == poll_id, Vote.voter_key == voter_key)
    return list(session.exec(statement).all())


def add_vote(session: Session, vote: Vote) -> None:
    session.add(vote)
    session.flush()


def delete_votes(session: Session, poll_id: int, voter_key: str, option_id: int | None = None) -> int:
    statement = delete(Vote).where(col(Vote.poll_id) == poll_id, col(Vote.voter_key) == voter_key)
    if option_id is not None:
        statement = statement.where(col(Vote.option_id) == option_id)
    return session.exec(statement).rowcount


def counts(session: Session, poll_id: int) -> tuple[dict[int, int], int]:
    """Votes per option id, and the number of distinct voters."""
    rows = session.exec(select(Vote.option_id, Vote.voter_key).where(Vote.poll_id == poll_id)).all()
    per_option = Counter(option_id for option_id, _ in rows)
    return dict(per_option), len({voter for _, voter in rows})


# ----- reasons ------------------------------------------------------------------------------------
def reason_of(session: Session, poll_id: int, voter_key: str) -> PollReason | None:
    statement = select(PollReason).where(PollReason.poll_id == poll_id, PollReason.voter_key == voter_key)
    return session.exec(statement).first()


def delete_reason(session: Session, poll_id: int, voter_key: str) -> None:
    session.execute(
        delete(PollReason).where(col(PollReason.poll_id) == poll_id, col(PollReason.voter_key) == voter_key)
    )


def save_reason(
    session: Session, poll_id: int, voter_key: str, user_id: str | None, text: str, now: datetime
) -> PollReason:
    """Insert or replace the voter's reason. A concurrent first insert raises IntegrityError on flush."""
    reason = reason_of(session, poll_id, voter_key)
    if reason is None:
        reason = PollReason(poll_id=poll_id, voter_key=voter_key, user_id=user_id, text=text, created_at=now)
    else:
        reason.text, reason.user_id, reason.created_at = text, user_id, now
    session.add(reason)
    session.flush()
    return reason


# ----- closing and rendering ----------------------------------------------------------------------
def close(session: Session, poll_id: int, *, now: datetime) -> bool:
    """Close an open poll (bumping the version so the message is re-rendered). False if not open."""
    statement = (
        update(Poll)
        .where(col(Poll.id) == poll_id, col(Poll.state) == PollState.OPEN)
        .values(state=PollState.CLOSED, closed_at=now, vote_version=col(Poll.vote_version) + 1)
    )
    return session.exec(statement).rowcount == 1


def due_to_close(session: Session, now: datetime) -> list[int]:
    statement = select(Poll.id).where(col(Poll.state) == PollState.OPEN, col(Poll.close_at) <= now)
    return [poll_id for poll_id in session.exec(statement).all() if poll_id is not None]


def stale_messages(session: Session) -> list[tuple[int, int]]:
    """(poll id, vote_version) of posted polls whose message shows an older version."""
    statement = (
        select(Poll.id, Poll.vote_version)
        .where(
            col(Poll.state).in_([PollState.OPEN, PollState.CLOSED]),
            col(Poll.message_ts).is_not(None),
            col(Poll.vote_version) > col(Poll.rendered_version),
        )
        .order_by(col(Poll.id))
    )
    return [(poll_id, version) for poll_id, version in session.exec(statement).all() if poll_id is not None]


def mark_rendered(session: Session, poll_id: int, version: int) -> None:
    session.execute(
        update(Poll)
        .where(col(Poll.id) == poll_id, col(Poll.rendered_version) < version)
        .values(rendered_version=version)
    )
