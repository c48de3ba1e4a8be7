"""Data access for polls: creation, due lists, votes, reasons, closing, render versions (claims: storage.claims).

Never commits: the service that owns the use case does, once. Conditional UPDATEs carry the rules that
must hold under concurrency (only an open poll takes votes, only the claim holder records a post).
"""

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, or_, update
from sqlalchemy import select as core_select  # sqlmodel's select takes at most four columns
from sqlmodel import Session, col, select

from storage.claims import claimable
from storage.models import Poll, PollChange, PollOption, PollReason, PollState, Vote, Workshop


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
OPEN_FOR_VOTES = (PollState.OPEN, PollState.CLAIMED)


@dataclass(frozen=True, slots=True)
class VoteTarget:
    """What a batch of clicks needs to know of one poll: its settings and options, read once per batch."""

    id: int
    question: str
    kind: str
    anonymous: bool
    invite_reason: bool
    pair_key: str | None
    workshop_id: int | None
    state: str
    open_at: datetime | None
    created_at: datetime
    options: tuple[PollOption, ...]


@dataclass(frozen=True, slots=True)
class CurrentVote:
    id: int
    poll_id: int
    voter_key: str
    option_id: int
    slot: int


@cache
def _statements() -> dict[str, Any]:
    """The vote path's Core statements, built once per process (their compiled form is cached too)."""
    table = Vote.__table__  # type: ignore[attr-defined]  # SQLModel sets it on table models, untyped
    reasons = PollReason.__table__  # type: ignore[attr-defined]
    return {
        "targets": select(Poll, PollOption)
        .outerjoin(PollOption, col(PollOption.poll_id) == col(Poll.id))
        .where(col(Poll.id).in_(bindparam("ids", expanding=True)))
        .order_by(col(Poll.id), col(PollOption.position)),
        # FOR SHARE (PostgreSQL; SQLite's writers are serialised anyway): votes hold a shared lock on
        # their polls until their batch commits, so votes never wait for each other, while a close (an
        # UPDATE) waits for every batch that read the poll open, and batches after it see it closed.
        "states": select(Poll.id, Poll.state)
        .where(col(Poll.id).in_(bindparam("ids", expanding=True)))
        .order_by(col(Poll.id))
        .with_for_update(read=True),
        "current": core_select(
            col(Vote.id), col(Vote.poll_id), col(Vote.voter_key), col(Vote.option_id), col(Vote.slot)
        ).where(
            col(Vote.poll_id).in_(bindparam("polls", expanding=True)),
            col(Vote.voter_key).in_(bindparam("keys", expanding=True)),
        ),
        "delete": delete(Vote).where(col(Vote.id).in_(bindparam("ids", expanding=True))),
        "insert": insert(table),
        "forget_reason": delete(reasons).where(
            reasons.c.poll_id == bindparam("p"), reasons.c.voter_key == bindparam("k")
        ),
        "changed": insert(PollChange.__table__),  # type: ignore[attr-defined]
    }


def vote_targets(session: Session, poll_ids: Collection[int]) -> dict[int, VoteTarget]:
    """The polls (with their options, in order) that clicks name; one query. Unknown ids are absent."""
    found: dict[int, tuple[Poll, list[PollOption]]] = {}
    for poll, option in session.execute(_statements()["targets"], {"ids": list(poll_ids)}):
        entry = found.setdefault(poll.id or 0, (poll, []))
        if option is not None:
            entry[1].append(option)
    return {
        poll_id: VoteTarget(
            poll_id,
            poll.question,
            str(poll.kind),
            poll.anonymous,
            poll.invite_reason,
            poll.pair_key,
            poll.workshop_id,
            str(poll.state),
            poll.open_at,
            poll.created_at,
            tuple(options),
        )
        for poll_id, (poll, options) in found.items()
    }


def lock_states(session: Session, poll_ids: Collection[int]) -> dict[int, str]:
    """The polls' states now, share-locked until the caller commits: the close/vote guard.

    A close that committed first is seen; a close that comes later waits for this transaction, so no vote
    counted here is acknowledged after a close committed. A claimed poll takes votes like an open one
    (`OPEN_FOR_VOTES`): a click on it proves its message reached Slack, and the response that records the
    message ts may still be on its way.
    """
    rows = session.execute(_statements()["states"], {"ids": sorted(poll_ids)})
    return {poll_id: str(state) for poll_id, state in rows}


def current_votes(session: Session, voters: Collection[tuple[int, str]]) -> list[CurrentVote]:
    """The standing votes of these (poll id, voter key) pairs; one query."""
    if not voters:
        return []
    polls = sorted({poll_id for poll_id, _ in voters})
    keys = sorted({key for _, key in voters})
    rows = session.execute(_statements()["current"], {"polls": polls, "keys": keys})
    wanted = set(voters)
    return [CurrentVote(*row) for row in rows if (row[1], row[2]) in wanted]


def apply_vote_changes(
    session: Session,
    removed: list[int],
    added: list[dict[str, Any]],
    without_votes: list[tuple[int, str]],
    changed_polls: Collection[int],
) -> None:
    """Delete votes by id, insert new ones, drop the reasons of voters left with no vote, and leave one
    change marker per changed poll: a few statements for a whole batch, none touching the poll rows."""
    statements = _statements()
    if removed:
        session.execute(statements["delete"], {"ids": removed})
    if added:
        session.execute(statements["insert"], added)
    if without_votes:
        session.execute(statements["forget_reason"], [{"p": p, "k": k} for p, k in without_votes])
    if changed_polls:
        session.execute(statements["changed"], [{"poll_id": poll_id} for poll_id in sorted(changed_polls)])


def votes_of(session: Session, poll_id: int, voter_key: str) -> list[Vote]:
    statement = select(Vote).where(Vote.poll_id == poll_id, Vote.voter_key == voter_key)
    return list(session.exec(statement).all())


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


@dataclass(frozen=True, slots=True)
class StaleMessage:
    poll_id: int
    version: int
    changes: tuple[int, ...]  # the change markers seen; deleted once a render drawn after them is sent


def stale_messages(session: Session) -> list[StaleMessage]:
    """Posted polls whose message is behind: votes left change markers, or a close or erasure bumped
    the version past the one drawn."""
    statement = (
        select(Poll.id, Poll.vote_version, PollChange.id)
        .outerjoin(PollChange, col(PollChange.poll_id) == col(Poll.id))
        .where(
            col(Poll.state).in_([PollState.OPEN, PollState.CLOSED]),
            col(Poll.message_ts).is_not(None),
            or_(col(Poll.vote_version) > col(Poll.rendered_version), col(PollChange.id).is_not(None)),
        )
        .order_by(col(Poll.id))
    )
    found: dict[int, tuple[int, list[int]]] = {}
    for poll_id, version, change_id in session.exec(statement).all():
        if poll_id is None:
            continue
        entry = found.setdefault(poll_id, (version, []))
        if change_id is not None:
            entry[1].append(change_id)
    return [StaleMessage(p, version, tuple(changes)) for p, (version, changes) in found.items()]


def mark_rendered(session: Session, poll_id: int, version: int, changes: Sequence[int] = ()) -> None:
    """Record that the message now shows `version` and every vote of the markers `changes`."""
    session.execute(
        update(Poll)
        .where(col(Poll.id) == poll_id, col(Poll.rendered_version) < version)
        .values(rendered_version=version)
    )
    if changes:
        session.execute(delete(PollChange).where(col(PollChange.id).in_(list(changes))))


def pending_changes(session: Session, poll_id: int) -> int:
    """How many change markers of this poll its message has not drawn yet."""
    statement = select(func.count()).select_from(PollChange).where(col(PollChange.poll_id) == poll_id)
    return int(session.exec(statement).one())
