"""Data access for workshops and what hangs off them (questions, polls, options, roles, invitees); never commits."""

from collections.abc import Iterable, Sequence

from sqlmodel import Session, col, delete, select

from storage.models import Invitee, Poll, PollOption, PollOrigin, Question, Role, RoleName, Workshop


def get_by_slug(session: Session, slug: str) -> Workshop | None:
    return session.exec(select(Workshop).where(Workshop.slug == slug)).first()


def list_all(session: Session) -> list[Workshop]:
    """Every workshop, soonest event first."""
    return list(session.exec(select(Workshop).order_by(col(Workshop.starts_at), col(Workshop.slug))))


def add_workshop(session: Session, workshop: Workshop) -> Workshop:
    session.add(workshop)
    session.flush()  # assigns the id the children need
    return workshop


def questions_for_workshop(session: Session, workshop_id: int) -> list[Question]:
    query = select(Question).where(Question.workshop_id == workshop_id).order_by(col(Question.position))
    return list(session.exec(query))


def polls_for_workshop(session: Session, workshop_id: int) -> list[Poll]:
    """Every poll of the workshop: the file's in file order, then the ad-hoc ones made in its channel."""
    query = (
        select(Poll)
        .where(Poll.workshop_id == workshop_id)
        .order_by(col(Poll.position).is_(None), col(Poll.position), col(Poll.id))
    )
    return list(session.exec(query))


def file_polls_for_workshop(session: Session, workshop_id: int) -> list[Poll]:
    """The polls the workshop file owns, in file order; ad-hoc polls are never among them."""
    query = (
        select(Poll)
        .where(Poll.workshop_id == workshop_id, Poll.origin == PollOrigin.FILE)
        .order_by(col(Poll.position), col(Poll.id))
    )
    return list(session.exec(query))


def option_labels(session: Session, poll_ids: Iterable[int]) -> dict[int, list[str]]:
    """Option labels in display order, keyed by poll id (every requested id is present)."""
    ids = list(poll_ids)
    labels: dict[int, list[str]] = {poll_id: [] for poll_id in ids}
    if not ids:
        return labels
    query = select(PollOption).where(col(PollOption.poll_id).in_(ids)).order_by(col(PollOption.position))
    for option in session.exec(query):
        labels[option.poll_id].append(option.label)
    return labels


def add_question(session: Session, question: Question) -> Question:
    session.add(question)
    return question


def delete_question(session: Session, question: Question) -> None:
    session.delete(question)


def add_poll(session: Session, poll: Poll, labels: Sequence[str]) -> Poll:
    session.add(poll)
    session.flush()  # the options need the poll's id
    replace_poll_options(session, poll, labels)
    return poll


def replace_poll_options(session: Session, poll: Poll, labels: Sequence[str]) -> None:
    """Swap a poll's options for `labels`; only for polls nobody can have voted on yet."""
    assert poll.id is not None
    session.exec(delete(PollOption).where(col(PollOption.poll_id) == poll.id))
    session.add_all(
        PollOption(poll_id=poll.id, position=index, label=label) for index, label in enumerate(labels)
    )


def delete_poll(session: Session, poll: Poll) -> None:
    # Options go explicitly as well, because SQLite only cascades when foreign keys are switched on.
    session.exec(delete(PollOption).where(col(PollOption.poll_id) == poll.id))
    session.delete(poll)


def renumber(session: Session, placed: Sequence[tuple[Question | Poll, int]]) -> bool:
    """Give each row its new position; True when any moved.

    Positions are unique per workshop and PostgreSQL checks that per statement, so rows that move are first
    parked on negative positions, flushed, and only then given their final ones.
    """
    moving = [(row, position) for row, position in placed if row.position != position]
    for row, _ in moving:
        assert row.id is not None
        row.position = -row.id
    session.flush()
    for row, position in moving:
        row.position = position
    session.flush()
    return bool(moving)


def roles_for_workshop(session: Session, workshop_id: int) -> list[Role]:
    query = select(Role).where(Role.workshop_id == workshop_id).order_by(col(Role.role), col(Role.user_id))
    return list(session.exec(query))


def replace_roles(session: Session, workshop_id: int, wanted: set[tuple[str, RoleName]]) -> bool:
    """Make the workshop's roles exactly `wanted` (user id, role); True when anything changed."""
    current = {(role.user_id, RoleName(role.role)): role for role in roles_for_workshop(session, workshop_id)}
    for key, role in current.items():
        if key not in wanted:
            session.delete(role)
    missing = wanted - current.keys()
    session.add_all(Role(workshop_id=workshop_id, user_id=user, role=name) for user, name in sorted(missing))
    return current.keys() != wanted


def invitees_for_workshop(session: Session, workshop_id: int) -> list[Invitee]:
    query = select(Invitee).where(Invitee.workshop_id == workshop_id).order_by(col(Invitee.user_id))
    return list(session.exec(query))


def replace_invitees(session: Session, workshop_id: int, wanted: dict[str, str | None]) -> bool:
    """Make the invitees exactly `wanted` (user id → sector or None); True when anything changed."""
    changed = False
    current = {invitee.user_id: invitee for invitee in invitees_for_workshop(session, workshop_id)}
    for user_id, invitee in current.items():
        if user_id not in wanted:
            session.delete(invitee)
            changed = True
        elif invitee.sector != wanted[user_id]:
            invitee.sector = wanted[user_id]
            changed = True
    for user_id in sorted(wanted.keys() - current.keys()):
        session.add(Invitee(workshop_id=workshop_id, user_id=user_id, sector=wanted[user_id]))
        changed = True
    return changed
